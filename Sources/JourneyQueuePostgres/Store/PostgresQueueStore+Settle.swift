import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) async throws {
        let now = clock.nowMillis()
        let row = try await rows(
            SettleBatchStatement.self,
            [
                Settlement.rowsJSON(outcomes), now, lease.batchID, result?.remoteID, lease.token,
                result?.status.map(Int64.init), result?.headersJSON, result.map { LedgerBody.bounded($0.responseBody) },
                result?.latencyMillis,
                result?.errorClass, result?.finishedAt, result?.attemptID,
            ])
        if try row[0][0].decode(Int.self) == 0 { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// A whole settle in one statement, so one round trip: the answer goes into its ledger row whatever happens; the
    /// batch row is locked while its token is checked (`held`), and the contacts move and the batch closes only when it
    /// holds. `held` is read before any contact is touched (they join it), the same order as lease recovery's.
    static let settleBatchSQL = """
        WITH recorded AS (
            UPDATE attempt SET status = $6::int, response_headers = $7::text, response_body = $8::text, remote_id = $4::text,
                latency_ms = $9::bigint, error_class = $10::text, finished_at = $11::bigint
            WHERE id = $12::bigint
            RETURNING 1),
        held AS (
            SELECT id, sent_at FROM batch
            WHERE id = $3 AND lease_token = $5 AND state = \(StateCode.batchOpen) AND lease_until >= $2 FOR UPDATE),
        moved AS (
            UPDATE contact c SET \(settleAssignments(sentAt: "held.sent_at"))
            FROM held, jsonb_array_elements($1::text::jsonb) AS s(v)
            WHERE c.id = (s.v ->> 0)::bigint AND c.batch_id = held.id AND c.state IN (\(StateCode.claimed), \(StateCode.sending))
            RETURNING 1),
        closed AS (
            UPDATE batch b SET state = \(StateCode.batchSettled), closed_at = $2, remote_id = COALESCE($4::text, b.remote_id)
            FROM held WHERE b.id = held.id
            RETURNING 1)
        SELECT (SELECT count(*) FROM held), (SELECT count(*) FROM recorded), (SELECT count(*) FROM moved), (SELECT count(*) FROM closed)
        """

    /// What a settle sets on each contact, from one element `s.v` of `Settlement.rowsJSON` (`$2` the time, `$4` the
    /// remote id): nulls keep what the row has. A contact the batch sent (`sentAt`, the batch's stamp, not null) that
    /// still holds its claim's state takes the write-ahead's stamp (`InFlightSQL`): its looks start from zero, an id from
    /// an earlier request no longer describes it, and the batch joins its `carried`. One an older journeyq stamped
    /// `sending` has all that already.
    static func settleAssignments(sentAt: String) -> String {
        let stamped = "\(sentAt) IS NOT NULL AND c.state = \(StateCode.claimed)"
        return """
            state = COALESCE((s.v ->> 1)::smallint, c.state), available_at = COALESCE((s.v ->> 2)::bigint, c.available_at),
                event_instance_id = COALESCE(s.v ->> 3, CASE WHEN \(stamped) THEN NULL ELSE c.event_instance_id END),
                last_error = s.v ->> 4, dead_reason = s.v ->> 5, attempts = c.attempts - (s.v ->> 6)::int,
                looks = CASE WHEN \(stamped) THEN 0 ELSE c.looks END + (s.v ->> 7)::int,
                sent_at = CASE WHEN \(stamped) THEN \(sentAt) ELSE c.sent_at END,
                carried = CASE WHEN \(stamped) THEN COALESCE(c.carried || ' ', '') || c.batch_id ELSE c.carried END,
                ambiguous = COALESCE((s.v ->> 8)::smallint, c.ambiguous), possible_duplicates = c.possible_duplicates + (s.v ->> 9)::int,
                proven_absent = c.proven_absent + (s.v ->> 11)::int, updated_at = $2, request_id = COALESCE($4::text, c.request_id),
                wait_cause = (s.v ->> 12)::smallint
            """
    }

    /// The contacts' half of a settle for a batch whose lease was checked in the same transaction (`prepareBatch`'s
    /// released contacts: one an earlier request of the batch carried, withdrawn after an erasure, takes its stamp); the
    /// guard (`batch_id`, live state) makes a stale holder's write change nothing.
    static let settleSQL = """
        UPDATE contact c SET \(settleAssignments(sentAt: "(SELECT sent_at FROM batch WHERE id = $3)"))
        FROM jsonb_array_elements($1::text::jsonb) AS s(v)
        WHERE c.id = (s.v ->> 0)::bigint AND c.batch_id = $3 AND c.state IN (\(StateCode.claimed), \(StateCode.sending))
        """

    func recordResult(_ connection: PostgresConnection, _ result: AttemptResult) async throws {
        let headers = result.headersJSON
        try await execute(
            connection,
            """
            UPDATE attempt SET status = $1::int, response_headers = $2::text, response_body = $3, remote_id = $4::text,
                latency_ms = $5, error_class = $6::text, finished_at = $7
            WHERE id = $8
            """,
            [
                result.status.map(Int64.init), headers, LedgerBody.bounded(result.responseBody), result.remoteID, result.latencyMillis,
                result.errorClass, result.finishedAt, result.attemptID,
            ])
    }
}
