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

    /// The look's claim: contacts whose next look time passed and whose batch no live look holds, in the order they came
    /// due; it writes a hold on each of their batches (`look_by`, `look_until`, schema v11), none on a contact. A batch
    /// another look is holding right now is passed over (SKIP LOCKED; the hold is checked again once locked), and its
    /// contacts with it; a contact with no batch (redriven after it left one) joins the look's own, which holds itself.
    /// The candidates are read from twice the limit, so that a look beside another still finds some.
    static let claimVerificationSQL = """
        WITH due AS (
            SELECT c.id, c.batch_id, c.available_at FROM contact c
            WHERE c.destination_id = $1 AND c.state IN (\(StateCode.accepted), \(StateCode.unknown)) AND c.available_at <= $5
                AND NOT EXISTS (SELECT 1 FROM batch h WHERE h.id = c.batch_id AND h.look_until >= $5)
            ORDER BY c.available_at LIMIT $2 * 2),
        homes AS (
            SELECT h.id FROM batch h
            WHERE h.id IN (SELECT batch_id FROM due) AND (h.look_until IS NULL OR h.look_until < $5)
            FOR UPDATE SKIP LOCKED),
        picked AS (
            SELECT due.id, due.batch_id FROM due
            WHERE due.batch_id IS NULL OR due.batch_id IN (SELECT id FROM homes)
            ORDER BY due.available_at LIMIT $2),
        look AS (SELECT nextval(pg_get_serial_sequence('batch', 'id')) AS id),
        b AS (
            INSERT INTO batch(id, destination_id, lease_token, lease_until, size, created_at, look_by, look_until)
            OVERRIDING SYSTEM VALUE
            SELECT look.id, $1, $3, $4, (SELECT count(*) FROM picked), $5, look.id, $4 FROM look
            WHERE EXISTS (SELECT 1 FROM picked)
            RETURNING id),
        held AS (
            UPDATE batch h SET look_by = b.id, look_until = $4 FROM b
            WHERE h.id IN (SELECT batch_id FROM picked)
            RETURNING h.id),
        homeless AS (
            UPDATE contact c SET batch_id = b.id FROM b, picked
            WHERE c.id = picked.id AND picked.batch_id IS NULL AND c.batch_id IS NULL
            RETURNING c.id)
        SELECT c.id, c.contact_key, c.state, c.attempts, c.event_instance_id, c.request_id, c.looks, c.prior_member, c.sent_at, b.id
        FROM contact c JOIN picked ON picked.id = c.id, b
        WHERE picked.batch_id IS NOT NULL OR c.id IN (SELECT id FROM homeless)
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
            try await self.releaseHolds(connection, look: lease.batchID)
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// Lets go of the batches `look` held (its verdict is written, or its lease ran out).
    func releaseHolds(_ connection: PostgresConnection, look: Int64) async throws {
        try await execute(connection, "UPDATE batch SET look_by = NULL, look_until = NULL WHERE look_by = $1", [look])
    }

    /// Like `settleSQL`, for contacts that are `accepted` or `unknown`; fenced by the hold of the contact's batch (`$3` is
    /// the look's batch), and the look joins the contact's `carried` (its requests are on the contact's timeline).
    static let settleVerificationSQL = """
        UPDATE contact c SET state = COALESCE((s.v ->> 1)::smallint, c.state), available_at = COALESCE((s.v ->> 2)::bigint, c.available_at),
            last_error = COALESCE(s.v ->> 4, c.last_error), dead_reason = s.v ->> 5, attempts = c.attempts - (s.v ->> 6)::int,
            looks = c.looks + (s.v ->> 7)::int, ambiguous = COALESCE((s.v ->> 8)::smallint, c.ambiguous),
            possible_duplicates = c.possible_duplicates + (s.v ->> 9)::int, updated_at = $2,
            evidence = COALESCE(s.v ->> 10, c.evidence),
            proven_absent = c.proven_absent + (s.v ->> 11)::int, carried = COALESCE(c.carried || ' ', '') || $3::bigint
        FROM jsonb_array_elements($1::text::jsonb) AS s(v)
        WHERE c.id = (s.v ->> 0)::bigint AND c.state IN (\(StateCode.accepted), \(StateCode.unknown))
            AND c.batch_id IN (SELECT h.id FROM batch h WHERE h.look_by = $3)
        """
}
