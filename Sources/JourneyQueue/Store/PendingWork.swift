/// What is left to do at one destination; cheap to ask (index lookups only).
public struct PendingWork: Sendable, Equatable {
    /// Contacts `queued` (ready now or backing off).
    public var queued: Bool
    /// Contacts `claimed` or `sending`: a submission's batch in hand. A look's open batch does not count (its contacts
    /// are `accepted` or `unknown`): looks that wait for submissions to drain must not wait for each other.
    public var leased: Bool
    /// Contacts `accepted` or `unknown`, waiting for reconciliation.
    public var awaitingVerification: Bool
    /// Earliest `available_at` of a queued contact, if any.
    public var nextReadyAt: Int64?
    /// Earliest time a contact awaiting verification may be looked for.
    public var nextVerifyAt: Int64?

    public init(queued: Bool, leased: Bool, awaitingVerification: Bool, nextReadyAt: Int64?, nextVerifyAt: Int64? = nil) {
        self.queued = queued
        self.leased = leased
        self.awaitingVerification = awaitingVerification
        self.nextReadyAt = nextReadyAt
        self.nextVerifyAt = nextVerifyAt
    }

    /// Nothing queued, claimed or sending.
    public var submissionDrained: Bool { !queued && !leased }
    /// Every contact is confirmed, unverifiable or dead.
    public var fullyDrained: Bool { submissionDrained && !awaitingVerification }
}
