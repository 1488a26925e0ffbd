/// What happened to one contact of a batch, as the worker decided it from the remote's answer.
public enum ContactOutcome: Sendable, Equatable {
    /// The remote took the contact; reconciliation looks for it after `verifyAfter`.
    case accepted(eventInstanceID: String?, verifyAfter: Int64)
    /// The remote provably did not take it; try again at `at`. `refundAttempt` for answers that
    /// must not burn an attempt (429).
    case retry(at: Int64, error: String, refundAttempt: Bool)
    /// The request may or may not have been taken: never re-sent before reconciliation looks.
    case unknown(error: String, verifyAfter: Int64)
    /// Given up, with the reason kept.
    case dead(reason: String)
    /// Seen at the destination.
    case confirmed
    /// Accepted by a destination that offers no way to look.
    case unverifiable
    /// Reconciliation could not tell yet (still being processed, or the look failed): look again at `at`.
    case recheck(at: Int64, note: String)

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
        }
    }
}

/// One contact's outcome within a settle.
public struct Settlement: Sendable, Equatable {
    public var contactID: Int64
    public var outcome: ContactOutcome

    public init(contactID: Int64, outcome: ContactOutcome) {
        self.contactID = contactID
        self.outcome = outcome
    }
}
