import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) async throws {
        let now = clock.nowMillis()
        let outcomesJSON = Settlement.rowsJSON(outcomes)
        let hasOutcomes = !outcomes.isEmpty
        let held = try await transaction { connection in
            if let result { try await self.recordResult(connection, result) }
            do {
                _ = try await self.checkLease(connection, lease, now: now)
            } catch StoreError.leaseLost {
                return false
            }
            if hasOutcomes {
                try await self.execute(connection, Self.settleSQL, [outcomesJSON, now, lease.batchID, result?.remoteID])
            }
            try await self.execute(connection, """
                UPDATE batch SET state = \(SQLState.batchSettled), closed_at = $1, remote_id = COALESCE($2::text, remote_id) WHERE id = $3
                """, [now, result?.remoteID, lease.batchID])
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// One statement for a whole batch, reading the outcomes from `Settlement.rowsJSON`; the guard (`batch_id`, live
    /// state) makes a stale holder's write change nothing.
    static let settleSQL = """
        UPDATE contact c SET state = COALESCE((s.v ->> 1)::smallint, c.state), available_at = COALESCE((s.v ->> 2)::bigint, c.available_at),
            event_instance_id = COALESCE(s.v ->> 3, c.event_instance_id), last_error = s.v ->> 4,
            dead_reason = s.v ->> 5, attempts = c.attempts - (s.v ->> 6)::int, looks = c.looks + (s.v ->> 7)::int,
            ambiguous = COALESCE((s.v ->> 8)::smallint, c.ambiguous), possible_duplicates = c.possible_duplicates + (s.v ->> 9)::int,
            updated_at = $2, request_id = COALESCE($4::text, c.request_id)
        FROM jsonb_array_elements($1::text::jsonb) AS s(v)
        WHERE c.id = (s.v ->> 0)::bigint AND c.batch_id = $3 AND c.state IN (\(SQLState.claimed), \(SQLState.sending))
        """

    func recordResult(_ connection: PostgresConnection, _ result: AttemptResult) async throws {
        let headers = result.headersJSON
        try await execute(connection, """
            UPDATE attempt SET status = $1::int, response_headers = $2::text, response_body = $3, remote_id = $4::text,
                latency_ms = $5, error_class = $6::text, finished_at = $7
            WHERE id = $8
            """, [result.status.map(Int64.init), headers, LedgerBody.bounded(result.responseBody), result.remoteID, result.latencyMillis,
                  result.errorClass, result.finishedAt, result.attemptID])
    }
}
