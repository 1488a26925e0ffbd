import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) async throws {
        let answer = result.map { ($0, storedResponse($0)) }
        let held: Bool = try await writes.write { [self] db in
            let now = clock.nowMillis()
            if let (result, body) = answer { try Self.recordResult(db, result, body: body) }
            do {
                _ = try Self.checkLease(db, lease, now: now)
            } catch StoreError.leaseLost {
                return false
            }
            if !outcomes.isEmpty {
                try db.cachedStatement(sql: Self.settleSQL).execute(arguments: [Settlement.rowsJSON(outcomes), now, lease.batchID, result?.remoteID])
            }
            try db.cachedStatement(sql: "UPDATE batch SET state = \(SQLState.batchSettled), closed_at = ?, remote_id = COALESCE(?, remote_id) WHERE id = ?")
                .execute(arguments: [now, result?.remoteID, lease.batchID])
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// One statement for a whole batch: the outcomes arrive as a JSON array of `[id, state, available_at,
    /// event_instance_id, last_error, dead_reason, refund, looks, ambiguous, possible_duplicate]` (see `Settlement.rowsJSON`),
    /// and the guard (`batch_id`, live state) makes a stale holder's write change nothing. The `+` keeps the
    /// planner on the primary key (one lookup per outcome) instead of the batch index. Pinned by a test.
    static let settleSQL = """
        UPDATE contact SET state = COALESCE(s.value ->> 1, state), available_at = COALESCE(s.value ->> 2, available_at),
            event_instance_id = COALESCE(s.value ->> 3, event_instance_id), last_error = s.value ->> 4,
            dead_reason = s.value ->> 5, attempts = attempts - (s.value ->> 6), looks = looks + (s.value ->> 7),
            ambiguous = COALESCE(s.value ->> 8, ambiguous), possible_duplicates = possible_duplicates + (s.value ->> 9),
            updated_at = ?2, request_id = COALESCE(?4, request_id)
        FROM json_each(?1) AS s
        WHERE contact.id = s.value ->> 0 AND +contact.batch_id = ?3 AND +contact.state IN (\(SQLState.claimed), \(SQLState.sending))
        """

    static func recordResult(_ db: Database, _ result: AttemptResult, body: LedgerCompression.Stored) throws {
        let headers = result.headersJSON
        try db.cachedStatement(sql: """
            UPDATE attempt SET status = ?, response_headers = ?, response_body = ?, response_zip = ?, response_size = ?, remote_id = ?,
                latency_ms = ?, error_class = ?, finished_at = ?
            WHERE id = ?
            """).execute(arguments: [result.status, headers, body.text, body.zip, body.size, result.remoteID, result.latencyMillis,
                             result.errorClass, result.finishedAt, result.attemptID])
    }
}
