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

    /// `path` is `-` for standard input.
    public init(path: String, format: InputFormat, keyColumn: String = "contactKey", validator: RecordValidator = RecordValidator()) {
        self.path = path
        self.format = format
        self.keyColumn = keyColumn
        self.validator = validator
    }

    private var displayName: String { path == "-" ? "stdin" : path }

    /// Whether the input is a stream that may block (stdin, a pipe, a FIFO) rather than a regular file.
    public func isStream() throws -> Bool {
        var info = stat()
        let result = path == "-" ? fstat(0, &info) : stat(path, &info)
        guard result == 0 else { throw InputFileError.cannotOpen(path: path, errno: errno) }
        return (info.st_mode & S_IFMT) != S_IFREG
    }

    /// Reads every record in order. I/O and whole-file faults throw `InputFileError`; record faults arrive as `.invalid`.
    public func forEach(_ body: (ReadOutcome) throws -> Void) throws {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
        guard fd >= 0 else { throw InputFileError.cannotOpen(path: path, errno: errno) }
        defer { if fd != 0 { close(fd) } }
        var reader = ByteLineReader(fd: fd)
        switch format {
        case .ndjson: try readNDJSON(&reader, body)
        case .csv: try readCSV(fd: fd, body)
        case .json: try readJSONArray(&reader, body)
        }
    }

    private func readNDJSON(_ reader: inout ByteLineReader, _ body: (ReadOutcome) throws -> Void) throws {
        var line = 0
        let limit = validator.limits.maxRecordBytes
        while let outcome: ReadOutcome? = try reader.nextLine(limit: limit, { bytes, tooLong in
            line += 1
            if tooLong {
                return .invalid(InputError(file: displayName, line: line, rule: "line longer than \(limit) bytes"), raw: "")
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
            return outcome(ofJSONLine: bytes, line: line)
        }) {
            if let outcome { try body(outcome) }
        }
    }

    private func outcome(ofJSONLine bytes: UnsafeBufferPointer<UInt8>, line: Int) -> ReadOutcome {
        if let record = FastRecordScanner.scan(bytes, limits: validator.limits) { return .record(record, line: line) }
        do {
            let value = try JSONParser.parse(bytes, maxDepth: 3)
            return record(from: value, line: line) { String(decoding: bytes, as: UTF8.self) }
        } catch {
            return .invalid(InputError(file: displayName, line: line, column: error.column, rule: "invalid JSON: \(error.message)"),
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

    private func readCSV(fd: Int32, _ body: (ReadOutcome) throws -> Void) throws {
        var stream = CSVRecordStream(fd: fd, limit: validator.limits.maxRecordBytes)
        var header: [String]?
        var keyIndex = 0
        while let item = try stream.next() {
            switch item {
            case .tooLong(let line):
                try body(.invalid(InputError(file: displayName, line: line, rule: "record longer than \(validator.limits.maxRecordBytes) bytes"), raw: ""))
            case .unterminated(let bytes, let line):
                try body(.invalid(InputError(file: displayName, line: line, rule: "unterminated quoted field at end of file"),
                                  raw: String(decoding: bytes, as: UTF8.self)))
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
                        header = trimmed
                        keyIndex = index
                    }
                    continue
                }
                try body(csvOutcome(bytes, header: header, keyIndex: keyIndex, line: line))
            }
        }
        if header == nil { throw InputFileError.emptyHeader(path: displayName) }
    }

    private func csvOutcome(_ bytes: [UInt8], header: [String], keyIndex: Int, line: Int) -> ReadOutcome {
        let raw = String(decoding: bytes, as: UTF8.self)
        switch CSVFields.split(bytes) {
        case .failure(let syntax):
            return .invalid(InputError(file: displayName, line: line, column: syntax.column, rule: "invalid CSV: \(syntax.message)"), raw: raw)
        case .success(let values):
            guard values.count == header.count else {
                return .invalid(InputError(file: displayName, line: line, rule: "expected \(header.count) columns as in the header, found \(values.count)"), raw: raw)
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

    private func readJSONArray(_ reader: inout ByteLineReader, _ body: (ReadOutcome) throws -> Void) throws {
        var all: [UInt8] = []
        var lineStarts: [Int] = [0]
        while try reader.nextLine(limit: Int.max, { (bytes, _) -> Bool in
            all.append(contentsOf: bytes)
            all.append(0x0A)
            lineStarts.append(all.count)
            return true
        }) != nil {}
        let lineOf: (Int) -> Int = { offset in
            var low = 0, high = lineStarts.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
            }
            return low + 1
        }
        let parsed: (JSONValue, [Int])
        do {
            parsed = try all.withUnsafeBufferPointer { buffer throws(JSONParser.SyntaxError) in try JSONParser.parseWithOffsets(buffer, maxDepth: 4) }
        } catch {
            let offset = error.column - 1
            let line = lineOf(offset)
            throw InputFileError.syntax(path: displayName, line: line, column: offset - lineStarts[line - 1] + 1, message: "invalid JSON: \(error.message)")
        }
        guard case .array(let elements) = parsed.0 else { throw InputFileError.notAnArray(path: displayName, found: parsed.0.typeName) }
        for (index, element) in elements.enumerated() {
            let line = lineOf(parsed.1[index])
            try body(record(from: element, line: line) { "" })
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
