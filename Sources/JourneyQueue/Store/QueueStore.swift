/// The durable queue, as the worker, the CLI and the reports see it. Every method is one transaction.
public protocol QueueStore: AttemptLedger {
    /// Registers a destination (or updates its kind and settle time, when given) and returns its id. The settle time
    /// is kept so that lease recovery, in any process, never makes an abandoned contact lookable sooner: the daemon gives
    /// the whole wait after an ambiguous request (`OutcomePolicy.ambiguousLookDelayMillis`: late arrival and settle).
    @discardableResult
    func ensureDestination(name: String, kind: String?, settleMillis: Int64?) async throws -> Int64

    /// Enqueues every record of `records` in one transaction, all or nothing: if the sequence throws, nothing is
    /// written. With `idempotency`, records `idempotency.response(summary)` under its key in the same transaction, and
    /// throws `StoreError.duplicateIdempotencyKey` (writing nothing) when the key was used meanwhile.
    func enqueue<Records: AsyncSequence>(destination: String, idempotency: IdempotencyRecord?, records: Records) async throws
        -> EnqueueSummary where Records.Element == ContactRecord

    /// The response recorded for an ingest request's `Idempotency-Key`, if any.
    func idempotentResponse(destination: String, key: String) async throws -> String?

    /// Claims up to `limit` ready contacts of one destination under a new lease of `leaseMillis`; nil when none is ready.
    func claim(destination: String, limit: Int, leaseMillis: Int64) async throws -> ClaimedBatch?

    /// Before the first request of a batch: records what the look before the first send found (`priorMembers`), and
    /// hands back contacts that will not be sent with this batch (`released`: a failed look before the first send; it
    /// counts as a look unless it was throttled), without closing the batch. Guarded by the lease; the looks' ledger
    /// rows (`looks`) are written in the same transaction, even when the lease is lost.
    func prepareBatch(
        _ lease: Lease, priorMembers: [(contactID: Int64, membership: PriorMembership)], released: [Settlement],
        releaseCountsAsLook: Bool, looks: [RecordedAttempt]) async throws

    /// Extends a lease; throws `StoreError.leaseLost` when it is no longer held.
    func renewLease(_ lease: Lease, leaseMillis: Int64) async throws -> Lease

    /// Records the answer (always, even for a lost lease) and applies the outcomes if the lease still holds;
    /// closes the batch. Throws `StoreError.leaseLost` when the outcomes were refused.
    func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) async throws

    /// Voids leases that ran out: claimed contacts go back to `queued`, sending ones become `unknown`, lookable only
    /// after the destination's settle time from now (the abandoned request may still be entering them).
    func recoverExpiredLeases() async throws -> RecoverySummary

    /// Contacts per state for every destination, with its pauses; from counters kept in the same transactions.
    func counts() async throws -> [DestinationCounts]

    /// An operator pauses a destination until `until` (nil: until resumed), or resumes it (`pause` false). Every
    /// worker obeys it, and every restart.
    func setPause(destination: String, paused: Bool, until: Int64?, reason: String?) async throws

    /// A worker reports the destination's health: held back until `until` for `reason` since `since`, or well (nil).
    func reportHealth(destination: String, pause: DestinationPause?) async throws

    /// A worker reports the look endpoints' circuit: looks held back until `until` for `reason` since `since`, or well
    /// (nil).
    func reportLookHealth(destination: String, pause: DestinationPause?) async throws

    /// What is left to do at `destination`.
    func pendingWork(destination: String) async throws -> PendingWork

    /// The first `count` contacts waiting for a look (`accepted` or `unknown`, in the order a look claims them): how many
    /// there are and when the last of them comes due; nil when none waits. A reconciler gathering contacts for a full look
    /// stops gathering then.
    func lookFill(destination: String, count: Int) async throws -> LookFill?

    /// Leases up to `limit` `accepted` or `unknown` contacts whose settle time has passed, for a reconciliation look.
    func claimVerification(destination: String, limit: Int, leaseMillis: Int64) async throws -> VerificationBatch?

    /// Applies reconciliation verdicts (confirmed, queued again, dead, recheck); guarded by the lease. The looks' ledger
    /// rows (`looks`) are written in the same transaction, even when the lease is lost.
    func settleVerification(_ lease: Lease, outcomes: [Settlement], looks: [RecordedAttempt]) async throws

    /// Writes looks that led to no verdict (the look failed before anything was decided) in one transaction.
    func recordAttempts(_ looks: [RecordedAttempt]) async throws
}

extension QueueStore {
    /// `prepareBatch` without looks to record.
    public func prepareBatch(
        _ lease: Lease, priorMembers: [(contactID: Int64, membership: PriorMembership)], released: [Settlement],
        releaseCountsAsLook: Bool
    ) async throws {
        try await prepareBatch(lease, priorMembers: priorMembers, released: released, releaseCountsAsLook: releaseCountsAsLook, looks: [])
    }

    /// `settleVerification` without looks to record.
    public func settleVerification(_ lease: Lease, outcomes: [Settlement]) async throws {
        try await settleVerification(lease, outcomes: outcomes, looks: [])
    }

    /// Hands contacts back to the queue untried, ready at once (their attempt refunded), without closing the batch.
    public func release(_ lease: Lease, _ contacts: [ClaimedContact], reason: String) async throws {
        guard !contacts.isEmpty else { return }
        try await prepareBatch(
            lease, priorMembers: [],
            released: contacts.map {
                Settlement(contactID: $0.id, outcome: .retry(at: 0, error: reason, refundAttempt: true))
            }, releaseCountsAsLook: false)
    }
}
