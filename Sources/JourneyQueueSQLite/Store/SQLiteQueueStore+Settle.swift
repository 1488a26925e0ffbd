import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func settle(_ lease: Lease, result: AttemptResult?, outcomes: [Settlement]) async throws {
        let answer = result.map { ($0, storedResponse($0)) }
        let held: Bool = try await writes.write { [self] db in
            let now = clock.nowMillis()
            if let (result, body) = answer { try Self.recordResult(db, result, body: body) }
            let sentAt: Int64?
            do {
                sentAt = try Self.checkLease(db, lease, now: now).sentAt
            } catch StoreError.leaseLost {
                return false
            }
            if !outcomes.isEmpty {
                try Self.settle(
                    db, outcomes, sql: Self.settleSQL, now: now, batchID: lease.batchID, requestID: result?.remoteID, sentAt: sentAt)
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
            event_instance_id = COALESCE(s.value ->> 1, CASE WHEN \(stamped) THEN NULL ELSE event_instance_id END),
            last_error = ?5, dead_reason = ?6, attempts = attempts - ?7, looks = CASE WHEN \(stamped) THEN 0 ELSE looks END + ?8,
            ambiguous = COALESCE(?9, ambiguous),
            possible_duplicates = possible_duplicates + ?10, updated_at = ?11, request_id = COALESCE(?12, request_id),
            proven_absent = proven_absent + ?14, wait_cause = ?15, tally = 1 - tally,
            sent_at = CASE WHEN \(stamped) THEN ?16 ELSE sent_at END,
            carried = CASE WHEN \(stamped) THEN COALESCE(carried || ' ', '') || ?13 ELSE carried END
        FROM json_each(?1) AS s
        WHERE contact.id = s.value ->> 0 AND +contact.batch_id = ?13 AND +contact.state IN (\(StateCode.claimed), \(StateCode.sending))
        """

    /// A contact the batch sent (`?16`, its `sent_at`) and that still holds its claim's state: the settle copies the
    /// write-ahead's stamp in (`InFlightSQL`): its looks start from zero, an id from an earlier request no longer describes
    /// it, and the batch joins its `carried`. One an older journeyq stamped `sending` has all that already.
    private static let stamped = "?16 IS NOT NULL AND contact.state = \(StateCode.claimed)"

    /// Writes `outcomes` with `sql` (`settleSQL` or `settleVerificationSQL`, which read the same numbered values), one
    /// execution per group, and moves the counters once for all of them (both statements flip `tally`).
    /// `sentAt` is bound as `?16` when given (`settleSQL` reads it; `settleVerificationSQL` has no such parameter). The
    /// counted contacts are the batch's unless `scope` says otherwise (a look's verdict: the batches it holds).
    static func settle(
        _ db: Database, _ outcomes: [Settlement], sql: String, now: Int64, batchID: Int64, requestID: String?, sentAt: Int64?? = .none,
        scope: StatementCounters.Scope? = nil
    ) throws {
        let statement = try db.cachedStatement(sql: sql)
        try StatementCounters.around(db, scope ?? .batch(batchID), now: now) {
            for group in Settlement.groups(outcomes) {
                let values = group.values
                // ?4 is not read: the event instance id comes with each contact.
                var arguments: StatementArguments = [
                    group.contactsJSON, values.state, values.availableAt, nil, values.lastError, values.deadReason,
                    values.refund, values.looks, values.ambiguous, values.possibleDuplicate, now, requestID, batchID,
                    values.provenAbsent, values.waitCause,
                ]
                if case .some(let sentAt) = sentAt { arguments += [sentAt] }
                try statement.execute(arguments: arguments)
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
