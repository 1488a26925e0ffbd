#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one producer record turned out to be.
public enum ReadOutcome: Sendable {
    case record(ContactRecord, line: Int)
    /// An invalid record, with its raw text so that `--rejects` can write it back out.
    case invalid(InputError, raw: String)
}

/// Streams a producer file (or stdin) record by record in any `InputFormat`.
public struct RecordReader {
    public let path: String
    public let format: InputFormat
    public let keyColumn: String
    public let validator: RecordValidator

    /// An open descriptor to read instead of `path` (an HTTP body spooled to a file); `path` then only names it.
    let descriptor: Int32?
    /// What owns `descriptor` (and closes it when it goes), kept alive as long as the reader: a read after it went
    /// would read whatever file the number was given to next.
    let owner: AnyObject?

    /// `path` is `-` for standard input.
    public init(path: String, format: InputFormat, keyColumn: String = "contactKey", validator: RecordValidator = RecordValidator()) {
        self.path = path
        self.format = format
        self.keyColumn = keyColumn
        self.validator = validator
        descriptor = nil
        owner = nil
    }

    /// Reads the open descriptor `fd` (not closed here) of `owner`, naming it `name` in errors.
    public init(
        fd: Int32, of owner: AnyObject?, name: String, format: InputFormat, keyColumn: String = "contactKey",
        validator: RecordValidator = RecordValidator()
    ) {
        path = name
        self.format = format
        self.keyColumn = keyColumn
        self.validator = validator
        descriptor = fd
        self.owner = owner
    }

    /// The input's name in errors ("stdin" for -).
    public var displayName: String { path == "-" ? "stdin" : path }

    /// Whether the input is a stream that may block (stdin, a pipe, a FIFO) rather than a regular file.
    public func isStream() throws -> Bool {
        var info = stat()
        let result = descriptor.map { fstat($0, &info) } ?? (path == "-" ? fstat(0, &info) : stat(path, &info))
        guard result == 0 else { throw InputFileError.cannotOpen(path: path, errno: errno) }
        return (info.st_mode & S_IFMT) != S_IFREG
    }

    /// Reads every record in order. I/O and whole-file faults throw `InputFileError`; record faults arrive as `.invalid`.
    public func forEach(_ body: (ReadOutcome) throws -> Void) throws {
        let cursor = try RecordCursor(self)
        while let outcome = try cursor.next() { try body(outcome) }
    }

    /// The records in order, as an async sequence (what a store's enqueue reads). Faults as in `forEach`.
    public func outcomes() -> ReadOutcomes { ReadOutcomes(reader: self) }

    /// The descriptor to read, opened here unless given (or stdin); `owned` when it is ours to close.
    func openDescriptor() throws -> (fd: Int32, owned: Bool) {
        if let descriptor { return (descriptor, false) }
        if path == "-" { return (0, false) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw InputFileError.cannotOpen(path: path, errno: errno) }
        return (fd, true)
    }

    /// The next non-blank line's outcome, nil at the end.
    func nextNDJSON(_ reader: inout ByteLineReader, line: inout Int) throws -> ReadOutcome? {
        let limit = validator.limits.maxRecordBytes
        while let outcome: ReadOutcome? = try reader.nextLine(
            limit: limit,
            { bytes, tooLong in
                line += 1
                if tooLong {
                    return .invalid(InputError(file: displayName, line: line, rule: "line longer than \(limit) bytes"), raw: "")
                }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
                return outcome(ofJSONLine: bytes, line: line)
            })
        {
            if let outcome { return outcome }
        }
        return nil
    }

    private func outcome(ofJSONLine bytes: UnsafeBufferPointer<UInt8>, line: Int) -> ReadOutcome {
        if let record = FastRecordScanner.scan(bytes, limits: validator.limits) { return .record(record, line: line) }
        do {
            let value = try JSONParser.parse(bytes, maxDepth: 3)
            return record(from: value, line: line) { String(decoding: bytes, as: UTF8.self) }
        } catch {
            return .invalid(
                InputError(file: displayName, line: line, column: error.column, rule: "invalid JSON: \(error.message)"),
                raw: String(decoding: bytes, as: UTF8.self))
        }
    }

    private func record(from value: JSONValue, line: Int, raw: () -> String) -> ReadOutcome {
        do {
            return .record(try validator.record(fromJSON: value), line: line)
        } catch {
            return .invalid(InputError(file: displayName, line: line, field: error.field, rule: error.rule), raw: raw())
        }
    }

    /// The next CSV record's outcome (the header is read first, into `header`), nil at the end.
    func nextCSV(_ stream: inout CSVRecordStream, header: inout (names: [String], keyIndex: Int)?) throws -> ReadOutcome? {
        while let item = try stream.next() {
            switch item {
            case .tooLong(let line):
                return .invalid(
                    InputError(file: displayName, line: line, rule: "record longer than \(validator.limits.maxRecordBytes) bytes"),
                    raw: "")
            case .unterminated(let bytes, let line):
                return .invalid(
                    InputError(file: displayName, line: line, rule: "unterminated quoted field at end of file"),
                    raw: String(decoding: bytes, as: UTF8.self))
            case .record(let bytes, let line):
                guard let header else {
                    switch CSVFields.split(bytes) {
                    case .failure(let syntax):
                        throw InputFileError.syntax(path: displayName, line: line, column: syntax.column, message: syntax.message)
                    case .success(let names):
                        let trimmed = names.map { $0.trimmingSpaces() }
                        guard let index = trimmed.firstIndex(of: keyColumn) else {
                            throw InputFileError.missingKeyColumn(path: displayName, column: keyColumn, header: trimmed)
                        }
                        header = (trimmed, index)
                    }
                    continue
                }
                return csvOutcome(bytes, header: header.names, keyIndex: header.keyIndex, line: line)
            }
        }
        if header == nil { throw InputFileError.emptyHeader(path: displayName) }
        return nil
    }

    private func csvOutcome(_ bytes: [UInt8], header: [String], keyIndex: Int, line: Int) -> ReadOutcome {
        let raw = String(decoding: bytes, as: UTF8.self)
        switch CSVFields.split(bytes) {
        case .failure(let syntax):
            return .invalid(
                InputError(file: displayName, line: line, column: syntax.column, rule: "invalid CSV: \(syntax.message)"), raw: raw)
        case .success(let values):
            guard values.count == header.count else {
                return .invalid(
                    InputError(
                        file: displayName, line: line, rule: "expected \(header.count) columns as in the header, found \(values.count)"),
                    raw: raw)
            }
            var data: [Field] = []
            data.reserveCapacity(values.count - 1)
            for (index, value) in values.enumerated() where index != keyIndex {
                data.append(Field(header[index], .string(value)))
            }
            do {
                return .record(try validator.record(key: values[keyIndex], keyField: keyColumn, data: data), line: line)
            } catch {
                return .invalid(InputError(file: displayName, line: line, field: error.field, rule: error.rule), raw: raw)
            }
        }
    }

    /// The next element's outcome, nil at the end of the array.
    func nextJSONElement(_ stream: inout JSONArrayStream) throws -> ReadOutcome? {
        do {
            guard let item = try stream.next() else { return nil }
            switch item {
            case .tooLong(let line):
                return .invalid(
                    InputError(file: displayName, line: line, rule: "record longer than \(validator.limits.maxRecordBytes) bytes"),
                    raw: "")
            case .element(let bytes, let line, let column):
                let parsed: JSONValue
                do {
                    parsed = try bytes.withUnsafeBufferPointer { buffer throws(JSONParser.SyntaxError) in
                        try JSONParser.parse(buffer, maxDepth: 3)
                    }
                } catch {
                    // Place the fault in the file: lines and columns inside the element count from where it starts.
                    let before = bytes.prefix(max(error.column - 1, 0))
                    let newlines = before.filter { $0 == 0x0A }.count
                    let lastBreak = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                    let at = newlines == 0 ? column + before.count : before.count - lastBreak + 1
                    throw InputFileError.syntax(
                        path: displayName, line: line + newlines, column: at, message: "invalid JSON: \(error.message)")
                }
                return record(from: parsed, line: line) { String(decoding: bytes, as: UTF8.self) }
            }
        } catch let malformed as JSONArrayStream.Malformed {
            if let found = malformed.found { throw InputFileError.notAnArray(path: displayName, found: found) }
            throw InputFileError.syntax(path: displayName, line: malformed.line, column: malformed.column, message: malformed.message)
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
