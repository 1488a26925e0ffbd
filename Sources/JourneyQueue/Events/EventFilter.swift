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

    /// The filter `typesJSON` and `destinationsJSON` wrote (as a store keeps it with a batch); unknown types are dropped.
    public init(typesJSON: String?, destinationsJSON: String?) {
        func strings(_ text: String?) -> [String]? {
            guard let text, case let .array(items)? = try? JSONParser.parse(text) else { return nil }
            return items.compactMap { if case let .string(value) = $0 { value } else { nil } }
        }
        types = strings(typesJSON).map { Set($0.compactMap(EventType.init(rawValue:))) }
        destinations = strings(destinationsJSON).map(Set.init)
    }

    /// The types as a JSON array for the stores' `json_each`/`jsonb_array_elements_text`, nil for all.
    public var typesJSON: String? {
        types.map { "[" + $0.map(\.rawValue).sorted().map(JSONText.string).joined(separator: ",") + "]" }
    }

    /// The destination names as a JSON array, nil for all.
    public var destinationsJSON: String? {
        destinations.map { "[" + $0.sorted().map(JSONText.string).joined(separator: ",") + "]" }
    }
}
