import Foundation

/// A look recorded whole after its answer, waiting to reach the ledger with the verdict it led to.
public struct RecordedAttempt: Sendable, Equatable {
    public var destination: String
    public var batchID: Int64?
    public var attempt: AttemptStart
    public var result: AttemptResult

    public init(destination: String, batchID: Int64?, attempt: AttemptStart, result: AttemptResult) {
        self.destination = destination
        self.batchID = batchID
        self.attempt = attempt
        self.result = result
    }
}

/// The ledger a destination gets for one batch's looks: looks are kept and written by the transaction that applies
/// what they found (`prepareBatch`, `settleVerification`), one write for all of them instead of one a look. Every other
/// request (a submission's write-ahead, a token) goes straight to the store.
///
/// A look whose process dies before that transaction is not in the ledger; nor is its verdict, so it is made again.
public final class LookLedger: AttemptLedger, @unchecked Sendable {
    private let store: any QueueStore
    private let lock = NSLock()
    private var kept: [RecordedAttempt] = []

    public init(store: any QueueStore) {
        self.store = store
    }

    /// Runs `look` (which records through this ledger); if it throws, the looks it made reach the store on their own
    /// before the error goes on: a request that led to no verdict is still on record.
    public func looking<T>(_ look: () async throws -> T) async throws -> T {
        do {
            return try await look()
        } catch {
            try? await store.recordAttempts(take())
            throw error
        }
    }

    /// The looks kept so far, handed over once.
    public func take() -> [RecordedAttempt] {
        lock.withLock {
            defer { kept.removeAll() }
            return kept
        }
    }

    public func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64
    {
        guard attempt.purpose == .reconcile else {
            return try await store.recordAttempt(destination: destination, batchID: batchID, attempt, result)
        }
        lock.withLock { kept.append(RecordedAttempt(destination: destination, batchID: batchID, attempt: attempt, result: result)) }
        return 0
    }

    public func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) async throws -> Int64 { try await store.beginAttempt(lease, attempt) }
    public func finishAttempt(_ result: AttemptResult) async throws { try await store.finishAttempt(result) }
    public func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws { try await store.attachRemoteID(lease, remoteID) }
    public func release(_ lease: Lease, _ contacts: [ClaimedContact], reason: String) async throws {
        try await store.release(lease, contacts, reason: reason)
    }
}
