import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func claimVerification(destination: String, limit: Int, leaseMillis: Int64) async throws -> VerificationBatch? {
        return try await writes.write { [self] db -> VerificationBatch? in
            let now = clock.nowMillis()
            guard
                let destinationID = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM destination WHERE name = ?"), arguments: [destination])
            else {
                return nil
            }
            let rows = try Row.fetchAll(db.cachedStatement(sql: Self.lookCandidatesSQL), arguments: [destinationID, now, limit])
            guard !rows.isEmpty else { return nil }
            let (batchID, token, until) = try Self.openBatch(db, destinationID: destinationID, now: now, leaseMillis: leaseMillis)
            try db.cachedStatement(sql: "UPDATE batch SET size = ? WHERE id = ?").execute(arguments: [rows.count, batchID])
            try Self.hold(db, homes: rows.map { $0[9] as Int64? }, contacts: rows.map { $0[0] as Int64 }, look: batchID, until: until)
            let contacts = rows.map { row in
                VerificationCandidate(
                    id: row[0], key: row[1], state: ContactState(rawValue: row[2]) ?? .unknown, attempts: row[3],
                    eventInstanceID: row[4], requestID: row[5], looks: row[6],
                    priorMember: (row[7] as Int?).flatMap(PriorMembership.init(rawValue:)), sentAt: row[8])
            }.sorted { $0.id < $1.id }
            return VerificationBatch(
                lease: Lease(batchID: batchID, token: token, destination: destination, until: until), contacts: contacts)
        }
    }

    /// The look's candidates: contacts whose next look time has passed and whose batch no live look holds
    /// (`look_until`, schema v17), in the order they came due. Reads only; the claim holds their batches. Pinned by a test.
    static let lookCandidatesSQL = """
        SELECT id, contact_key, state, attempts, event_instance_id, request_id, looks, prior_member, sent_at, batch_id
        FROM contact
        WHERE destination_id = ?1 AND state IN (\(StateCode.accepted), \(StateCode.unknown)) AND available_at <= ?2
            AND \(heldOut(now: "?2"))
        ORDER BY available_at
        LIMIT ?3
        """

    /// Holds the batches the look's contacts came in (`homes`, one a contact) for the look's lease: one write a batch, none
    /// a contact. A contact with no batch (redriven after it left one) is given the look's own, which the look holds too.
    static func hold(_ db: Database, homes: [Int64?], contacts: [Int64], look: Int64, until: Int64) throws {
        var held = Set(homes.compactMap { $0 })
        let homeless = zip(homes, contacts).filter { $0.0 == nil }.map(\.1)
        if !homeless.isEmpty {
            try db.cachedStatement(sql: "UPDATE contact SET batch_id = ?1 WHERE id IN (SELECT value FROM json_each(?2))")
                .execute(arguments: [look, "[" + homeless.map(String.init).joined(separator: ",") + "]"])
            held.insert(look)
        }
        try db.cachedStatement(sql: "UPDATE batch SET look_by = ?1, look_until = ?2 WHERE id IN (SELECT value FROM json_each(?3))")
            .execute(arguments: [look, until, "[" + held.sorted().map(String.init).joined(separator: ",") + "]"])
    }

    public func settleVerification(_ lease: Lease, outcomes: [Settlement], looks: [RecordedAttempt]) async throws {
        let looks = looks.map(prepare)
        let held: Bool = try await writes.write { [self] db in
            let now = clock.nowMillis()
            guard try Self.recordLooks(db, looks, thenHold: lease, now: now) else { return false }
            if !outcomes.isEmpty {
                try Self.settle(
                    db, outcomes, sql: Self.settleVerificationSQL, now: now, batchID: lease.batchID, requestID: nil,
                    scope: .heldBy(look: lease.batchID))
            }
            try db.cachedStatement(sql: "UPDATE batch SET state = \(StateCode.batchSettled), closed_at = ? WHERE id = ?").execute(
                arguments: [now, lease.batchID])
            try Self.releaseHolds(db, look: lease.batchID)
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// Lets go of the batches `look` held (its verdict is written, or its lease ran out).
    static func releaseHolds(_ db: Database, look: Int64) throws {
        try db.cachedStatement(sql: "UPDATE batch SET look_by = NULL, look_until = NULL WHERE look_by = ?").execute(arguments: [look])
    }

    /// Like `settleSQL`, for contacts that are `accepted` or `unknown`; the attempt already counted at the submission
    /// (a refund gives back an attempt that the destination's fault cost). The event instance and request ids stay
    /// (?12 is bound and not read). The journey history's latest finding is kept (a later verdict by membership leaves
    /// it, so that `show` tells the whole story); `?14` counts a re-send the journey history proved safe. Fenced by the hold of
    /// the contact's batch (`?13` is the look's batch), which the look's claim wrote; the look joins the contact's `carried`
    /// here, so that its requests are on the contact's timeline.
    static let settleVerificationSQL = """
        UPDATE contact SET state = COALESCE(?2, state), available_at = COALESCE(?3, available_at),
            last_error = COALESCE(?5, last_error), dead_reason = ?6, attempts = attempts - ?7, looks = looks + ?8,
            ambiguous = COALESCE(?9, ambiguous), possible_duplicates = possible_duplicates + ?10, updated_at = ?11,
            evidence = COALESCE(s.value ->> 2, evidence), proven_absent = proven_absent + ?14, wait_cause = COALESCE(?15, wait_cause),
            carried = COALESCE(carried || ' ', '') || ?13, tally = 1 - tally
        FROM json_each(?1) AS s
        WHERE contact.id = s.value ->> 0 AND +contact.state IN (\(StateCode.accepted), \(StateCode.unknown))
            AND +contact.batch_id IN (SELECT id FROM batch WHERE look_by = ?13)
        """
}
