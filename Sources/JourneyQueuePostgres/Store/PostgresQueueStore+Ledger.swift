import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func finishAttempt(_ result: AttemptResult) async throws {
        try await transaction { connection in try await self.recordResult(connection, result) }
    }

    public func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64 {
        let now = clock.nowMillis()
        return try await transaction { connection in
            let destinationID = try await self.destinationID(connection, name: destination, kind: nil, now: now)
            let row = try await self.rows(connection, """
                INSERT INTO attempt(destination_id, batch_id, purpose, method, url, request_body, started_at)
                VALUES ($1, $2::bigint, $3, $4, $5, $6, $7) RETURNING id
                """, [destinationID, batchID, attempt.purpose.rawValue, attempt.method, attempt.url, LedgerBody.bounded(attempt.requestBody),
                      attempt.startedAt])
            var finished = result
            finished.attemptID = try row[0][0].decode(Int64.self)
            try await self.recordResult(connection, finished)
            return finished.attemptID
        }
    }

    public func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws {
        let now = clock.nowMillis()
        try await transaction { connection in
            _ = try await self.checkLease(connection, lease, now: now)
            try await self.execute(connection, "UPDATE batch SET remote_id = $1 WHERE id = $2", [remoteID, lease.batchID])
            try await self.execute(connection, """
                UPDATE contact SET request_id = $1 WHERE batch_id = $2 AND state IN (\(SQLState.claimed), \(SQLState.sending))
                """, [remoteID, lease.batchID])
        }
    }

    public func pendingWork(destination: String) async throws -> PendingWork {
        let row = try await rows("""
            SELECT d.id,
                   (SELECT MIN(available_at) FROM contact WHERE destination_id = d.id AND state = \(SQLState.queued)),
                   EXISTS (SELECT 1 FROM batch WHERE destination_id = d.id AND state = \(SQLState.batchOpen)),
                   (SELECT MIN(available_at) FROM contact WHERE destination_id = d.id AND state IN (\(SQLState.accepted), \(SQLState.unknown)))
            FROM destination d WHERE d.name = $1
            """, [destination]).first
        guard let row else { return PendingWork(queued: false, leased: false, awaitingVerification: false, nextReadyAt: nil) }
        let next = try row[1].decode(Int64?.self)
        let verifyAt = try row[3].decode(Int64?.self)
        return PendingWork(queued: next != nil, leased: try row[2].decode(Bool.self), awaitingVerification: verifyAt != nil, nextReadyAt: next,
                           nextVerifyAt: verifyAt)
    }
}
