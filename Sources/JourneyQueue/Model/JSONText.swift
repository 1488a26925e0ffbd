/// Writes the small JSON documents journeyq produces itself (contact data, record metadata).
public enum JSONText {
    /// A JSON object of flat fields.
    public static func object(_ fields: [Field]) -> String {
        var out = "{"
        for (index, field) in fields.enumerated() {
            if index > 0 { out += "," }
            appendString(field.name, to: &out)
            out += ":"
            switch field.value {
            case .string(let text): appendString(text, to: &out)
            case .number(let literal): out += literal
            case .bool(let flag): out += flag ? "true" : "false"
            case .null: out += "null"
            }
        }
        out += "}"
        return out
    }

    /// A JSON string literal.
    public static func string(_ text: String) -> String {
        var out = ""
        appendString(text, to: &out)
        return out
    }

    /// Appends `text` as a JSON string literal, escaping what RFC 8259 requires.
    public static func appendString(_ text: String, to out: inout String) {
        out.unicodeScalars.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.unicodeScalars.append("\"")
    }
}
