import Foundation

/// Reads an RFC 4180 CSV document into rows (the Bulk API's upload format).
enum CSVTable {
    struct Malformed: Error {
        var message: String
    }

    static func parse(_ bytes: [UInt8]) throws(Malformed) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var index = 0
        func endField() { row.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") { field.append(byte); index += 2; continue }
                    quoted = false
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                guard field.isEmpty else { throw Malformed(message: "a quote inside an unquoted field (row \(rows.count + 1))") }
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                endField()
            } else if byte == 0x0A || byte == 0x0D {
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
                endField()
                rows.append(row)
                row.removeAll()
            } else {
                field.append(byte)
            }
            index += 1
        }
        if quoted { throw Malformed(message: "unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty { endField(); rows.append(row) }
        return rows
    }

    /// One CSV line (no line break), quoting only the fields that need it.
    static func line(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }

    /// Writes rows as CSV, quoting every field as the Bulk API's result files do.
    static func write(_ rows: [[String]]) -> String {
        rows.map { row in row.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") }.joined(
            separator: "\n") + "\n"
    }
}
