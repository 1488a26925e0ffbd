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
                try Self.settle(db, outcomes, sql: Self.settleSQL, now: now, batchID: lease.batchID, requestID: result?.remoteID)
            }
            try db.cachedStatement(
                sql: "UPDATE batch SET state = \(StateCode.batchSettled), closed_at = ?, remote_id = COALESCE(?, remote_id) WHERE id = ?"
            )
            .execute(arguments: [now, result?.remoteID, lease.batchID])
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    /// One statement per group of outcomes that set the same values (`Settlement.groups`: usually one for a whole batch):
    /// the shared values bound once, the contacts as a JSON array of `[id, event_instance_id]`. The guard (`batch_id`,
    /// live state) makes a stale holder's write change nothing. The `+` keeps the planner on the primary key (one lookup
    /// per contact) instead of the batch index. Pinned by a test. Why groups: with every value in each contact's JSON
    /// element, SQLite parsed the element once per `->>`, ten times a contact, and the settles were a third of the
    /// daemon's SQL time (`journeyq work --sql-profile`); two extractions a contact cost 30 % less a row.
    static let settleSQL = """
        UPDATE contact SET state = COALESCE(?2, state), available_at = COALESCE(?3, available_at),
            event_instance_id = COALESCE(s.value ->> 1, event_instance_id), last_error = ?5, dead_reason = ?6,
            attempts = attempts - ?7, looks = looks + ?8, ambiguous = COALESCE(?9, ambiguous),
            possible_duplicates = possible_duplicates + ?10, updated_at = ?11, request_id = COALESCE(?12, request_id),
            proven_absent = proven_absent + ?14, wait_cause = ?15, tally = 1 - tally
        FROM json_each(?1) AS s
        WHERE contact.id = s.value ->> 0 AND +contact.batch_id = ?13 AND +contact.state IN (\(StateCode.claimed), \(StateCode.sending))
        """

    /// Writes `outcomes` with `sql` (`settleSQL` or `settleVerificationSQL`, which read the same numbered values), one
    /// execution per group, and moves the counters once for all of them (both statements flip `tally`).
    static func settle(_ db: Database, _ outcomes: [Settlement], sql: String, now: Int64, batchID: Int64, requestID: String?) throws {
        let statement = try db.cachedStatement(sql: sql)
        try StatementCounters.around(db, batchID: batchID, now: now) {
            for group in Settlement.groups(outcomes) {
                let values = group.values
                // ?4 is not read: the event instance id comes with each contact.
                try statement.execute(arguments: [
                    group.contactsJSON, values.state, values.availableAt, nil, values.lastError, values.deadReason,
                    values.refund, values.looks, values.ambiguous, values.possibleDuplicate, now, requestID, batchID,
                    values.provenAbsent, values.waitCause,
                ])
            }
        }
    }

    static func recordResult(_ db: Database, _ result: AttemptResult, body: LedgerCompression.Stored) throws {
        let headers = result.headersJSON
        try db.cachedStatement(
            sql: """
                UPDATE attempt SET status = ?, response_headers = ?, response_body = ?, response_zip = ?, response_size = ?, remote_id = ?,
                    latency_ms = ?, error_class = ?, finished_at = ?
                WHERE id = ?
                """
        ).execute(arguments: [
            result.status, headers, body.text, body.zip, body.size, result.remoteID, result.latencyMillis,
            result.errorClass, result.finishedAt, result.attemptID,
        ])
    }
}
