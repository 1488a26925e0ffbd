import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func finishAttempt(_ result: AttemptResult) async throws {
        try await transaction { connection in try await self.recordResult(connection, result) }
    }

    public func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64
    {
        let recorded = RecordedAttempt(destination: destination, batchID: batchID, attempt: attempt, result: result)
        let now = clock.nowMillis()
        return try await transaction { connection in try await self.insert(connection, recorded, now: now) }
    }

    public func recordAttempts(_ looks: [RecordedAttempt]) async throws {
        guard !looks.isEmpty else { return }
        let now = clock.nowMillis()
        try await transaction { connection in
            for look in looks { _ = try await self.insert(connection, look, now: now) }
        }
    }

    /// Writes the looks, then checks the lease: false when it is lost (the looks stay written, the verdict does not).
    func recordLooks(_ connection: PostgresConnection, _ looks: [RecordedAttempt], thenHold lease: Lease, now: Int64) async throws -> Bool {
        for look in looks { _ = try await insert(connection, look, now: now) }
        do {
            _ = try await checkLease(connection, lease, now: now)
            return true
        } catch StoreError.leaseLost {
            return false
        }
    }

    /// One whole request (its start and its answer) as a ledger row, in one INSERT; returns its id.
    func insert(_ connection: PostgresConnection, _ recorded: RecordedAttempt, now: Int64) async throws -> Int64 {
        let destinationID: Int64
        if let known = destinationIDs[recorded.destination] {
            destinationID = known
        } else {
            destinationID = try await self.destinationID(connection, name: recorded.destination, kind: nil, now: now)
        }
        let attempt = recorded.attempt
        let result = recorded.result
        let row = try await rows(
            connection,
            """
            INSERT INTO attempt(destination_id, batch_id, purpose, method, url, request_body, started_at, status, response_headers,
                                response_body, remote_id, latency_ms, error_class, finished_at, call_purpose, trace_id)
            VALUES ($1, $2::bigint, $3, $4, $5, $6, $7, $8::int, $9::text, $10, $11::text, $12, $13::text, $14, $15, $16::text) RETURNING id
            """,
            [
                destinationID, recorded.batchID, attempt.purpose.rawValue, attempt.method, attempt.url,
                LedgerBody.bounded(attempt.requestBody),
                attempt.startedAt, result.status.map(Int64.init), result.headersJSON, LedgerBody.bounded(result.responseBody),
                result.remoteID,
                result.latencyMillis, result.errorClass, result.finishedAt, attempt.call.rawValue, attempt.traceID,
            ])
        return try row[0][0].decode(Int64.self)
    }

    public func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws {
        let now = clock.nowMillis()
        try await transaction { connection in
            _ = try await self.checkLease(connection, lease, now: now)
            try await self.execute(connection, "UPDATE batch SET remote_id = $1 WHERE id = $2", [remoteID, lease.batchID])
            try await self.execute(
                connection,
                """
                UPDATE contact SET request_id = $1 WHERE batch_id = $2 AND state IN (\(StateCode.claimed), \(StateCode.sending))
                """, [remoteID, lease.batchID])
        }
    }

    public func lookFill(destination: String, count: Int) async throws -> LookFill? {
        precondition(count > 0, "a look holds at least one contact")
        guard let id = try await knownDestinationID(destination) else { return nil }
        // The destination as a constant, so that the planner walks `contact_to_verify` (see `claimSQL`). Contacts a live
        // look holds are not among the next look's.
        // Those held come after the others, due when their hold ends (`LookFill.combining`).
        let row = try await rows(
            """
            WITH first AS (
                SELECT available_at FROM contact
                WHERE destination_id = $1 AND state IN (\(StateCode.accepted), \(StateCode.unknown))
                    AND NOT EXISTS (SELECT 1 FROM batch h WHERE h.id = contact.batch_id AND h.look_until >= $3)
                ORDER BY available_at LIMIT $2),
            held AS (
                SELECT count(*) AS n, max(h.look_until) AS until FROM batch h JOIN contact c ON c.batch_id = h.id
                WHERE h.look_by IS NOT NULL AND h.look_until >= $3 AND h.destination_id = $1
                    AND c.state IN (\(StateCode.accepted), \(StateCode.unknown)))
            SELECT (SELECT count(*) FROM first), (SELECT max(available_at) FROM first), held.n, held.until FROM held
            """, [id, Int64(count), clock.nowMillis()]
        ).first
        guard let row else { return nil }
        return LookFill.combining(
            free: Int(try row[0].decode(Int64.self)), freeDueAt: try row[1].decode(Int64?.self),
            held: Int(try row[2].decode(Int64.self)), heldUntil: try row[3].decode(Int64?.self), count: count)
    }

    /// The next look's time: the first along `contact_to_verify` unless a live look holds it, then the first not due yet
    /// or the end of the earliest hold (two index seeks, not a walk over the held contacts).
    public func pendingWork(destination: String) async throws -> PendingWork {
        let row = try await rows(
            """
            SELECT d.id,
                   (SELECT MIN(available_at) FROM contact WHERE destination_id = d.id AND state = \(StateCode.queued)),
                   EXISTS (SELECT 1 FROM batch WHERE destination_id = d.id AND state = \(StateCode.batchOpen)),
                   (SELECT CASE
                        WHEN NOT EXISTS (SELECT 1 FROM batch h WHERE h.id = head.batch_id AND h.look_until >= $2) THEN head.available_at
                        ELSE LEAST(
                            (SELECT MIN(available_at) FROM contact
                             WHERE destination_id = d.id AND state IN (\(StateCode.accepted), \(StateCode.unknown)) AND available_at > $2),
                            (SELECT MIN(look_until) + 1 FROM batch
                             WHERE look_by IS NOT NULL AND destination_id = d.id AND look_until >= $2))
                        END
                    FROM (SELECT available_at, batch_id FROM contact
                          WHERE destination_id = d.id AND state IN (\(StateCode.accepted), \(StateCode.unknown))
                          ORDER BY available_at LIMIT 1) AS head),
                   (SELECT COALESCE(SUM(n), 0) > 0 FROM contact_count
                    WHERE destination_id = d.id AND state IN (\(StateCode.claimed), \(StateCode.sending))),
                   EXISTS (SELECT 1 FROM contact WHERE destination_id = d.id AND state IN (\(StateCode.accepted), \(StateCode.unknown)))
            FROM destination d WHERE d.name = $1
            """, [destination, clock.nowMillis()]
        ).first
        guard let row else { return PendingWork(queued: false, leased: false, awaitingVerification: false, nextReadyAt: nil) }
        let next = try row[1].decode(Int64?.self)
        let verifyAt = try row[3].decode(Int64?.self)
        return PendingWork(
            queued: next != nil, leased: try row[2].decode(Bool.self), awaitingVerification: try row[5].decode(Bool.self),
            nextReadyAt: next,
            nextVerifyAt: verifyAt, sending: try row[4].decode(Bool.self))
    }
}
