/// The report's data, the JSON contract of DESIGN.md: `destinations[].{name, kind, counts}`.
public struct QueueReport: Sendable, Codable, Equatable {
    /// One destination's line.
    public struct Destination: Sendable, Codable, Equatable {
        public var name: String
        public var kind: String?
        /// Every state of `ContactState`, by name, zero included.
        public var counts: [String: Int]
        public var total: Int
        /// Contacts not yet confirmed, unverifiable or dead.
        public var live: Int
    }

    /// Epoch milliseconds when the report was made.
    public var generatedAt: Int64
    public var destinations: [Destination]

    /// Builds the report from the store's counts.
    public init(counts: [DestinationCounts], generatedAt: Int64) {
        self.generatedAt = generatedAt
        destinations = counts.map { entry in
            Destination(
                name: entry.name, kind: entry.kind,
                counts: Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0.description, entry.counts[$0] ?? 0) }),
                total: entry.total, live: entry.live)
        }
    }
}
