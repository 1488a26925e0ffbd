import Foundation

/// Standard output, or a private file written under a temporary name and moved into place on close, so that a
/// failed command leaves no half-written report.
final class OutputSink {
    private let file: PrivateFile?
    private var buffer = Data()

    init(path: String?) throws {
        file = try path.map { try PrivateFile(path: $0) }
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > 1 << 20 { try flush() }
    }

    private func flush() throws {
        if let file { try file.write(buffer) } else { try FileHandle.standardOutput.write(contentsOf: buffer) }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        try file?.commit()
    }
}
