/// What a recovery pass did with leases that ran out.
public struct RecoverySummary: Sendable, Equatable {
    /// Contacts claimed but never sent: back to `queued`.
    public var requeued: Int
    /// Contacts whose attempt was written ahead but never answered: now `unknown`.
    public var madeUnknown: Int
    public var batches: Int

    public init(requeued: Int = 0, madeUnknown: Int = 0, batches: Int = 0) {
        self.requeued = requeued
        self.madeUnknown = madeUnknown
        self.batches = batches
    }
}
