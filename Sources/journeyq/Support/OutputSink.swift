import Foundation

/// Standard output, or a file written to a temporary name and moved into place on close, so that a
/// failed command leaves no half-written report.
final class OutputSink {
    private let path: String?
    private let handle: FileHandle
    private let temporary: String?
    private var buffer = Data()

    init(path: String?) throws {
        self.path = path
        if let path {
            let temporary = path + ".partial"
            guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
                throw CLIFailure.runtime("journeyq: cannot write \(path)")
            }
            self.temporary = temporary
            self.handle = handle
        } else {
            temporary = nil
            handle = FileHandle.standardOutput
        }
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        guard let path, let temporary else { return }
        try handle.close()
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }
}
