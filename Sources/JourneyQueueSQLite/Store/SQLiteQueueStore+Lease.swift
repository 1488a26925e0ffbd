import Foundation
import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func claim(destination: String, limit: Int, leaseMillis: Int64) throws -> ClaimedBatch? {
        precondition(limit > 0, "claim limit must be positive")
        var claimed: ClaimedBatch?
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                let now = clock.nowMillis()
                guard let destinationID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM destination WHERE name = ?"), arguments: [destination]) else {
                    return .rollback
                }
                let (batchID, token, until) = try Self.openBatch(db, destinationID: destinationID, now: now, leaseMillis: leaseMillis)
                let rows = try Row.fetchAll(db.cachedStatement(sql: Self.claimSQL), arguments: [batchID, now, destinationID, now, limit])
                guard !rows.isEmpty else { return .rollback }
                try db.cachedStatement(sql: "UPDATE batch SET size = ? WHERE id = ?").execute(arguments: [rows.count, batchID])
                let contacts = rows.map { row in
                    ClaimedContact(id: row[0], key: row[1], dataJSON: row[2], attempts: row[3])
                }.sorted { $0.id < $1.id }
                claimed = ClaimedBatch(lease: Lease(batchID: batchID, token: token, destination: destination, until: until), contacts: contacts)
                return .commit
            }
        }
        return claimed
    }

    /// Inserts an open batch with a fresh lease; the caller fills it in the same transaction.
    static func openBatch(_ db: Database, destinationID: Int64, now: Int64, leaseMillis: Int64) throws -> (id: Int64, token: String, until: Int64) {
        let token = UUID().uuidString
        let until = now + leaseMillis
        try db.cachedStatement(sql: "INSERT INTO batch(destination_id, lease_token, lease_until, size, created_at) VALUES (?, ?, ?, 0, ?)")
            .execute(arguments: [destinationID, token, until, now])
        return (db.lastInsertedRowID, token, until)
    }

    /// The claim: one statement, attempt counted in it. Pinned by a query-plan test.
    static let claimSQL = """
        UPDATE contact SET state = 1, batch_id = ?, attempts = attempts + 1, updated_at = ?
        WHERE id IN (
            SELECT id FROM contact
            WHERE destination_id = ? AND state = 0 AND available_at <= ?
            ORDER BY available_at
            LIMIT ?)
        RETURNING id, contact_key, data, attempts
        """

    public func renewLease(_ lease: Lease, leaseMillis: Int64) throws -> Lease {
        try pool.write { db in
            let now = clock.nowMillis()
            let until = now + leaseMillis
            try db.execute(sql: """
                UPDATE batch SET lease_until = ? WHERE id = ? AND lease_token = ? AND state = 0 AND lease_until >= ?
                """, arguments: [until, lease.batchID, lease.token, now])
            guard db.changesCount == 1 else { throw StoreError.leaseLost(batchID: lease.batchID) }
            var renewed = lease
            renewed.until = until
            return renewed
        }
    }

    /// Throws `leaseLost` unless `lease` is the batch's current, unexpired, open lease.
    static func checkLease(_ db: Database, _ lease: Lease, now: Int64) throws -> Int64 {
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT lease_token, lease_until, state, destination_id FROM batch WHERE id = ?"),
                                   arguments: [lease.batchID])
        guard let row, (row[0] as String) == lease.token, (row[1] as Int64) >= now, (row[2] as Int64) == 0 else {
            throw StoreError.leaseLost(batchID: lease.batchID)
        }
        return row[3]
    }

    public func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) throws -> Int64 {
        try pool.write { db in
            let now = clock.nowMillis()
            let destinationID = try Self.checkLease(db, lease, now: now)
            let number = try Int.fetchOne(db, sql: "SELECT MAX(attempts) FROM contact WHERE batch_id = ?", arguments: [lease.batchID]) ?? 1
            try db.execute(sql: """
                INSERT INTO attempt(destination_id, batch_id, purpose, attempt_number, method, url, request_body, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [destinationID, lease.batchID, attempt.purpose.rawValue, number, attempt.method, attempt.url,
                                 attempt.requestBody, attempt.startedAt])
            let id = db.lastInsertedRowID
            try db.execute(sql: "UPDATE contact SET state = 2, updated_at = ? WHERE batch_id = ? AND state = 1",
                           arguments: [now, lease.batchID])
            return id
        }
    }

    public func recoverExpiredLeases() throws -> RecoverySummary {
        try pool.write { db in
            let now = clock.nowMillis()
            let batches = try Int64.fetchAll(db, sql: "SELECT id FROM batch WHERE state = 0 AND lease_until < ?", arguments: [now])
            var summary = RecoverySummary(batches: batches.count)
            for batchID in batches {
                // Claimed but never sent: the claim's attempt is given back.
                try db.execute(sql: """
                    UPDATE contact SET state = 0, attempts = attempts - 1, available_at = ?, updated_at = ?
                    WHERE batch_id = ? AND state = 1
                    """, arguments: [now, now, batchID])
                summary.requeued += db.changesCount
                // Written ahead but never answered: the request may have been taken.
                try db.execute(sql: """
                    UPDATE contact SET state = 4, available_at = ?, updated_at = ?,
                        last_error = 'lease expired while the request was in flight (worker died or stalled)'
                    WHERE batch_id = ? AND state = 2
                    """, arguments: [now, now, batchID])
                summary.madeUnknown += db.changesCount
                try db.execute(sql: "UPDATE batch SET state = 2, closed_at = ? WHERE id = ?", arguments: [now, batchID])
                try db.execute(sql: """
                    UPDATE attempt SET error_class = 'abandoned', finished_at = ? WHERE batch_id = ? AND finished_at IS NULL
                    """, arguments: [now, batchID])
            }
            return summary
        }
    }
}
