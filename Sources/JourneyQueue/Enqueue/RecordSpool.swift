import Foundation

/// Records gathered before an enqueue's transaction: in memory up to a megabyte, then in an unlinked temporary file,
/// so that a store with one writer (SQLite) never holds it while a producer is read, however slow the producer, and an
/// enqueue of millions stays within a megabyte of memory.
///
/// `@unchecked Sendable`: it is filled by one task and then replayed by the writer the store hands it to, never by two
/// at a time.
public final class RecordSpool: AsyncSequence, @unchecked Sendable {
    public typealias Element = ContactRecord
    private static let flushBytes = 1 << 20
    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    /// Records appended.
    public private(set) var count = 0

    public init() {}

    /// Appends one record (its key, data and limits).
    public func append(_ record: ContactRecord) throws {
        appendField(record.key)
        appendField(record.dataJSON)
        appendLimit(record.notBefore)
        appendLimit(record.notAfter)
        count += 1
        if buffer.count >= Self.flushBytes { try flush() }
    }

    /// Calls `body` with every record in the order appended.
    public func replay(_ body: (ContactRecord) throws -> Void) throws {
        let cursor = Cursor(self)
        while let record = try cursor.next() { try body(record) }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(cursor: Cursor(self)) }

    /// The records in the order appended.
    public struct Iterator: AsyncIteratorProtocol {
        let cursor: Cursor
        public mutating func next() async throws -> ContactRecord? { try cursor.next() }
    }

    /// One pass over the records: from the buffer when they all stayed in memory, else from the file, a megabyte at a time.
    public final class Cursor {
        private let spool: RecordSpool
        private var pending: [UInt8] = []
        private var offset = 0
        private var started = false

        init(_ spool: RecordSpool) {
            self.spool = spool
        }

        func next() throws -> ContactRecord? {
            if !started {
                started = true
                if let handle = spool.handle {
                    try spool.flush()
                    try handle.seek(toOffset: 0)
                } else {
                    pending = spool.buffer
                }
            }
            while true {
                if let record = RecordSpool.record(in: pending, at: &offset) { return record }
                guard let handle = spool.handle, let chunk = try handle.read(upToCount: RecordSpool.flushBytes), !chunk.isEmpty else {
                    return nil
                }
                pending.removeFirst(offset)
                offset = 0
                pending.append(contentsOf: chunk)
            }
        }
    }

    /// The record starting at `offset` when all of it is in `bytes` (then `offset` moves past it).
    private static func record(in bytes: [UInt8], at offset: inout Int) -> ContactRecord? {
        var cursor = offset
        guard let key = field(bytes, &cursor), let data = field(bytes, &cursor), let notBefore = limit(bytes, &cursor),
            let notAfter = limit(bytes, &cursor)
        else { return nil }
        offset = cursor
        var record = ContactRecord(key: key, dataJSON: data)
        record.notBefore = notBefore
        record.notAfter = notAfter
        return record
    }

    private static func field(_ bytes: [UInt8], _ offset: inout Int) -> String? {
        guard bytes.count - offset >= 4 else { return nil }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        guard bytes.count - offset - 4 >= length else { return nil }
        let text = String(decoding: bytes[offset + 4..<offset + 4 + length], as: UTF8.self)
        offset += 4 + length
        return text
    }

    /// A limit: a presence byte, then eight bytes when present. The outer nil is "not all in `bytes` yet".
    private static func limit(_ bytes: [UInt8], _ offset: inout Int) -> Int64?? {
        guard bytes.count - offset >= 1 else { return nil }
        guard bytes[offset] == 1 else {
            offset += 1
            return .some(nil)
        }
        guard bytes.count - offset >= 9 else { return nil }
        let value = bytes[offset + 1..<offset + 9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        offset += 9
        return .some(Int64(bitPattern: value))
    }

    private func appendField(_ text: String) {
        let length = text.utf8.count
        for shift in [24, 16, 8, 0] { buffer.append(UInt8(truncatingIfNeeded: length >> shift)) }
        buffer.append(contentsOf: text.utf8)
    }

    private func appendLimit(_ value: Int64?) {
        guard let value else {
            buffer.append(0)
            return
        }
        buffer.append(1)
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try openedHandle().write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func openedHandle() throws -> FileHandle {
        if let handle { return handle }
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(directory)/journeyq-spool-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw InputFileError.cannotOpen(path: directory, errno: errno) }
        // Unlinked at once: contact data never outlives the process, whatever happens to it.
        unlink(template)
        let opened = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        handle = opened
        return opened
    }
}
