/// Turns a parsed record into a `ContactRecord`, enforcing docs/architecture.md's input rules and `ContactLimits`.
public struct RecordValidator: Sendable {
    /// Where a failure is, without the file name (the caller adds it).
    public struct Failure: Error, Sendable, Equatable {
        public var field: String?
        public var rule: String
    }

    public let limits: ContactLimits

    public init(limits: ContactLimits = .standard) {
        self.limits = limits
    }

    /// Accepts `{"contactKey", "data"}` or Symplify's `{"id", "properties"}`.
    public func record(fromJSON value: JSONValue) throws(Failure) -> ContactRecord {
        guard case .object(let members) = value else {
            throw Failure(field: nil, rule: "expected a JSON object, found \(value.typeName)")
        }
        let symplifyShape = members.contains { $0.0 == "id" } && !members.contains { $0.0 == "contactKey" }
        let (keyName, dataName) = symplifyShape ? ("id", "properties") : ("contactKey", "data")
        var key: String?
        var data: [Field] = []
        for (name, member) in members {
            switch name {
            case keyName:
                guard case .string(let text) = member else {
                    throw Failure(field: keyName, rule: "expected a non-empty string, found \(member.typeName)")
                }
                key = text
            case dataName:
                data = try fields(of: member, path: dataName)
            default:
                throw Failure(field: name, rule: "unknown field: a record has '\(keyName)' and optionally '\(dataName)'")
            }
        }
        guard let key else { throw Failure(field: keyName, rule: "missing: every record needs a contact key") }
        return try validated(key: key, keyField: keyName, data: data, dataField: dataName)
    }

    /// Checks a key and flat data that came from a CSV row.
    public func record(key: String, keyField: String, data: [Field]) throws(Failure) -> ContactRecord {
        try validated(key: key, keyField: keyField, data: data, dataField: nil)
    }

    private func fields(of value: JSONValue, path: String) throws(Failure) -> [Field] {
        if case .null = value { return [] }
        guard case .object(let members) = value else {
            throw Failure(field: path, rule: "expected an object of fields, found \(value.typeName)")
        }
        var result: [Field] = []
        result.reserveCapacity(members.count)
        for (name, member) in members {
            let scalar: FieldValue
            switch member {
            case .string(let text): scalar = .string(text)
            case .number(let literal): scalar = .number(literal)
            case .bool(let flag): scalar = .bool(flag)
            case .null: scalar = .null
            case .object, .array:
                throw Failure(field: "\(path).\(name)", rule: "expected a string, number, boolean or null, found \(member.typeName) (data must be flat)")
            }
            result.append(Field(name, scalar))
        }
        return result
    }

    private func validated(key: String, keyField: String, data: [Field], dataField: String?) throws(Failure) -> ContactRecord {
        if key.isEmpty || key.allSatisfy(\.isWhitespace) {
            throw Failure(field: keyField, rule: "must not be empty")
        }
        if key.utf8.count > limits.maxKeyBytes {
            throw Failure(field: keyField, rule: "longer than \(limits.maxKeyBytes) bytes (\(key.utf8.count))")
        }
        if key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw Failure(field: keyField, rule: "must not contain control characters")
        }
        if data.count > limits.maxFields {
            throw Failure(field: dataField, rule: "more than \(limits.maxFields) fields (\(data.count))")
        }
        // Linear for the usual handful of fields; a set only when there are many.
        var seen = data.count > 32 ? Set<String>(minimumCapacity: data.count) : nil
        for (index, field) in data.enumerated() {
            let path = dataField.map { "\($0).\(field.name)" } ?? field.name
            if field.name.isEmpty { throw Failure(field: path, rule: "a field name must not be empty") }
            let repeated = seen != nil ? !seen!.insert(field.name).inserted : data[..<index].contains { $0.name == field.name }
            if repeated { throw Failure(field: path, rule: "appears twice") }
        }
        let record = ContactRecord(key: key, data: data)
        let size = record.dataJSON.utf8.count
        if size > limits.maxDataBytes {
            throw Failure(field: dataField, rule: "data is \(size) bytes as JSON, more than the limit of \(limits.maxDataBytes)")
        }
        return record
    }
}
