/// One value of a contact's flat data: what the vendors' entry schemas accept.
public enum FieldValue: Sendable, Equatable {
    case string(String)
    /// A JSON number kept as its literal text, so that no precision is lost on the way through.
    case number(String)
    case bool(Bool)
    case null
}

/// One named field of a contact's data; order is kept as the producer wrote it.
public struct Field: Sendable, Equatable {
    public var name: String
    public var value: FieldValue

    public init(_ name: String, _ value: FieldValue) {
        self.name = name
        self.value = value
    }
}
