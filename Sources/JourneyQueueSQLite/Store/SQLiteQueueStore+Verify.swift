import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func claimVerification(destination: String, limit: Int, leaseMillis: Int64) async throws -> VerificationBatch? {
        return try await writes.write { [self] db -> VerificationBatch? in
            var claimed: VerificationBatch?
            // Nothing to look at: the batch row opened for it is taken back.
            try db.inSavepoint {
                let now = clock.nowMillis()
                guard
                    let destinationID = try Int64.fetchOne(
                        db.cachedStatement(sql: "SELECT id FROM destination WHERE name = ?"), arguments: [destination])
                else {
                    return .rollback
                }
                let (batchID, token, until) = try Self.openBatch(db, destinationID: destinationID, now: now, leaseMillis: leaseMillis)
                let rows = try Row.fetchAll(
                    db.cachedStatement(sql: Self.claimVerificationSQL), arguments: [batchID, until, now, destinationID, now, limit])
                guard !rows.isEmpty else { return .rollback }
                try db.cachedStatement(sql: "UPDATE batch SET size = ? WHERE id = ?").execute(arguments: [rows.count, batchID])
                let contacts = rows.map { row in
                    VerificationCandidate(
                        id: row[0], key: row[1], state: ContactState(rawValue: row[2]) ?? .unknown, attempts: row[3],
                        eventInstanceID: row[4], requestID: row[5], looks: row[6],
                        priorMember: (row[7] as Int?).flatMap(PriorMembership.init(rawValue:)), sentAt: row[8])
                }.sorted { $0.id < $1.id }
                claimed = VerificationBatch(
                    lease: Lease(batchID: batchID, token: token, destination: destination, until: until), contacts: contacts)
                return .commit
            }
            return claimed
        }
    }

    /// The reconciliation claim: contacts whose settle time passed, hidden from other reconcilers for the lease.
    static let claimVerificationSQL = """
        UPDATE contact SET batch_id = ?1, carried = COALESCE(carried || ' ', '') || ?1, available_at = ?2, updated_at = ?3
        WHERE id IN (
            SELECT id FROM contact
            WHERE destination_id = ?4 AND state IN (\(StateCode.accepted), \(StateCode.unknown)) AND available_at <= ?5
            ORDER BY available_at
            LIMIT ?6)
        RETURNING id, contact_key, state, attempts, event_instance_id, request_id, looks, prior_member, sent_at
        """

    public func settleVerification(_ lease: Lease, outcomes: [Settlement], looks: [RecordedAttempt]) async throws {
        let looks = looks.map(prepare)
        let held: Bool = try await writes.write { [self] db in
            let now = clock.nowMillis()
            guard try Self.recordLooks(db, looks, thenHold: lease, now: now) else { return false }
            if !outcomes.isEmpty {
                try Self.settle(db, outcomes, sql: Self.settleVerificationSQL, now: now, batchID: lease.batchID, requestID: nil)
            }
            try db.cachedStatement(sql: "UPDATE batch SET state = \(StateCode.batchSettled), closed_at = ? WHERE id = ?").execute(
                arguments: [now, lease.batchID])
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// Like `settleSQL`, for contacts that are `accepted` or `unknown`; the attempt already counted at the submission
    /// (a refund gives back an attempt that the destination's fault cost). The event instance and request ids stay
    /// (?12 is bound and not read). The journey history's latest finding is kept (a later verdict by membership leaves
    /// it, so that `show` tells the whole story); `?14` counts a re-send the journey history proved safe.
    static let settleVerificationSQL = """
        UPDATE contact SET state = COALESCE(?2, state), available_at = COALESCE(?3, available_at),
            last_error = COALESCE(?5, last_error), dead_reason = ?6, attempts = attempts - ?7, looks = looks + ?8,
            ambiguous = COALESCE(?9, ambiguous), possible_duplicates = possible_duplicates + ?10, updated_at = ?11,
            evidence = COALESCE(s.value ->> 2, evidence), proven_absent = proven_absent + ?14, wait_cause = COALESCE(?15, wait_cause),
            tally = 1 - tally
        FROM json_each(?1) AS s
        WHERE contact.id = s.value ->> 0 AND +contact.batch_id = ?13 AND +contact.state IN (\(StateCode.accepted), \(StateCode.unknown))
        """
}
