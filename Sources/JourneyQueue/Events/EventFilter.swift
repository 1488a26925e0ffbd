/// Which events a reader wants: some types, some destinations; nil means all.
public struct EventFilter: Sendable, Equatable {
    public var types: Set<EventType>?
    public var destinations: Set<String>?

    public init(types: Set<EventType>? = nil, destinations: Set<String>? = nil) {
        self.types = types
        self.destinations = destinations
    }

    /// Every event.
    public static let all = EventFilter()

    /// The types as a JSON array for the stores' `json_each`/`jsonb_array_elements_text`, nil for all.
    public var typesJSON: String? {
        types.map { "[" + $0.map(\.rawValue).sorted().map(JSONText.string).joined(separator: ",") + "]" }
    }

    /// The destination names as a JSON array, nil for all.
    public var destinationsJSON: String? {
        destinations.map { "[" + $0.sorted().map(JSONText.string).joined(separator: ",") + "]" }
    }
}
