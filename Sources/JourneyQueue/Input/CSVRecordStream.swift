/// The complete records of a CSV stream (RFC 4180: a quoted field may hold newlines), each with the line it starts
/// on: the one CSV reader of journeyq, for producer files and for result files of any size alike.
struct CSVRecordStream {
    enum Item {
        case record([UInt8], line: Int)
        /// A record longer than the limit (skipped up to its end).
        case tooLong(line: Int)
        /// A quoted field still open at the end of the input.
        case unterminated([UInt8], line: Int)
    }

    private var reader: ByteLineReader
    private let limit: Int
    private var line = 0
    private var finished = false

    init(fd: Int32, limit: Int) {
        reader = ByteLineReader(fd: fd)
        self.limit = limit
    }

    /// The next record (blank lines skipped), or nil at the end.
    mutating func next() throws -> Item? {
        guard !finished else { return nil }
        var pending: [UInt8] = []
        var start = 0
        while true {
            let limit = self.limit
            let read: (bytes: [UInt8], tooLong: Bool)? = try reader.nextLine(limit: limit) { bytes, tooLong in (Array(bytes), tooLong) }
            guard let read else {
                finished = true
                return pending.isEmpty ? nil : .unterminated(pending, line: start)
            }
            line += 1
            if pending.isEmpty { start = line } else { pending.append(0x0A) }
            pending.append(contentsOf: read.bytes)
            if read.tooLong || pending.count > limit {
                // Drop the rest of an overlong quoted record, then report it once.
                var inside = CSVFields.endsInsideQuotes(pending)
                while inside, let more: [UInt8] = try reader.nextLine(limit: limit, { bytes, _ in Array(bytes) }) {
                    line += 1
                    if CSVFields.endsInsideQuotes(more) { inside.toggle() }
                }
                return .tooLong(line: start)
            }
            if CSVFields.endsInsideQuotes(pending) { continue }
            if pending.isEmpty { continue }
            return .record(pending, line: start)
        }
    }
}

extension CSVDocument {
    /// Calls `body` with the fields of every record read from `fd`; stops at the first malformed record and returns it.
    public static func forEachRow(fd: Int32, name: String, maxRecordBytes: Int = 1 << 24, _ body: ([String]) throws -> Void) throws
        -> InputError?
    {
        var stream = CSVRecordStream(fd: fd, limit: maxRecordBytes)
        while let item = try stream.next() {
            switch item {
            case .record(let bytes, let line):
                switch CSVFields.split(bytes) {
                case .success(let fields): try body(fields)
                case .failure(let syntax): return InputError(file: name, line: line, column: syntax.column, rule: syntax.message)
                }
            case .tooLong(let line): return InputError(file: name, line: line, rule: "record longer than \(maxRecordBytes) bytes")
            case .unterminated(_, let line): return InputError(file: name, line: line, rule: "unterminated quoted field")
            }
        }
        return nil
    }
}
