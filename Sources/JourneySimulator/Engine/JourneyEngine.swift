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
        /// When the request that carried it arrived.
        var requestedAt: Int64

        static func < (lhs: Pending, rhs: Pending) -> Bool { (lhs.dueAt, lhs.sequence) < (rhs.dueAt, rhs.sequence) }
    }

    /// One row of Marketing Cloud's journey history (docs/remote-apis.md §6.2): an entry, an entry refused, an activity, an exit.
    struct HistoryRow: Sendable {
        /// When it happened, and when the history's pipelines have it (`--history-lag-ms`).
        var time: Int64
        var visibleAt: Int64
        var contactKey: String
        var journey: Int
        var status: String
        var activityType: String
        var activityName: String
        var message: String
        var instance: Int
    }

    private(set) var journeys: [SimulatedJourney]
    /// Entries per journey made while the sandbox runs: contact key → times entered (the truth).
    private(set) var entries: [[String: Int]]
    /// Each entry's time and the time its request arrived, per journey and contact, in order.
    private(set) var entryTimes: [[String: [(enteredAt: Int64, requestedAt: Int64)]]]
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
    /// The journey history of Marketing Cloud journeys, in the order it was written, and each contact's rows.
    private(set) var history: [HistoryRow] = []
    private(set) var historyByContact: [String: [Int]] = [:]
    private var instances = 0

    init(journeys: [SimulatedJourney], priorMembers: Set<String> = [], membershipListsExited: Bool = false) {
        self.journeys = journeys
        entries = Array(repeating: [:], count: journeys.count)
        entryTimes = Array(repeating: [:], count: journeys.count)
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
    mutating func accept(contactKey: String, journey: Int, dueAt: Int64, dropped: Bool, requestedAt: Int64) {
        sequence += 1
        pending.insert(
            Pending(dueAt: dueAt, sequence: sequence, journey: journey, contactKey: contactKey, dropped: dropped, requestedAt: requestedAt))
    }

    /// Records an entry at once (Bulk ingest: a successful row is the truth).
    mutating func enterNow(contactKey: String, journey: Int, at now: Int64) {
        entries[journey][contactKey, default: 0] += 1
        entryTimes[journey][contactKey, default: []].append((now, now))
    }

    /// Whether the journey's entries are checked against Marketing Cloud's membership rules (prior members included).
    private func isSFMC(_ journey: Int) -> Bool { journeys[journey].eventDefinitionKey != nil }

    /// A member now: in before the sandbox started, or an instance that has not left.
    private func isMember(_ key: String, journey: Int, now: Int64) -> Bool {
        (isSFMC(journey) && priorMembers.contains(key)) || (leavesAt[journey][key].map { $0 > now } ?? false)
    }

    /// Writes a row of the journey history (Marketing Cloud journeys only); `lag` draws how late the history has it.
    private mutating func record(
        _ key: String, journey: Int, at time: Int64, status: String, activity: (type: String, name: String),
        message: String = "", instance: Int, lag: () -> Int64
    ) {
        guard isSFMC(journey) else { return }
        historyByContact[key, default: []].append(history.count)
        history.append(
            HistoryRow(
                time: time, visibleAt: time + lag(), contactKey: key, journey: journey, status: status, activityType: activity.type,
                activityName: activity.name, message: message, instance: instance))
    }

    /// The history of members from before the sandbox started: their entry an hour earlier, and an activity of that
    /// earlier instance shortly after the start (rows after a request that are not this request's entry).
    mutating func recordPriorMembers(startedAt: Int64, lag: () -> Int64) {
        for key in priorMembers.sorted() {
            for journey in journeys.indices where isSFMC(journey) {
                instances += 1
                record(
                    key, journey: journey, at: startedAt - 3_600_000, status: "Complete", activity: ("trigger", "API Event"),
                    instance: instances, lag: lag)
                record(
                    key, journey: journey, at: startedAt + 2_000, status: "Complete", activity: ("waitactivity", "Wait 1 day"),
                    instance: instances, lag: lag)
            }
        }
    }

    /// Processes every entry due by `now`; `stay` draws how long a new instance stays (nil: for ever), `lag` how late the
    /// journey history has each row.
    mutating func advance(to now: Int64, stay: () -> Int64?, lag: () -> Int64) {
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
                let why =
                    journey.state != .running
                    ? "Journey is not running (\(journey.state.rawValue)); the contact was not injected"
                    : "Contact already entered this journey; re-entry is not allowed (\(journey.entryMode.rawValue))"
                record(
                    next.contactKey, journey: next.journey, at: next.dueAt, status: "Failed", activity: ("trigger", "API Event"),
                    message: why,
                    instance: 0, lag: lag)
                continue
            }
            entries[next.journey][next.contactKey, default: 0] += 1
            entryTimes[next.journey][next.contactKey, default: []].append((next.dueAt, next.requestedAt))
            instances += 1
            record(
                next.contactKey, journey: next.journey, at: next.dueAt, status: "Complete", activity: ("trigger", "API Event"),
                instance: instances, lag: lag)
            record(
                next.contactKey, journey: next.journey, at: next.dueAt + 1_000, status: "Complete", activity: ("emailv2", "Welcome email"),
                instance: instances, lag: lag)
            let leaves = stay().map { next.dueAt + $0 } ?? .max
            if leaves != .max {
                record(
                    next.contactKey, journey: next.journey, at: leaves, status: "Complete", activity: ("exitcriteriaactivity", "Exit"),
                    instance: instances, lag: lag)
            }
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
