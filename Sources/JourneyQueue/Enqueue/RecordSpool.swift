import Foundation

/// Valid records read from a stream (stdin, a pipe), kept in an unlinked temporary file until the input has ended, so
/// that the write transaction never waits on a producer: a daemon sharing the database is never locked out by it.
final class RecordSpool {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var count = 0

    init() throws {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(directory)/journeyq-spool-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw InputFileError.cannotOpen(path: directory, errno: errno) }
        // Unlinked at once: contact data never outlives the process, whatever happens to it.
        unlink(template)
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Appends one record (length-prefixed key and data).
    func append(_ record: ContactRecord) throws {
        appendField(record.key)
        appendField(record.dataJSON)
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Calls `body` with every record in the order appended.
    func replay(_ body: (ContactRecord) throws -> Void) throws {
        try flush()
        try handle.seek(toOffset: 0)
        var pending: [UInt8] = []
        var offset = 0
        func field() -> String? {
            guard pending.count - offset >= 4 else { return nil }
            let length = pending[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            guard pending.count - offset - 4 >= length else { return nil }
            let text = String(decoding: pending[offset + 4..<offset + 4 + length], as: UTF8.self)
            offset += 4 + length
            return text
        }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.removeFirst(offset)
            offset = 0
            pending.append(contentsOf: chunk)
            while true {
                let start = offset
                guard let key = field(), let data = field() else {
                    offset = start
                    break
                }
                try body(ContactRecord(key: key, dataJSON: data))
            }
        }
    }

    private func appendField(_ text: String) {
        let bytes = Array(text.utf8)
        let length = bytes.count
        buffer += [
            UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8),
            UInt8(truncatingIfNeeded: length),
        ]
        buffer += bytes
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
