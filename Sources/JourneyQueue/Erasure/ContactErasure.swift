/// Takes one contact's data out of the texts the queue keeps about it (GDPR art. 17), leaving everything else: its
/// member of a request body loses its data values, the body's other members and its shape stay, so that the ledger
/// still proves what was sent when and what came back.
public enum ContactErasure {
    /// What replaces an erased value.
    public static let placeholder = "[erased]"

    /// The reason a contact's record names when it was taken out of the queue before it was sent.
    public static let deadReason = "erased on request"

    /// The texts of every scalar in a contact's data (strings, number literals), the ones a body or message may echo.
    /// `true`, `false` and `null` are not data anyone can be found by.
    public static func values(ofData dataJSON: String) -> Set<String> {
        guard let data = JSONValue.parse(Array(dataJSON.utf8), maxDepth: 32) else { return [] }
        var values: Set<String> = []
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let members): for (_, member) in members { walk(member) }
            case .array(let elements): elements.forEach(walk)
            case .string(let text): if !text.isEmpty { values.insert(text) }
            case .number(let literal): values.insert(literal)
            case .bool, .null: break
            }
        }
        walk(data)
        return values
    }

    /// `body` with the contact's data taken out of its member(s), or nil when it names no member of the contact.
    /// A JSON body's member is any object with a string field equal to `key`; a CSV body's is any row with a field
    /// equal to `key`. In a member, every value equal to one of `values` (other than the key itself) becomes
    /// `[erased]`. A body that is neither is scrubbed as text.
    public static func erase(body: String, key: String, values: Set<String>) -> String? {
        let erasable = values.subtracting([key])
        guard !erasable.isEmpty else { return nil }
        let bytes = Array(body.utf8)
        if let first = bytes.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }),
            first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
        {
            if let json = JSONValue.parse(bytes, maxDepth: 64) {
                var changed = false
                let erased = eraseMembers(json, key: key, values: erasable, changed: &changed)
                return changed ? erased.compactText : nil
            }
            if let erased = eraseLines(body, key: key, values: erasable) { return erased }
        }
        if case .success(let rows) = CSVDocument.rows(bytes), rows.count > 1, rows.contains(where: { $0.contains(key) }) {
            var changed = false
            let rewritten = rows.map { row -> [String] in
                guard row.contains(key) else { return row }
                return row.map { field in
                    guard field != key, erasable.contains(field) else { return field }
                    changed = true
                    return placeholder
                }
            }
            return changed ? rewritten.map(CSVDocument.line).joined() : nil
        }
        return scrub(text: body, values: erasable)
    }

    /// A body of one JSON document a line (NDJSON: Symplify's upload) with the member in the lines that name `key`
    /// erased, the other lines as they were; nil when a line is not JSON or nothing changed.
    static func eraseLines(_ body: String, key: String, values: Set<String>) -> String? {
        var changed = false
        var lines: [String] = []
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.contains(key), !line.allSatisfy(\.isWhitespace) else {
                lines.append(String(line))
                continue
            }
            guard let json = JSONValue.parse(Array(line.utf8), maxDepth: 64) else { return nil }
            var lineChanged = false
            let erased = eraseMembers(json, key: key, values: values, changed: &lineChanged)
            changed = changed || lineChanged
            lines.append(lineChanged ? erased.compactText : String(line))
        }
        return changed ? lines.joined(separator: "\n") : nil
    }

    /// `text` (an error message, a reason) with every occurrence of a value of at least four characters replaced, or
    /// nil when it holds none. Shorter values are left: a `1` or `yes` would take the message's own words with it.
    public static func scrub(text: String, values: Set<String>) -> String? {
        var result = text
        for value in values.sorted(by: { $0.count > $1.count }) where value.count >= 4 && result.contains(value) {
            result = result.replacingOccurrences(of: value, with: placeholder)
        }
        return result == text ? nil : result
    }

    private static func eraseMembers(_ value: JSONValue, key: String, values: Set<String>, changed: inout Bool) -> JSONValue {
        switch value {
        case .object(let members):
            if members.contains(where: { $0.1 == .string(key) }) {
                return eraseValues(value, key: key, values: values, changed: &changed)
            }
            return .object(members.map { ($0.0, eraseMembers($0.1, key: key, values: values, changed: &changed)) })
        case .array(let elements):
            return .array(elements.map { eraseMembers($0, key: key, values: values, changed: &changed) })
        default:
            return value
        }
    }

    private static func eraseValues(_ value: JSONValue, key: String, values: Set<String>, changed: inout Bool) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(members.map { ($0.0, eraseValues($0.1, key: key, values: values, changed: &changed)) })
        case .array(let elements):
            return .array(elements.map { eraseValues($0, key: key, values: values, changed: &changed) })
        case .string(let text) where text != key && values.contains(text), .number(let text) where values.contains(text):
            changed = true
            return .string(placeholder)
        default:
            return value
        }
    }
}

extension JSONValue {
    /// The value as compact JSON text (numbers as their literals, members in their order).
    public var compactText: String {
        switch self {
        case .object(let members): "{" + members.map { JSONText.string($0.0) + ":" + $0.1.compactText }.joined(separator: ",") + "}"
        case .array(let elements): "[" + elements.map(\.compactText).joined(separator: ",") + "]"
        case .string(let text): JSONText.string(text)
        case .number(let literal): literal
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        }
    }
}
