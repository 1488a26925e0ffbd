import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func claimVerification(destination: String, limit: Int, leaseMillis: Int64) async throws -> VerificationBatch? {
        guard
            let (claimed, lease) = try await leased(
                ClaimVerificationStatement.self, destination: destination, limit: limit, leaseMillis: leaseMillis)
        else {
            return nil
        }
        let contacts = try claimed.map { row in
            VerificationCandidate(
                id: try row[0].decode(Int64.self), key: try row[1].decode(String.self),
                state: ContactState(rawValue: try row[2].decode(Int.self)) ?? .unknown, attempts: try row[3].decode(Int.self),
                eventInstanceID: try row[4].decode(String?.self), requestID: try row[5].decode(String?.self),
                looks: try row[6].decode(Int.self), priorMember: try row[7].decode(Int?.self).flatMap(PriorMembership.init(rawValue:)),
                sentAt: try row[8].decode(Int64?.self))
        }.sorted { $0.id < $1.id }
        return VerificationBatch(lease: lease, contacts: contacts)
    }

    /// The reconciliation claim: contacts whose settle time passed, hidden from other reconcilers for the lease.
    static let claimVerificationSQL = """
        WITH picked AS (
            SELECT id FROM contact
            WHERE destination_id = $1 AND state IN (\(StateCode.accepted), \(StateCode.unknown)) AND available_at <= $5
            ORDER BY available_at LIMIT $2
            FOR UPDATE SKIP LOCKED),
        b AS (
            INSERT INTO batch(destination_id, lease_token, lease_until, size, created_at)
            SELECT $1, $3, $4, (SELECT count(*) FROM picked), $5 WHERE EXISTS (SELECT 1 FROM picked)
            RETURNING id)
        UPDATE contact c SET batch_id = b.id, carried = COALESCE(c.carried || ' ', '') || b.id, available_at = $4, updated_at = $5
        FROM picked, b WHERE c.id = picked.id
        RETURNING c.id, c.contact_key, c.state, c.attempts, c.event_instance_id, c.request_id, c.looks, c.prior_member, c.sent_at, b.id
        """

    public func settleVerification(_ lease: Lease, outcomes: [Settlement], looks: [RecordedAttempt]) async throws {
        let now = clock.nowMillis()
        let outcomesJSON = Settlement.rowsJSON(outcomes)
        let hasOutcomes = !outcomes.isEmpty
        let held = try await transaction { connection in
            guard try await self.recordLooks(connection, looks, thenHold: lease, now: now) else { return false }
            if hasOutcomes { try await self.execute(connection, Self.settleVerificationSQL, [outcomesJSON, now, lease.batchID]) }
            try await self.execute(
                connection, "UPDATE batch SET state = \(StateCode.batchSettled), closed_at = $1 WHERE id = $2", [now, lease.batchID])
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// Like `settleSQL`, for contacts that are `accepted` or `unknown`.
    static let settleVerificationSQL = """
        UPDATE contact c SET state = COALESCE((s.v ->> 1)::smallint, c.state), available_at = COALESCE((s.v ->> 2)::bigint, c.available_at),
            last_error = COALESCE(s.v ->> 4, c.last_error), dead_reason = s.v ->> 5, attempts = c.attempts - (s.v ->> 6)::int,
            looks = c.looks + (s.v ->> 7)::int, ambiguous = COALESCE((s.v ->> 8)::smallint, c.ambiguous),
            possible_duplicates = c.possible_duplicates + (s.v ->> 9)::int, updated_at = $2,
            evidence = COALESCE(s.v ->> 10, c.evidence),
            proven_absent = c.proven_absent + (s.v ->> 11)::int
        FROM jsonb_array_elements($1::text::jsonb) AS s(v)
        WHERE c.id = (s.v ->> 0)::bigint AND c.batch_id = $3 AND c.state IN (\(StateCode.accepted), \(StateCode.unknown))
        """
}
