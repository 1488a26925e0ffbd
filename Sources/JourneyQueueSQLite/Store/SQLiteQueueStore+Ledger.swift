import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func finishAttempt(_ result: AttemptResult) async throws {
        try await pool.write { db in try Self.recordResult(db, result, compress: compressLedger) }
    }

    public func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64 {
        try await pool.write { db in
            let destinationID = try Self.destinationID(db, name: destination, kind: nil, now: clock.nowMillis())
            let body = LedgerCompression.stored(LedgerBody.bounded(attempt.requestBody), compress: compressLedger)
            try db.cachedStatement(sql: """
                INSERT INTO attempt(destination_id, batch_id, purpose, method, url, request_body, request_zip, request_size, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [destinationID, batchID, attempt.purpose.rawValue, attempt.method, attempt.url, body.text, body.zip, body.size,
                                         attempt.startedAt])
            var finished = result
            finished.attemptID = db.lastInsertedRowID
            try Self.recordResult(db, finished, compress: compressLedger)
            return finished.attemptID
        }
    }

    public func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws {
        try await pool.write { db in
            _ = try Self.checkLease(db, lease, now: clock.nowMillis())
            try db.execute(sql: "UPDATE batch SET remote_id = ? WHERE id = ?", arguments: [remoteID, lease.batchID])
            try db.execute(sql: "UPDATE contact SET request_id = ? WHERE batch_id = ? AND state IN (\(SQLState.claimed), \(SQLState.sending))", arguments: [remoteID, lease.batchID])
        }
    }

    public func pendingWork(destination: String) async throws -> PendingWork {
        try await pool.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM destination WHERE name = ?", arguments: [destination]) else {
                return PendingWork(queued: false, leased: false, awaitingVerification: false, nextReadyAt: nil)
            }
            let next = try Int64.fetchOne(db, sql: "SELECT MIN(available_at) FROM contact WHERE destination_id = ? AND state = \(SQLState.queued)", arguments: [id])
            let leased = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM batch WHERE destination_id = ? AND state = \(SQLState.batchOpen))", arguments: [id]) ?? false
            let verifyAt = try Int64.fetchOne(db, sql: "SELECT MIN(available_at) FROM contact WHERE destination_id = ? AND state IN (\(SQLState.accepted), \(SQLState.unknown))", arguments: [id])
            return PendingWork(queued: next != nil, leased: leased, awaitingVerification: verifyAt != nil, nextReadyAt: next, nextVerifyAt: verifyAt)
        }
    }
}
