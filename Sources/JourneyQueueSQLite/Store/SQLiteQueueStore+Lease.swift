import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func claim(destination: String, limit: Int, leaseMillis: Int64) async throws -> ClaimedBatch? {
        precondition(limit > 0, "claim limit must be positive")
        return try await writes.write { [self] db -> ClaimedBatch? in
            var claimed: ClaimedBatch?
            // Nothing to claim: the batch row opened for it is taken back.
            try db.inSavepoint {
                let now = clock.nowMillis()
                guard
                    let destinationID = try Int64.fetchOne(
                        db.cachedStatement(sql: "SELECT id FROM destination WHERE name = ?"), arguments: [destination])
                else {
                    return .rollback
                }
                let (batchID, token, until) = try Self.openBatch(db, destinationID: destinationID, now: now, leaseMillis: leaseMillis)
                let rows = try Row.fetchAll(db.cachedStatement(sql: Self.claimSQL), arguments: [batchID, now, destinationID, now, limit])
                guard !rows.isEmpty else { return .rollback }
                try db.cachedStatement(sql: "UPDATE batch SET size = ? WHERE id = ?").execute(arguments: [rows.count, batchID])
                try Self.countClaim(db, rows, destinationID: destinationID, now: now)
                let contacts = rows.map { row in
                    ClaimedContact(
                        id: row[0], key: row[1], dataJSON: row[2], attempts: row[3],
                        priorMember: (row[4] as Int?).flatMap(PriorMembership.init(rawValue:)), looks: row[5], notAfter: row[6])
                }.sorted { $0.id < $1.id }
                claimed = ClaimedBatch(
                    lease: Lease(batchID: batchID, token: token, destination: destination, until: until), contacts: contacts)
                return .commit
            }
            return claimed
        }
    }

    /// Inserts an open batch with a fresh lease; the caller fills it in the same transaction.
    static func openBatch(_ db: Database, destinationID: Int64, now: Int64, leaseMillis: Int64) throws -> (
        id: Int64, token: String, until: Int64
    ) {
        let token = UUID().uuidString
        let until = now + leaseMillis
        try db.cachedStatement(sql: "INSERT INTO batch(destination_id, lease_token, lease_until, size, created_at) VALUES (?, ?, ?, 0, ?)")
            .execute(arguments: [destinationID, token, until, now])
        return (db.lastInsertedRowID, token, until)
    }

    /// The claim: one statement, attempt counted in it, counted by the store (`tally`). Pinned by a query-plan test.
    static let claimSQL = """
        UPDATE contact SET state = \(StateCode.claimed), batch_id = ?1, attempts = attempts + 1, updated_at = ?2, wait_cause = NULL,
            tally = 1 - tally
        WHERE id IN (
            SELECT id FROM contact
            WHERE destination_id = ?3 AND state = \(StateCode.queued) AND available_at <= ?4
            ORDER BY available_at
            LIMIT ?5)
        RETURNING id, contact_key, data, attempts, prior_member, looks, not_after, event_instance_id IS NOT NULL,
            possible_duplicates, proven_absent
        """

    /// The claim's counters, from what it returned: every contact left `queued` with one attempt less than it has now.
    static func countClaim(_ db: Database, _ rows: [Row], destinationID: Int64, now: Int64) throws {
        var before = StatementCounters.Funnel.zero
        var after = StatementCounters.Funnel.zero
        for row in rows {
            let attempts: Int64 = row[3]
            let hasEvent: Bool = row[7]
            let duplicates: Int64 = row[8]
            let absent: Int64 = row[9]
            before = before + .of(state: 0, attempts: attempts - 1, hasEvent: hasEvent, duplicates: duplicates, absent: absent)
            after = after + .of(state: 1, attempts: attempts, hasEvent: hasEvent, duplicates: duplicates, absent: absent)
        }
        var counters = StatementCounters()
        counters.add(.zero - before, to: .init(destinationID: destinationID, state: 0))
        counters.add(after, to: .init(destinationID: destinationID, state: 1))
        try counters.apply(db, settledAt: now)
    }

    public func renewLease(_ lease: Lease, leaseMillis: Int64) async throws -> Lease {
        try await writes.write { [self] db in
            let now = clock.nowMillis()
            // Never shorter than it is: a write-ahead may have extended it past its request's deadline.
            guard
                let until = try Int64.fetchOne(
                    db,
                    sql: """
                        UPDATE batch SET lease_until = MAX(lease_until, ?)
                        WHERE id = ? AND lease_token = ? AND state = \(StateCode.batchOpen) AND lease_until >= ? RETURNING lease_until
                        """, arguments: [now + leaseMillis, lease.batchID, lease.token, now])
            else { throw StoreError.leaseLost(batchID: lease.batchID) }
            // A look's contacts stay hidden from other looks for as long as its lease lives: the batches it holds follow it.
            try db.cachedStatement(sql: "UPDATE batch SET look_until = ? WHERE look_by = ?").execute(arguments: [until, lease.batchID])
            var renewed = lease
            renewed.until = until
            return renewed
        }
    }

    /// Throws `leaseLost` unless `lease` is the batch's current, unexpired, open lease; returns its destination and its
    /// write-ahead stamp (`sent_at`), read with the check.
    @discardableResult
    static func checkLease(_ db: Database, _ lease: Lease, now: Int64) throws -> (destinationID: Int64, sentAt: Int64?) {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT lease_token, lease_until, state, destination_id, sent_at FROM batch WHERE id = ?"),
            arguments: [lease.batchID])
        guard let row, (row[0] as String) == lease.token, (row[1] as Int64) >= now, (row[2] as Int64) == 0 else {
            throw StoreError.leaseLost(batchID: lease.batchID)
        }
        return (row[3], row[4])
    }

    /// The write-ahead record. It is the only proof that a request may have left, so this one transaction is made
    /// durable against power loss too (`synchronous = FULL`: the WAL is fsynced at its commit), whereas queue moves
    /// stay at NORMAL (a lost move is recovered through the lease and this record).
    public func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) async throws -> Int64 {
        // Compressed before the write: the writer is shared by every loop, the deflate is not.
        let body = LedgerCompression.stored(LedgerBody.bounded(attempt.requestBody), compress: compressLedger)
        return try await writes.write(durable: durableWriteAhead) { [self] db -> Int64 in
            let now = clock.nowMillis()
            let destinationID = try Self.checkLease(db, lease, now: now).destinationID
            if attempt.takesContacts { try Self.refuseErased(db, lease) }
            if let outliving = Lease.outliving(now: now, timeoutMillis: attempt.timeoutMillis) {
                try db.cachedStatement(sql: "UPDATE batch SET lease_until = MAX(lease_until, ?) WHERE id = ?").execute(arguments: [
                    outliving, lease.batchID,
                ])
            }
            let number =
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT MAX(attempts) FROM contact WHERE batch_id = ?"),
                    arguments: [lease.batchID]) ?? 1
            try db.cachedStatement(
                sql: """
                    INSERT INTO attempt(destination_id, batch_id, purpose, attempt_number, method, url, request_body, request_zip,
                                        request_size, started_at, call_purpose, trace_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                destinationID, lease.batchID, attempt.purpose.rawValue, number, attempt.method, attempt.url,
                body.text, body.zip, body.size, attempt.startedAt, attempt.call.rawValue, attempt.traceID,
            ])
            let id = db.lastInsertedRowID
            guard attempt.takesContacts else { return id }
            // The batch is stamped, not its contacts (schema v16): they read as `sending` through it, and the settle or
            // lease recovery that moves them next copies the stamp in (`InFlightSQL`). A Bulk job's later requests stamp
            // it again.
            try db.cachedStatement(sql: "UPDATE batch SET sent_at = ? WHERE id = ?").execute(arguments: [attempt.startedAt, lease.batchID])
            return id
        }
    }

    /// The request was built from the claim's copy of the data: a contact erased since then must not leave with it.
    static func refuseErased(_ db: Database, _ lease: Lease) throws {
        let erased = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT c.id, \(InFlightSQL.state) FROM contact c \(InFlightSQL.join)
                    WHERE c.batch_id = ? AND c.state IN (\(StateCode.claimed), \(StateCode.sending)) AND c.erased_at IS NOT NULL
                    """), arguments: [lease.batchID])
        guard !erased.isEmpty else { return }
        throw StoreError.erasedBeforeSend(
            batchID: lease.batchID,
            neverSent: erased.filter { ($0[1] as Int) == ContactState.claimed.rawValue }.map { $0[0] },
            sentBefore: erased.filter { ($0[1] as Int) == ContactState.sending.rawValue }.map { $0[0] })
    }

    public func prepareBatch(
        _ lease: Lease, priorMembers: [(contactID: Int64, membership: PriorMembership)], released: [Settlement],
        releaseCountsAsLook: Bool, looks: [RecordedAttempt]
    ) async throws {
        let looks = looks.map(prepare)
        let held: Bool = try await writes.write { [self] db in
            let now = clock.nowMillis()
            guard try Self.recordLooks(db, looks, thenHold: lease, now: now) else { return false }
            // One statement per answer (nearly always one: nobody was in), its contacts as a JSON array of ids.
            let mark = try db.cachedStatement(
                sql: """
                    UPDATE contact SET prior_member = ?1
                    WHERE id IN (SELECT value FROM json_each(?2)) AND +batch_id = ?3 AND +state = \(StateCode.claimed)
                    """)
            for (membership, members) in Dictionary(grouping: priorMembers, by: \.membership).sorted(by: {
                $0.key.rawValue < $1.key.rawValue
            }) {
                try mark.execute(arguments: [
                    membership.rawValue, "[" + members.map { String($0.contactID) }.joined(separator: ",") + "]", lease.batchID,
                ])
            }
            if !released.isEmpty {
                // Released because the look before the first send failed: that look counts.
                // One an earlier request of the batch carried (withdrawn after an erasure) takes its stamp.
                let sentAt = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT sent_at FROM batch WHERE id = ?"), arguments: [lease.batchID])
                try Self.settle(db, released, sql: Self.settleSQL, now: now, batchID: lease.batchID, requestID: nil, sentAt: sentAt)
                try db.execute(
                    sql:
                        "UPDATE contact SET looks = looks + ?, batch_id = NULL WHERE id IN (SELECT value FROM json_each(?))"
                        + " AND state = \(StateCode.queued)",
                    arguments: [releaseCountsAsLook ? 1 : 0, "[" + released.map { String($0.contactID) }.joined(separator: ",") + "]"])
            }
            return true
        }
        if !held { throw StoreError.leaseLost(batchID: lease.batchID) }
    }

    public func recoverExpiredLeases() async throws -> RecoverySummary {
        try await writes.write { [self] db in
            let now = clock.nowMillis()
            let batches = try Row.fetchAll(
                db,
                sql: """
                    SELECT b.id, d.settle_ms, b.sent_at FROM batch b JOIN destination d ON d.id = b.destination_id
                    WHERE b.state = \(StateCode.batchOpen) AND b.lease_until < ?
                    """, arguments: [now])
            var summary = RecoverySummary(batches: batches.count)
            for row in batches {
                let batchID: Int64 = row[0]
                let settleMillis: Int64 = row[1]
                let sentAt: Int64? = row[2]
                if sentAt == nil {
                    // Claimed but never sent: the claim's attempt is given back.
                    try db.execute(
                        sql: """
                            UPDATE contact SET state = \(StateCode.queued), attempts = attempts - 1, available_at = ?, updated_at = ?
                            WHERE batch_id = ? AND state = \(StateCode.claimed)
                            """, arguments: [now, now, batchID])
                    summary.requeued += db.changesCount
                }
                // Written ahead but never answered: the request may have been taken, and may still be entering them.
                // Nobody looks before the settle time has passed from now, the last moment the request was known alive.
                // Those the batch stamped take the stamp as they move (`InFlightSQL`); those an older journeyq stamped
                // `sending` have it already.
                try db.execute(
                    sql: """
                        UPDATE contact SET state = \(StateCode.unknown), available_at = ?1, updated_at = ?2, ambiguous = 1,
                            last_error = 'lease expired while the request was in flight (worker died or stalled)',
                            sent_at = CASE WHEN state = \(StateCode.claimed) THEN ?4 ELSE sent_at END,
                            looks = CASE WHEN state = \(StateCode.claimed) THEN 0 ELSE looks END,
                            event_instance_id = CASE WHEN state = \(StateCode.claimed) THEN NULL ELSE event_instance_id END,
                            carried = CASE WHEN state = \(StateCode.claimed) THEN COALESCE(carried || ' ', '') || ?3 ELSE carried END
                        WHERE batch_id = ?3 AND (state = \(StateCode.sending) OR (?4 IS NOT NULL AND state = \(StateCode.claimed)))
                        """, arguments: [now + settleMillis, now, batchID, sentAt])
                summary.madeUnknown += db.changesCount
                try db.execute(
                    sql: "UPDATE batch SET state = \(StateCode.batchExpired), closed_at = ? WHERE id = ?", arguments: [now, batchID])
                try Self.releaseHolds(db, look: batchID)
                try db.execute(
                    sql: """
                        UPDATE attempt SET error_class = 'abandoned', finished_at = ? WHERE batch_id = ? AND finished_at IS NULL
                        """, arguments: [now, batchID])
            }
            return summary
        }
    }
}
