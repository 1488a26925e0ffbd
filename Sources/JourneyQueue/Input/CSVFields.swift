/// Splits one RFC 4180 record into fields.
enum CSVFields {
    /// True when `bytes` ends inside a quoted field (the record goes on past the newline).
    static func endsInsideQuotes(_ bytes: [UInt8]) -> Bool {
        var inside = false
        for byte in bytes where byte == UInt8(ascii: "\"") { inside.toggle() }
        return inside
    }

    /// The fields of one complete record, or a message saying why it is malformed.
    static func split(_ bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ",")) -> Result<[String], CSVSyntax> {
        var fields: [String] = []
        var current: [UInt8] = []
        var index = 0
        var quoted = false
        var fieldStart = true
        var fieldStartIndex = 0
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
                        current.append(byte)
                        index += 2
                        continue
                    }
                    quoted = false
                    index += 1
                    if index < bytes.count, bytes[index] != delimiter {
                        return .failure(CSVSyntax(column: index + 1, message: "expected a delimiter after a closing quote"))
                    }
                    continue
                }
                current.append(byte)
            } else if byte == delimiter {
                // Invalid UTF-8 is an error, never a silent U+FFFD: two distinct keys must never merge.
                guard let field = String(validating: current, as: UTF8.self) else {
                    return .failure(CSVSyntax(column: fieldStartIndex + 1, message: "invalid UTF-8"))
                }
                fields.append(field)
                current.removeAll(keepingCapacity: true)
                fieldStart = true
                index += 1
                fieldStartIndex = index
                continue
            } else if byte == UInt8(ascii: "\"") && fieldStart && current.isEmpty {
                quoted = true
            } else if byte == UInt8(ascii: "\"") {
                return .failure(CSVSyntax(column: index + 1, message: "a quote inside an unquoted field"))
            } else {
                current.append(byte)
            }
            fieldStart = false
            index += 1
        }
        if quoted { return .failure(CSVSyntax(column: bytes.count, message: "unterminated quoted field")) }
        guard let field = String(validating: current, as: UTF8.self) else {
            return .failure(CSVSyntax(column: fieldStartIndex + 1, message: "invalid UTF-8"))
        }
        fields.append(field)
        return .success(fields)
    }
}

/// A malformed CSV record.
struct CSVSyntax: Error {
    var column: Int
    var message: String
}
