import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) throws {
        let held: Bool = try pool.write { db in
            let now = clock.nowMillis()
            if let result { try Self.recordResult(db, result) }
            do {
                _ = try Self.checkLease(db, lease, now: now)
            } catch StoreError.leaseLost {
                return false
            }
            let update = try db.cachedStatement(sql: Self.settleSQL)
            for settlement in outcomes {
                update.setUncheckedArguments(Self.arguments(settlement, now: now, batchID: lease.batchID))
                try update.execute()
            }
            try db.execute(sql: "UPDATE batch SET state = 1, closed_at = ?, remote_id = COALESCE(?, remote_id) WHERE id = ?",
                           arguments: [now, result?.remoteID, lease.batchID])
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// One statement for every outcome, guarded by the batch so that a stale holder changes nothing.
    static let settleSQL = """
        UPDATE contact SET state = ?, available_at = COALESCE(?, available_at),
            event_instance_id = COALESCE(?, event_instance_id), last_error = ?, dead_reason = ?,
            attempts = attempts - ?, updated_at = ?
        WHERE id = ? AND batch_id = ? AND state IN (1, 2)
        """

    static func arguments(_ settlement: Settlement, now: Int64, batchID: Int64) -> StatementArguments {
        var availableAt: Int64?
        var eventInstanceID: String?
        var lastError: String?
        var deadReason: String?
        var refund = 0
        switch settlement.outcome {
        case let .accepted(id, verifyAfter):
            eventInstanceID = id
            availableAt = verifyAfter
        case let .retry(at, error, refundAttempt):
            availableAt = at
            lastError = error
            refund = refundAttempt ? 1 : 0
        case let .unknown(error, verifyAfter):
            availableAt = verifyAfter
            lastError = error
        case let .dead(reason):
            deadReason = reason
            lastError = reason
        case .confirmed, .unverifiable:
            break
        }
        return [settlement.outcome.state.rawValue, availableAt, eventInstanceID, lastError, deadReason, refund, now,
                settlement.contactID, batchID]
    }

    static func recordResult(_ db: Database, _ result: AttemptResult) throws {
        let headers = result.headers.isEmpty ? nil : JSONText.object(result.headers.sorted { $0.key < $1.key }.map { Field($0.key, .string($0.value)) })
        try db.execute(sql: """
            UPDATE attempt SET status = ?, response_headers = ?, response_body = ?, remote_id = ?, latency_ms = ?,
                error_class = ?, finished_at = ?
            WHERE id = ?
            """, arguments: [result.status, headers, result.responseBody, result.remoteID, result.latencyMillis,
                             result.errorClass, result.finishedAt, result.attemptID])
    }
}
