import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func pruneStep(contactsBefore: Int64?, ledgerBefore: Int64?, idempotencyBefore: Int64?, limit: Int) async throws -> PruneSummary
    {
        var summary = PruneSummary()
        // One transaction per kind: each holds the write lock for at most `limit` deletions.
        if let contactsBefore {
            summary.contacts = try await pool.write { db in
                try db.execute(
                    sql: """
                        DELETE FROM contact WHERE id IN (SELECT id FROM contact WHERE state >= ?1 AND updated_at < ?2 LIMIT ?3)
                        """, arguments: [ContactState.confirmed.rawValue, contactsBefore, limit])
                return db.changesCount
            }
        }
        if let ledgerBefore {
            summary.attempts = try await pool.write { db in
                try db.execute(
                    sql: """
                        DELETE FROM attempt WHERE id IN (
                            SELECT a.id FROM attempt a WHERE a.started_at < ?1 AND a.finished_at IS NOT NULL
                              AND (a.batch_id IS NULL OR NOT EXISTS (SELECT 1 FROM contact c
                                  WHERE c.batch_id = a.batch_id AND c.state < ?3))
                            LIMIT ?2)
                        """, arguments: [ledgerBefore, limit, ContactState.confirmed.rawValue])
                return db.changesCount
            }
        }
        if let ledgerBefore {
            summary.events = try await pool.write { db in try Self.pruneEvents(db, before: ledgerBefore, limit: limit) }
        }
        if let idempotencyBefore {
            summary.idempotencyKeys = try await pool.write { db in
                try db.execute(
                    sql: """
                        DELETE FROM idempotency_key WHERE (destination_id, key) IN (
                            SELECT destination_id, key FROM idempotency_key WHERE created_at < ?1 LIMIT ?2)
                        """, arguments: [idempotencyBefore, limit])
                return db.changesCount
            }
        }
        if let cutoff = [contactsBefore, ledgerBefore].compactMap({ $0 }).min() {
            summary.batches = try await pool.write { db in
                try db.execute(
                    sql: """
                        DELETE FROM batch WHERE id IN (
                            SELECT b.id FROM batch b WHERE b.state <> \(StateCode.batchOpen) AND b.created_at < ?1
                              AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.batch_id = b.id)
                              AND NOT EXISTS (SELECT 1 FROM attempt a WHERE a.batch_id = b.id)
                            LIMIT ?2)
                        """, arguments: [cutoff, limit])
                return db.changesCount
            }
        }
        return summary
    }
}
