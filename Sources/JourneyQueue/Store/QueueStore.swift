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

/// Contacts per state at one destination (from counters, never a scan), and whether it is paused.
public struct DestinationCounts: Sendable, Equatable {
    public var name: String
    public var kind: String?
    public var counts: [ContactState: Int]
    /// An operator's pause, if any.
    public var pause: DestinationPause?
    /// What a worker last reported: unavailable (circuit open) or its journey not taking entries.
    public var health: DestinationPause?
    /// When the longest-waiting queued contact became ready (epoch ms), if any.
    public var oldestQueuedAt: Int64?

    public init(name: String, kind: String?, counts: [ContactState: Int], pause: DestinationPause? = nil, health: DestinationPause? = nil) {
        self.name = name
        self.kind = kind
        self.counts = counts
        self.pause = pause
        self.health = health
    }

    /// Contacts not yet in a final state.
    public var live: Int { counts.filter { !$0.key.isFinal }.values.reduce(0, +) }
    public var total: Int { counts.values.reduce(0, +) }
}

/// The durable queue, as the worker, the CLI and the reports see it. Every method is one transaction.
public protocol QueueStore: AttemptLedger {
    /// Registers a destination (or updates its kind and settle time, when given) and returns its id. The settle time
    /// is kept so that lease recovery, in any process, never makes an abandoned contact lookable sooner.
    @discardableResult
    func ensureDestination(name: String, kind: String?, settleMillis: Int64?) throws -> Int64

    /// Enqueues what `produce` adds, all or nothing: if `produce` throws, nothing is written.
    func enqueue(destination: String, _ produce: (inout any EnqueueSink) throws -> Void) throws -> EnqueueSummary

    /// Like `enqueue`, and records `idempotency.response(summary)` under its key in the same transaction. Throws
    /// `StoreError.duplicateIdempotencyKey` (and writes nothing) when the key was used meanwhile.
    func enqueue(destination: String, idempotency: IdempotencyRecord, _ produce: (inout any EnqueueSink) throws -> Void) throws -> EnqueueSummary

    /// The response recorded for an ingest request's `Idempotency-Key`, if any.
    func idempotentResponse(destination: String, key: String) throws -> String?

    /// Claims up to `limit` ready contacts of one destination under a new lease of `leaseMillis`; nil when none is ready.
    func claim(destination: String, limit: Int, leaseMillis: Int64) throws -> ClaimedBatch?

    /// Before the first request of a batch: records what the look before the first send found (`priorMembers`), and
    /// hands back contacts that will not be sent with this batch (`released`: a failed look before the first send; it
    /// counts as a look unless it was throttled), without closing the batch. Guarded by the lease.
    func prepareBatch(_ lease: Lease, priorMembers: [(contactID: Int64, membership: PriorMembership)], released: [Settlement],
                      releaseCountsAsLook: Bool) throws

    /// Extends a lease; throws `StoreError.leaseLost` when it is no longer held.
    func renewLease(_ lease: Lease, leaseMillis: Int64) throws -> Lease

    /// Records the answer (always, even for a lost lease) and applies the outcomes if the lease still holds;
    /// closes the batch. Throws `StoreError.leaseLost` when the outcomes were refused.
    func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) throws

    /// Voids leases that ran out: claimed contacts go back to `queued`, sending ones become `unknown`, lookable only
    /// after the destination's settle time from now (the abandoned request may still be entering them).
    func recoverExpiredLeases() throws -> RecoverySummary

    /// Contacts per state for every destination, with its pauses; from counters kept in the same transactions.
    func counts() throws -> [DestinationCounts]

    /// An operator pauses a destination until `until` (nil: until resumed), or resumes it (`pause` false). Every
    /// worker obeys it, and every restart.
    func setPause(destination: String, paused: Bool, until: Int64?, reason: String?) throws

    /// A worker reports the destination's health: held back until `until` for `reason` since `since`, or well (nil).
    func reportHealth(destination: String, pause: DestinationPause?) throws

    /// What is left to do at `destination`.
    func pendingWork(destination: String) throws -> PendingWork

    /// Leases up to `limit` `accepted` or `unknown` contacts whose settle time has passed, for a reconciliation look.
    func claimVerification(destination: String, limit: Int, leaseMillis: Int64) throws -> VerificationBatch?

    /// Applies reconciliation verdicts (confirmed, queued again, dead, recheck); guarded by the lease.
    func settleVerification(_ lease: Lease, outcomes: [Settlement]) throws
}

/// An ingest request's idempotency key and the response to record with it.
public struct IdempotencyRecord {
    public var key: String
    public var response: (EnqueueSummary) -> String

    public init(key: String, response: @escaping (EnqueueSummary) -> String) {
        self.key = key
        self.response = response
    }
}

/// A destination held back: until when, why, and since when.
public struct DestinationPause: Sendable, Equatable, Codable {
    /// No request before this (epoch ms); `Int64.max` until resumed.
    public var until: Int64
    public var reason: String
    public var since: Int64?

    public init(until: Int64, reason: String, since: Int64? = nil) {
        self.until = until
        self.reason = reason
        self.since = since
    }

    /// Whether it still holds at `now`.
    public func holds(at now: Int64) -> Bool { until > now }
}

/// What is left to do at one destination; cheap to ask (index lookups only).
public struct PendingWork: Sendable, Equatable {
    /// Contacts `queued` (ready now or backing off).
    public var queued: Bool
    /// Open batches: contacts `claimed` or `sending`.
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

/// The ledger side of the store, as destinations see it: every request is written before it leaves.
public protocol AttemptLedger: Sendable {
    /// Write-ahead for a batch request: ledger row, contacts to `sending`. Guarded by the lease.
    func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) throws -> Int64
    /// Records an answer that settles nothing by itself (a 401 before the retry, a poll).
    func finishAttempt(_ result: AttemptResult) throws
    /// Ties the remote's id (a Bulk job id) to the batch and its contacts before the data goes out, so that a
    /// worker killed mid-job leaves a job to look at rather than a blank. Guarded by the lease.
    func attachRemoteID(_ lease: Lease, _ remoteID: String) throws

    /// Hands contacts of a claimed batch back to the queue before any request carried them (they do not fit this
    /// request: an upload's size bound), at no attempt's cost. Guarded by the lease.
    func release(_ lease: Lease, _ contacts: [ClaimedContact], reason: String) throws

    /// Records a whole request not tied to a batch (token, reconciliation look).
    @discardableResult
    func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) throws -> Int64
}
