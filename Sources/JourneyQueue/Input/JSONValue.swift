/// A parsed JSON value, as small as producer records need.
public indirect enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A short name of the value's type for error messages.
    public var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }
}

extension JSONValue {
    /// The member named `key` of an object (the first, if repeated); nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// A string, or a number's literal (for fields typed either way, such as `errorcode`).
    public var scalarText: String? {
        switch self {
        case .string(let text): text
        case .number(let literal): literal
        default: nil
        }
    }

    /// Parses `bytes` as JSON, or nil.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 16) -> JSONValue? {
        bytes.withUnsafeBufferPointer { try? JSONParser.parse($0, maxDepth: maxDepth) }
    }
}

extension JSONValue {
    /// A number's value when it is finite (a remote's `1e300` or a string is not a duration to trust).
    public var finiteNumber: Double? {
        guard case .number(let literal) = self, let value = Double(literal), value.isFinite else { return nil }
        return value
    }
}

/// Durations a remote sends, turned into milliseconds without ever trapping.
public enum RemoteDuration {
    /// `seconds` in milliseconds, clamped to `0...maxMillis`; nil for NaN.
    public static func millis(seconds: Double, maxMillis: Int64) -> Int64? {
        guard !seconds.isNaN else { return nil }
        if seconds <= 0 { return 0 }
        if seconds >= Double(maxMillis) / 1000 { return maxMillis }
        return Int64((seconds * 1000).rounded(.up))
    }
}
