/// Turns a parsed record into a `ContactRecord`, enforcing docs/ARCHITECTURE.md's input rules and `ContactLimits`.
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

    /// The record fields (JSON members, CSV columns) that say when a contact may enter rather than being data.
    public static let scheduleFields = ["notBefore", "notAfter"]

    /// Accepts `{"contactKey", "data"}` or Symplify's `{"id", "properties"}`, each with optional `notBefore`/`notAfter`.
    public func record(fromJSON value: JSONValue) throws(Failure) -> ContactRecord {
        guard case .object(let members) = value else {
            throw Failure(field: nil, rule: "expected a JSON object, found \(value.typeName)")
        }
        let symplifyShape = members.contains { $0.0 == "id" } && !members.contains { $0.0 == "contactKey" }
        let (keyName, dataName) = symplifyShape ? ("id", "properties") : ("contactKey", "data")
        var key: String?
        var data: [Field] = []
        var limits: (notBefore: Int64?, notAfter: Int64?) = (nil, nil)
        for (name, member) in members {
            switch name {
            case "notBefore", "notAfter":
                if case .null = member { continue }
                guard case .string(let text) = member else {
                    throw Failure(field: name, rule: "expected an ISO 8601 date-time with an offset, found \(member.typeName)")
                }
                let millis = try Self.moment(text, field: name)
                if name == "notBefore" { limits.notBefore = millis } else { limits.notAfter = millis }
            case keyName:
                guard case .string(let text) = member else {
                    throw Failure(field: keyName, rule: "expected a non-empty string, found \(member.typeName)")
                }
                key = text
            case dataName:
                data = try fields(of: member, path: dataName)
            default:
                throw Failure(
                    field: name, rule: "unknown field: a record has '\(keyName)' and optionally '\(dataName)', 'notBefore', 'notAfter'")
            }
        }
        guard let key else { throw Failure(field: keyName, rule: "missing: every record needs a contact key") }
        var record = try validated(key: key, keyField: keyName, data: data, dataField: dataName)
        try Self.schedule(&record, notBefore: limits.notBefore, notAfter: limits.notAfter)
        return record
    }

    /// Checks a key and flat data that came from a CSV row; `notBefore`/`notAfter` columns (empty: none) set its schedule.
    public func record(key: String, keyField: String, data: [Field]) throws(Failure) -> ContactRecord {
        var rest: [Field] = []
        rest.reserveCapacity(data.count)
        var limits: (notBefore: Int64?, notAfter: Int64?) = (nil, nil)
        for field in data {
            guard Self.scheduleFields.contains(field.name) else { rest.append(field); continue }
            guard case .string(let text) = field.value, !text.isEmpty else { continue }
            let millis = try Self.moment(text, field: field.name)
            if field.name == "notBefore" { limits.notBefore = millis } else { limits.notAfter = millis }
        }
        var record = try validated(key: key, keyField: keyField, data: rest, dataField: nil)
        try Self.schedule(&record, notBefore: limits.notBefore, notAfter: limits.notAfter)
        return record
    }

    /// Epoch milliseconds of a date-time with its offset (`2026-03-29T08:00:00+02:00`, `…Z`); a bare date is refused
    /// (midnight where?).
    public static func moment(_ text: String, field: String) throws(Failure) -> Int64 {
        guard text.utf8.count > 10, let millis = ISOTime.parse(text) else {
            throw Failure(
                field: field, rule: "expected an ISO 8601 date-time with an offset (2026-03-29T08:00:00+02:00), found '\(text.prefix(40))'")
        }
        return millis
    }

    /// Sets a record's limits; `notAfter` must come after `notBefore`.
    public static func schedule(_ record: inout ContactRecord, notBefore: Int64?, notAfter: Int64?) throws(Failure) {
        if let notBefore, let notAfter, notAfter <= notBefore {
            throw Failure(field: "notAfter", rule: "must be later than notBefore")
        }
        record.notBefore = notBefore
        record.notAfter = notAfter
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
                throw Failure(
                    field: "\(path).\(name)",
                    rule: "expected a string, number, boolean or null, found \(member.typeName) (data must be flat)")
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
