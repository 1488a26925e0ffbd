/// Contacts per state at one destination (from counters, never a scan), and whether it is paused.
public struct DestinationCounts: Sendable, Equatable {
    public var name: String
    public var kind: String?
    public var counts: [ContactState: Int]
    /// An operator's pause, if any.
    public var pause: DestinationPause?
    /// What a worker last reported: unavailable (circuit open) or its journey not taking entries.
    public var health: DestinationPause?
    /// What a worker last reported of the look endpoints: looks paused (their circuit open), submissions going on.
    public var looks: DestinationPause?
    /// When the longest-waiting queued contact became ready (epoch ms), if any.
    public var oldestQueuedAt: Int64?
    /// Requests made, by what they were for (from counters the ledger keeps).
    public var calls: [CallPurpose: Int] = [:]
    /// Queued contacts held back by the send window (from its own index, not the counters).
    public var waitingForWindow = 0
    /// When the first of them may be sent (epoch ms): the window's next opening for someone.
    public var nextWindowOpening: Int64?

    /// Requests per 100 contacts, by what they were for and in all (`"all"`); nil without contacts.
    public var callsPer100Contacts: [String: Double]? { CallRates.per100(calls, contacts: total) }

    public init(
        name: String, kind: String?, counts: [ContactState: Int], pause: DestinationPause? = nil, health: DestinationPause? = nil,
        looks: DestinationPause? = nil
    ) {
        self.name = name
        self.kind = kind
        self.counts = counts
        self.pause = pause
        self.health = health
        self.looks = looks
    }

    /// Contacts not yet in a final state.
    public var live: Int { counts.filter { !$0.key.isFinal }.values.reduce(0, +) }
    /// Contacts in a final state (confirmed, unverifiable, dead, expired).
    public var settled: Int { total - live }
    /// Contacts in `states`, together.
    public func count(_ states: ContactState...) -> Int { states.map { counts[$0] ?? 0 }.reduce(0, +) }
    public var total: Int { counts.values.reduce(0, +) }
}
