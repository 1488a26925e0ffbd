import HeapModule

/// The journeys behind the sandbox's endpoints: an accepted contact enters asynchronously, after a
/// delay, and only if its journey runs and its entry mode lets it in; some never enter at all.
struct JourneyEngine: Sendable {
    struct Pending: Comparable, Sendable {
        var dueAt: Int64
        var sequence: Int
        var journey: Int
        var contactKey: String
        var dropped: Bool

        static func < (lhs: Pending, rhs: Pending) -> Bool { (lhs.dueAt, lhs.sequence) < (rhs.dueAt, rhs.sequence) }
    }

    private(set) var journeys: [SimulatedJourney]
    /// Entries per journey: contact key → times entered.
    private(set) var entries: [[String: Int]]
    private var pending = Heap<Pending>()
    private var sequence = 0
    /// Contacts accepted but silently never entered, per journey (for stats).
    private(set) var silentlyDropped = 0
    /// Entries refused by entry mode or journey state.
    private(set) var blocked = 0

    init(journeys: [SimulatedJourney]) {
        self.journeys = journeys
        entries = Array(repeating: [:], count: journeys.count)
    }

    /// Journeys bound to an event definition key (up to 10 may share one).
    func journeys(forEventDefinitionKey key: String) -> [Int] {
        journeys.indices.filter { journeys[$0].eventDefinitionKey == key }
    }

    func journey(destination: String, key: String) -> Int? {
        journeys.firstIndex { $0.destination == destination && $0.key == key }
    }

    /// Data fields the journey's entry schema does not have.
    func unknownFields(_ fields: some Sequence<String>, journey: Int) -> [String] {
        guard let allowed = journeys[journey].fields else { return [] }
        return fields.filter { !allowed.contains($0) }.sorted()
    }

    /// Schedules one accepted contact's entry.
    mutating func accept(contactKey: String, journey: Int, dueAt: Int64, dropped: Bool) {
        sequence += 1
        pending.insert(Pending(dueAt: dueAt, sequence: sequence, journey: journey, contactKey: contactKey, dropped: dropped))
    }

    /// Records an entry at once (Bulk ingest: a successful row is the truth).
    mutating func enterNow(contactKey: String, journey: Int) {
        entries[journey][contactKey, default: 0] += 1
    }

    /// Processes every entry due by `now`.
    mutating func advance(to now: Int64) {
        while let next = pending.min, next.dueAt <= now {
            _ = pending.popMin()
            if next.dropped {
                silentlyDropped += 1
                continue
            }
            let journey = journeys[next.journey]
            let times = entries[next.journey][next.contactKey, default: 0]
            let allowed: Bool
            switch journey.entryMode {
            case .multipleEntries: allowed = true
            case .onceAndDone, .singleEntryAcrossAllVersions: allowed = times == 0
            }
            guard journey.state == .running, allowed else {
                blocked += 1
                continue
            }
            entries[next.journey][next.contactKey] = times + 1
        }
    }

    /// Journeys (by index) the contact is in now.
    func memberships(of contactKey: String) -> [Int] {
        entries.indices.filter { entries[$0][contactKey] != nil }
    }
}
