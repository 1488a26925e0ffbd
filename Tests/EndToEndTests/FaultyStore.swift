import Foundation
import GRDB
import JourneyQueue
import JourneyQueueSQLite

/// A real store that fails on demand, the way SQLite does under load or on a full or read-only disk.
final class FaultyStore: QueueStore, @unchecked Sendable {
    let inner: SQLiteQueueStore
    private let lock = NSLock()
    private var decide: @Sendable (String) -> (any Error)? = { _ in nil }
    private(set) var injected = 0
    private var onClaim: (@Sendable (ClaimedBatch) async throws -> Void)?

    init(_ inner: SQLiteQueueStore) { self.inner = inner }

    /// From now on, `decide(operation)` names the fault (or nil) for each call.
    func failing(_ decide: @escaping @Sendable (String) -> (any Error)?) { lock.withLock { self.decide = decide } }

    /// From now on, `hook` runs after each batch is claimed, before the claimer gets it: what happens between a claim and
    /// its request (an erasure, an operator's action).
    func afterClaim(_ hook: @escaping @Sendable (ClaimedBatch) async throws -> Void) { lock.withLock { onClaim = hook } }

    private func gate(_ operation: String) throws {
        let fault = lock.withLock { () -> (any Error)? in
            let fault = decide(operation)
            if fault != nil { injected += 1 }
            return fault
        }
        if let fault { throw fault }
    }

    static let busy = DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")
    static let full = DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")
    static let readOnly = DatabaseError(resultCode: .SQLITE_READONLY, message: "attempt to write a readonly database")

    func ensureDestination(name: String, kind: String?, settleMillis: Int64?) async throws -> Int64 {
        try await inner.ensureDestination(name: name, kind: kind, settleMillis: settleMillis)
    }
    func enqueue<Records: AsyncSequence>(destination: String, idempotency: IdempotencyRecord?, records: Records) async throws
        -> EnqueueSummary where Records.Element == ContactRecord
    {
        try await inner.enqueue(destination: destination, idempotency: idempotency, records: records)
    }
    func idempotentResponse(destination: String, key: String) async throws -> String? {
        try await inner.idempotentResponse(destination: destination, key: key)
    }
    func claim(destination: String, limit: Int, leaseMillis: Int64) async throws -> ClaimedBatch? {
        try gate("claim")
        let batch = try await inner.claim(destination: destination, limit: limit, leaseMillis: leaseMillis)
        if let batch, let hook = lock.withLock({ onClaim }) { try await hook(batch) }
        return batch
    }
    func prepareBatch(
        _ lease: Lease, priorMembers: [(contactID: Int64, membership: PriorMembership)], released: [Settlement], releaseCountsAsLook: Bool,
        looks: [RecordedAttempt]
    ) async throws {
        try gate("prepareBatch")
        try await inner.prepareBatch(
            lease, priorMembers: priorMembers, released: released, releaseCountsAsLook: releaseCountsAsLook, looks: looks)
    }
    func renewLease(_ lease: Lease, leaseMillis: Int64) async throws -> Lease {
        try gate("renewLease"); return try await inner.renewLease(lease, leaseMillis: leaseMillis)
    }
    func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) async throws {
        try gate("settle"); try await inner.settle(lease, result: result, outcomes: outcomes)
    }
    func recoverExpiredLeases() async throws -> RecoverySummary {
        try gate("recoverExpiredLeases"); return try await inner.recoverExpiredLeases()
    }
    func counts() async throws -> [DestinationCounts] { try await inner.counts() }
    func setPause(destination: String, paused: Bool, until: Int64?, reason: String?) async throws {
        try await inner.setPause(destination: destination, paused: paused, until: until, reason: reason)
    }
    func reportHealth(destination: String, pause: DestinationPause?) async throws {
        try gate("reportHealth"); try await inner.reportHealth(destination: destination, pause: pause)
    }
    func reportLookHealth(destination: String, pause: DestinationPause?) async throws {
        try gate("reportLookHealth"); try await inner.reportLookHealth(destination: destination, pause: pause)
    }
    func pendingWork(destination: String) async throws -> PendingWork {
        try gate("pendingWork"); return try await inner.pendingWork(destination: destination)
    }
    func lookFill(destination: String, count: Int) async throws -> LookFill? {
        try gate("lookFill"); return try await inner.lookFill(destination: destination, count: count)
    }
    func claimVerification(destination: String, limit: Int, leaseMillis: Int64) async throws -> VerificationBatch? {
        try gate("claimVerification");
        return try await inner.claimVerification(destination: destination, limit: limit, leaseMillis: leaseMillis)
    }
    func settleVerification(_ lease: Lease, outcomes: [Settlement], looks: [RecordedAttempt]) async throws {
        try gate("settleVerification"); try await inner.settleVerification(lease, outcomes: outcomes, looks: looks)
    }
    func recordAttempts(_ looks: [RecordedAttempt]) async throws {
        try gate("recordAttempt"); try await inner.recordAttempts(looks)
    }
    func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) async throws -> Int64 {
        try gate("beginAttempt"); return try await inner.beginAttempt(lease, attempt)
    }
    func finishAttempt(_ result: AttemptResult) async throws { try gate("finishAttempt"); try await inner.finishAttempt(result) }
    func release(_ lease: Lease, _ contacts: [ClaimedContact], reason: String) async throws {
        try gate("release"); try await inner.release(lease, contacts, reason: reason)
    }
    func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws {
        try gate("attachRemoteID"); try await inner.attachRemoteID(lease, remoteID)
    }
    func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64 {
        try gate("recordAttempt"); return try await inner.recordAttempt(destination: destination, batchID: batchID, attempt, result)
    }
}
