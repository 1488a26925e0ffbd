#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One pass over a producer file, an outcome at a time: the state of the format's reader between records, and the
/// descriptor, closed when the pass is dropped (when it opened it).
final class RecordCursor {
    private let reader: RecordReader
    private let fd: Int32
    private let owned: Bool
    // One of the three is set, by the format. Kept apart (not in an enum's payload) so that each is mutated in place:
    // taken out of an enum, a reader's buffer would be copied at every record.
    private var lines: ByteLineReader?
    private var line = 0
    private var csv: CSVRecordStream?
    private var header: (names: [String], keyIndex: Int)?
    private var json: JSONArrayStream?

    init(_ reader: RecordReader) throws {
        self.reader = reader
        (fd, owned) = try reader.openDescriptor()
        let limit = reader.validator.limits.maxRecordBytes
        switch reader.format {
        case .ndjson: lines = ByteLineReader(fd: fd)
        case .csv: csv = CSVRecordStream(fd: fd, limit: limit)
        case .json: json = JSONArrayStream(fd: fd, limit: limit)
        }
    }

    deinit { if owned { close(fd) } }

    /// The next outcome, nil at the end of the input.
    func next() throws -> ReadOutcome? {
        if lines != nil { return try reader.nextNDJSON(&lines!, line: &line) }
        if csv != nil { return try reader.nextCSV(&csv!, header: &header) }
        return try reader.nextJSONElement(&json!)
    }
}

/// A producer file's outcomes as an async sequence. Each iteration reads the file anew from its start (a descriptor
/// handed in is read from where it stands).
public struct ReadOutcomes: AsyncSequence {
    public typealias Element = ReadOutcome
    let reader: RecordReader

    public func makeAsyncIterator() -> Iterator { Iterator(reader: reader) }

    /// Reads the next outcome when asked; the file is opened at the first `next()`.
    public struct Iterator: AsyncIteratorProtocol {
        let reader: RecordReader
        var cursor: RecordCursor?
        var ended = false

        public mutating func next() async throws -> ReadOutcome? {
            if ended { return nil }
            if cursor == nil { cursor = try RecordCursor(reader) }
            guard let outcome = try cursor?.next() else {
                ended = true
                cursor = nil
                return nil
            }
            return outcome
        }
    }
}
