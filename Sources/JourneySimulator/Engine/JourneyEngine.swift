import HeapModule

/// The journeys behind the sandbox's endpoints: an accepted contact enters asynchronously, after a
/// delay, and only if its journey runs and its entry mode lets it in; some never enter at all; contacts may
/// leave again after a while; some were members before the sandbox started.
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
    /// Entries per journey made while the sandbox runs: contact key → times entered (the truth).
    private(set) var entries: [[String: Int]]
    /// When each contact's latest instance leaves the journey (`Int64.max`: it stays).
    private var leavesAt: [[String: Int64]]
    /// Members of every Marketing Cloud journey before the sandbox started (an earlier run, another producer).
    let priorMembers: Set<String>
    /// Whether contactMembership lists contacts whose instances have all left ([UNKNOWN] in the spec).
    let membershipListsExited: Bool
    private var pending = Heap<Pending>()
    private var sequence = 0
    /// Contacts accepted but silently never entered, per journey (for stats).
    private(set) var silentlyDropped = 0
    /// Entries refused by entry mode or journey state.
    private(set) var blocked = 0

    init(journeys: [SimulatedJourney], priorMembers: Set<String> = [], membershipListsExited: Bool = false) {
        self.journeys = journeys
        entries = Array(repeating: [:], count: journeys.count)
        leavesAt = Array(repeating: [:], count: journeys.count)
        self.priorMembers = priorMembers
        self.membershipListsExited = membershipListsExited
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

    /// Whether the journey's entries are checked against Marketing Cloud's membership rules (prior members included).
    private func isSFMC(_ journey: Int) -> Bool { journeys[journey].eventDefinitionKey != nil }

    /// A member now: in before the sandbox started, or an instance that has not left.
    private func isMember(_ key: String, journey: Int, now: Int64) -> Bool {
        (isSFMC(journey) && priorMembers.contains(key)) || (leavesAt[journey][key].map { $0 > now } ?? false)
    }

    /// Processes every entry due by `now`; `stay` draws how long a new instance stays (nil: for ever).
    mutating func advance(to now: Int64, stay: () -> Int64?) {
        while let next = pending.min, next.dueAt <= now {
            _ = pending.popMin()
            if next.dropped {
                silentlyDropped += 1
                continue
            }
            let journey = journeys[next.journey]
            let everIn = entries[next.journey][next.contactKey] != nil || (isSFMC(next.journey) && priorMembers.contains(next.contactKey))
            let allowed: Bool
            switch journey.entryMode {
            case .multipleEntries: allowed = true
            case .onceAndDone: allowed = !everIn
            case .singleEntryAcrossAllVersions: allowed = !isMember(next.contactKey, journey: next.journey, now: next.dueAt)
            }
            guard journey.state == .running, allowed else {
                blocked += 1
                continue
            }
            entries[next.journey][next.contactKey, default: 0] += 1
            let leaves = stay().map { next.dueAt + $0 } ?? .max
            leavesAt[next.journey][next.contactKey] = max(leavesAt[next.journey][next.contactKey] ?? 0, leaves)
        }
    }

    /// Journeys (by index) that contactMembership reports the contact in now.
    func memberships(of contactKey: String, now: Int64) -> [Int] {
        journeys.indices.filter { journey in
            isMember(contactKey, journey: journey, now: now) || (membershipListsExited && entries[journey][contactKey] != nil)
        }
    }

    /// Changes a journey's operating state (the sandbox's control endpoint).
    mutating func setState(_ state: JourneyState, journey: Int) {
        journeys[journey].state = state
    }
}
