/// Where enqueue writes one contact; `add` returns false when the contact is already live (a duplicate).
public protocol EnqueueSink {
    mutating func add(_ record: ContactRecord) throws -> Bool
}

/// What one enqueue did.
public struct EnqueueSummary: Sendable, Equatable, Codable {
    public var enqueued: Int
    /// Contacts already live for the destination (or twice in the input): not enqueued again.
    public var duplicates: Int
    /// Records rejected by validation (only with `--skip-invalid`).
    public var rejected: Int

    public init(enqueued: Int = 0, duplicates: Int = 0, rejected: Int = 0) {
        self.enqueued = enqueued
        self.duplicates = duplicates
        self.rejected = rejected
    }
}

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

/// Contacts per state at one destination.
public struct DestinationCounts: Sendable, Equatable {
    public var name: String
    public var kind: String?
    public var counts: [ContactState: Int]

    public init(name: String, kind: String?, counts: [ContactState: Int]) {
        self.name = name
        self.kind = kind
        self.counts = counts
    }

    /// Contacts not yet in a final state.
    public var live: Int { counts.filter { !$0.key.isFinal }.values.reduce(0, +) }
    public var total: Int { counts.values.reduce(0, +) }
}

/// The durable queue, as the worker, the CLI and the reports see it. Every method is one transaction.
public protocol QueueStore: Sendable {
    /// Registers a destination (or updates its kind) and returns its id.
    @discardableResult
    func ensureDestination(name: String, kind: String?) throws -> Int64

    /// Enqueues what `produce` adds, all or nothing: if `produce` throws, nothing is written.
    func enqueue(destination: String, _ produce: (inout any EnqueueSink) throws -> Void) throws -> EnqueueSummary

    /// Claims up to `limit` ready contacts of one destination under a new lease of `leaseMillis`; nil when none is ready.
    func claim(destination: String, limit: Int, leaseMillis: Int64) throws -> ClaimedBatch?

    /// Extends a lease; throws `StoreError.leaseLost` when it is no longer held.
    func renewLease(_ lease: Lease, leaseMillis: Int64) throws -> Lease

    /// Writes the attempt to the ledger and moves the batch's contacts to `sending`, before the request leaves.
    func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) throws -> Int64

    /// Records the answer (always, even for a lost lease) and applies the outcomes if the lease still holds;
    /// closes the batch. Throws `StoreError.leaseLost` when the outcomes were refused.
    func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) throws

    /// Voids leases that ran out: claimed contacts go back to `queued`, sending ones become `unknown`.
    func recoverExpiredLeases() throws -> RecoverySummary

    /// Contacts per state for every destination.
    func counts() throws -> [DestinationCounts]
}
