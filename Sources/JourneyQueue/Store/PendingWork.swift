/// What is left to do at one destination; cheap to ask (index lookups only).
public struct PendingWork: Sendable, Equatable {
    /// Contacts `queued` (ready now or backing off).
    public var queued: Bool
    /// Open batches: a submission's or a look's, in a worker's hands.
    public var leased: Bool
    /// Contacts `claimed` or `sending`: a submission in hand. A look's open batch holds `accepted` and `unknown` ones.
    public var sending: Bool
    /// Contacts `accepted` or `unknown`, waiting for reconciliation.
    public var awaitingVerification: Bool
    /// Earliest `available_at` of a queued contact, if any.
    public var nextReadyAt: Int64?
    /// Earliest time a contact awaiting verification may be looked for; one a live look holds, from that hold's end (its
    /// look may be lost). May be early, never late.
    public var nextVerifyAt: Int64?

    /// `sending` defaults to `leased` (an open batch may be a submission's).
    public init(
        queued: Bool, leased: Bool, awaitingVerification: Bool, nextReadyAt: Int64?, nextVerifyAt: Int64? = nil, sending: Bool? = nil
    ) {
        self.queued = queued
        self.leased = leased
        self.sending = sending ?? leased
        self.awaitingVerification = awaitingVerification
        self.nextReadyAt = nextReadyAt
        self.nextVerifyAt = nextVerifyAt
    }

    /// Nothing queued, and no batch in hand.
    public var submissionDrained: Bool { !queued && !leased }
    /// Nothing queued, claimed or sending: looks in flight do not count. Looks that wait for submissions to end wait
    /// for this, not for each other.
    public var nothingToSend: Bool { !queued && !sending }
    /// Every contact is confirmed, unverifiable or dead.
    public var fullyDrained: Bool { submissionDrained && !awaitingVerification }
}
