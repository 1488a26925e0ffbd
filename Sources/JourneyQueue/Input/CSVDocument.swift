/// Reads a whole CSV document (RFC 4180, quoted fields may hold newlines) into rows.
public enum CSVDocument {
    /// The rows, or the 1-based line of the first malformed record.
    public static func rows(_ bytes: [UInt8]) -> Result<[[String]], InputError> {
        var rows: [[String]] = []
        var record: [UInt8] = []
        var line = 0
        var start = 1
        for piece in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            var chunk = Array(piece)
            if chunk.last == 0x0D { chunk.removeLast() }
            if record.isEmpty { start = line } else { record.append(0x0A) }
            record.append(contentsOf: chunk)
            if CSVFields.endsInsideQuotes(record) { continue }
            defer { record.removeAll(keepingCapacity: true) }
            if record.isEmpty { continue }
            switch CSVFields.split(record) {
            case .success(let fields): rows.append(fields)
            case .failure(let syntax): return .failure(InputError(file: "csv", line: start, column: syntax.column, rule: syntax.message))
            }
        }
        if !record.isEmpty { return .failure(InputError(file: "csv", line: start, rule: "unterminated quoted field")) }
        return .success(rows)
    }

    /// One CSV line, quoting what needs it.
    public static func line(_ fields: [String]) -> String {
        fields.map { field in
            guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
            var quoted = "\""
            for character in field { quoted += character == "\"" ? "\"\"" : String(character) }
            return quoted + "\""
        }.joined(separator: ",") + "\n"
    }
}
