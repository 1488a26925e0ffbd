import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func finishAttempt(_ result: AttemptResult) async throws {
        let body = storedResponse(result)
        try await writes.write { db in try Self.recordResult(db, result, body: body) }
    }

    public func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64
    {
        let prepared = prepare(RecordedAttempt(destination: destination, batchID: batchID, attempt: attempt, result: result))
        return try await writes.write { [self] db in try Self.insert(db, prepared, now: clock.nowMillis()) }
    }

    public func recordAttempts(_ looks: [RecordedAttempt]) async throws {
        guard !looks.isEmpty else { return }
        let prepared = looks.map(prepare)
        try await writes.write { [self] db in
            for look in prepared { _ = try Self.insert(db, look, now: clock.nowMillis()) }
        }
    }

    public func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws {
        try await writes.write { [self] db in
            try Self.checkLease(db, lease, now: clock.nowMillis())
            try db.execute(sql: "UPDATE batch SET remote_id = ? WHERE id = ?", arguments: [remoteID, lease.batchID])
            try db.execute(
                sql: "UPDATE contact SET request_id = ? WHERE batch_id = ? AND state IN (\(StateCode.claimed), \(StateCode.sending))",
                arguments: [remoteID, lease.batchID])
        }
    }

    public func pendingWork(destination: String) async throws -> PendingWork {
        try await pool.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM destination WHERE name = ?", arguments: [destination]) else {
                return PendingWork(queued: false, leased: false, awaitingVerification: false, nextReadyAt: nil)
            }
            let next = try Int64.fetchOne(
                db, sql: "SELECT MIN(available_at) FROM contact WHERE destination_id = ? AND state = \(StateCode.queued)", arguments: [id])
            let leased =
                try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM batch WHERE destination_id = ? AND state = \(StateCode.batchOpen))",
                    arguments: [id]) ?? false
            // From the counters, which move with the contacts.
            let sending =
                try Bool.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(n), 0) > 0 FROM contact_count
                        WHERE destination_id = ? AND state IN (\(StateCode.claimed), \(StateCode.sending))
                        """,
                    arguments: [id]) ?? false
            let awaiting =
                try Bool.fetchOne(
                    db,
                    sql: "SELECT EXISTS(SELECT 1 FROM contact WHERE destination_id = ?"
                        + " AND state IN (\(StateCode.accepted), \(StateCode.unknown)))",
                    arguments: [id]) ?? false
            let verifyAt = try Int64.fetchOne(db.cachedStatement(sql: Self.nextLookSQL), arguments: [id, clock.nowMillis()])
            return PendingWork(
                queued: next != nil, leased: leased, awaitingVerification: awaiting, nextReadyAt: next, nextVerifyAt: verifyAt,
                sending: sending)
        }
    }

    public func lookFill(destination: String, count: Int) async throws -> LookFill? {
        precondition(count > 0, "a look holds at least one contact")
        return try await pool.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM destination WHERE name = ?", arguments: [destination]) else {
                return nil
            }
            let now = clock.nowMillis()
            guard let free = try Row.fetchOne(db.cachedStatement(sql: Self.lookFillSQL), arguments: [id, count, now]),
                let held = try Row.fetchOne(db.cachedStatement(sql: Self.heldFillSQL), arguments: [id, now])
            else { return nil }
            return LookFill.combining(free: free[0], freeDueAt: free[1], held: held[0], heldUntil: held[1], count: count)
        }
    }

    /// The contacts live looks hold, and when the last hold ends: through the holds' index and each batch's contacts.
    static let heldFillSQL = """
        SELECT COUNT(*), MAX(h.look_until) FROM batch h JOIN contact c ON c.batch_id = h.id
        WHERE h.look_by IS NOT NULL AND h.look_until >= ?2 AND h.destination_id = ?1
            AND c.state IN (\(StateCode.accepted), \(StateCode.unknown))
        """

    /// The first `count` along the look's own index (`contact_to_verify`), as the look claims them: those a live look
    /// holds (schema v17) are not among them. Pinned by a test.
    static let lookFillSQL = """
        SELECT COUNT(*), MAX(available_at) FROM (
            SELECT available_at FROM contact
            WHERE destination_id = ?1 AND state IN (\(StateCode.accepted), \(StateCode.unknown))
                AND \(heldOut(now: "?3"))
            ORDER BY available_at LIMIT ?2)
        """

    /// Leaves out the contacts a live look holds (their batch's `look_until` not passed at the parameter `now`): the held
    /// batches are read once, and each contact's batch from `contact_to_verify`, so that a contact passed over is not read.
    static func heldOut(now: String) -> String {
        "COALESCE(batch_id, 0) NOT IN (SELECT id FROM batch WHERE look_by IS NOT NULL AND look_until >= \(now))"
    }

    /// When the next look may find someone: the first along `contact_to_verify`, unless a live look holds it; then the
    /// first not due yet, or the end of the earliest hold (its look may be lost), whichever comes first. Two index seeks
    /// and the live holds, not a walk over every held contact; it may be early (a held one not due yet), never late.
    static let nextLookSQL = """
        SELECT CASE
            WHEN NOT EXISTS (SELECT 1 FROM batch h WHERE h.id = head.batch_id AND h.look_until >= ?2) THEN head.available_at
            ELSE (SELECT MIN(x) FROM (
                SELECT MIN(available_at) AS x FROM contact
                WHERE destination_id = ?1 AND state IN (\(StateCode.accepted), \(StateCode.unknown)) AND available_at > ?2
                UNION ALL
                SELECT MIN(look_until) + 1 FROM batch WHERE look_by IS NOT NULL AND destination_id = ?1 AND look_until >= ?2))
            END
        FROM (
            SELECT available_at, batch_id FROM contact
            WHERE destination_id = ?1 AND state IN (\(StateCode.accepted), \(StateCode.unknown))
            ORDER BY available_at LIMIT 1) AS head
        """

    /// Writes the looks, then checks the lease: false when it is lost (the looks stay written, the verdict does not).
    static func recordLooks(_ db: Database, _ looks: [PreparedAttempt], thenHold lease: Lease, now: Int64) throws -> Bool {
        for look in looks { _ = try insert(db, look, now: now) }
        do {
            try checkLease(db, lease, now: now)
            return true
        } catch StoreError.leaseLost {
            return false
        }
    }

    /// One whole request (its start and its answer) as a ledger row, in one INSERT; returns its id.
    static func insert(_ db: Database, _ prepared: PreparedAttempt, now: Int64) throws -> Int64 {
        let recorded = prepared.recorded
        let destinationID = try Self.destinationID(db, name: recorded.destination, kind: nil, now: now)
        let attempt = recorded.attempt
        let result = recorded.result
        let request = prepared.request
        let response = prepared.response
        try db.cachedStatement(
            sql: """
                INSERT INTO attempt(destination_id, batch_id, purpose, method, url, request_body, request_zip, request_size, started_at,
                                    status, response_headers, response_body, response_zip, response_size, remote_id, latency_ms,
                                    error_class, finished_at, call_purpose, trace_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            destinationID, recorded.batchID, attempt.purpose.rawValue, attempt.method, attempt.url, request.text, request.zip,
            request.size, attempt.startedAt, result.status, result.headersJSON, response.text, response.zip,
            response.size, result.remoteID, result.latencyMillis, result.errorClass, result.finishedAt,
            attempt.call.rawValue, attempt.traceID,
        ])
        return db.lastInsertedRowID
    }
}

/// A ledger row with its bodies already as stored.
struct PreparedAttempt: Sendable {
    let recorded: RecordedAttempt
    let request: LedgerCompression.Stored
    let response: LedgerCompression.Stored
}

extension SQLiteQueueStore {
    // Bodies are compressed by the caller's task before its write is queued: the writer is shared by every loop, the
    // deflate is not.
    func prepare(_ recorded: RecordedAttempt) -> PreparedAttempt {
        PreparedAttempt(
            recorded: recorded,
            request: LedgerCompression.stored(LedgerBody.bounded(recorded.attempt.requestBody), compress: compressLedger),
            response: storedResponse(recorded.result))
    }

    func storedResponse(_ result: AttemptResult) -> LedgerCompression.Stored {
        LedgerCompression.stored(LedgerBody.bounded(result.responseBody), compress: compressLedger)
    }
}
