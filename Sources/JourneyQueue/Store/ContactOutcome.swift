/// What happened to one contact of a batch, as the worker decided it from the remote's answer.
public enum ContactOutcome: Sendable, Equatable {
    /// The remote took the contact; reconciliation looks for it after `verifyAfter`.
    case accepted(eventInstanceID: String?, verifyAfter: Int64)
    /// The remote provably did not take it; try again at `at`. `refundAttempt` for answers that must not burn an
    /// attempt (429, a destination that is down). `possibleDuplicate` when it is sent again without a look after an
    /// ambiguous outcome (a destination that cannot be asked, set to retry): counted durably.
    case retry(at: Int64, error: String, refundAttempt: Bool, possibleDuplicate: Bool = false)
    /// The request may or may not have been taken: never re-sent before reconciliation looks, not before `verifyAfter`.
    /// `refundAttempt` when the destination, not the contact, failed (503 with Retry-After).
    case unknown(error: String, verifyAfter: Int64, refundAttempt: Bool = false)
    /// Given up, with the reason kept. `ambiguous` when nobody knows whether the last request took it
    /// (a redrive then looks before it sends).
    case dead(reason: String, ambiguous: Bool = false)
    /// Seen at the destination, with evidence tied to this run's request.
    case confirmed
    /// Taken by a destination that offers no way to look, or undecidable by every look allowed; never re-sent.
    case unverifiable(reason: String? = nil)
    /// Reconciliation could not tell yet (still being processed, or the look failed): look again at `at`.
    /// `counted` looks use up the destination's `verifyAttempts`; a throttled look does not.
    case recheck(at: Int64, note: String, counted: Bool = true)
    /// Claimed outside the destination's send window: back to the queue untried until `until` (the window's next
    /// opening in the contact's zone, or its `notAfter` if sooner), the claim's attempt given back.
    case waitForWindow(until: Int64, note: String)
    /// Its `notAfter` passed before it was sent: never sent.
    case expired(reason: String)

    /// The state this outcome moves the contact to; nil when it keeps its state.
    public var state: ContactState? {
        switch self {
        case .accepted: .accepted
        case .retry: .queued
        case .unknown: .unknown
        case .dead: .dead
        case .confirmed: .confirmed
        case .unverifiable: .unverifiable
        case .recheck: nil
        case .waitForWindow: .queued
        case .expired: .expired
        }
    }

    /// Whether the contact's last request may have been taken without anyone knowing: nil keeps what the store has.
    public var ambiguity: Bool? {
        switch self {
        case .unknown: true
        case .dead(_, let ambiguous): ambiguous
        case .recheck: nil
        default: false
        }
    }
}

/// One contact's outcome within a settle.
public struct Settlement: Sendable, Equatable {
    public var contactID: Int64
    public var outcome: ContactOutcome
    /// What decided it beyond membership (the journey-history rows, or the window in which the history held no entry),
    /// kept on the contact's record until a later finding replaces it; nil keeps the record's.
    public var evidence: String?
    /// The journey history proved that the last request entered nobody (the contact goes out again; counted).
    public var provenAbsent: Bool

    public init(contactID: Int64, outcome: ContactOutcome, evidence: String? = nil, provenAbsent: Bool = false) {
        self.contactID = contactID
        self.outcome = outcome
        self.evidence = evidence
        self.provenAbsent = provenAbsent
    }
}
