import GRDB
import JourneyQueue

/// What one prune removed.
public struct PruneSummary: Sendable, Equatable {
    public var contacts = 0
    public var attempts = 0
    public var batches = 0

    public init(contacts: Int = 0, attempts: Int = 0, batches: Int = 0) {
        self.contacts = contacts
        self.attempts = attempts
        self.batches = batches
    }
}

extension SQLiteQueueStore {
    /// Deletes contacts in a final state last changed before `cutoff`, ledger rows started before it, and closed batches
    /// nothing refers to any more, in transactions of at most `chunk` rows so that the daemon is never held up for long.
    /// Live contacts, their batches and the ledger rows of those batches are never touched.
    public func prune(before cutoff: Int64, chunk: Int = 5_000) throws -> PruneSummary {
        var summary = PruneSummary()
        func repeatChunks(_ sql: String, _ count: inout Int) throws {
            while true {
                let deleted = try pool.write { db in
                    try db.execute(sql: sql, arguments: [cutoff, chunk])
                    return db.changesCount
                }
                count += deleted
                if deleted < chunk { break }
            }
        }
        try repeatChunks("""
            DELETE FROM contact WHERE id IN (SELECT id FROM contact WHERE state >= 5 AND updated_at < ?1 LIMIT ?2)
            """, &summary.contacts)
        try repeatChunks("""
            DELETE FROM attempt WHERE id IN (
                SELECT a.id FROM attempt a WHERE a.started_at < ?1 AND a.finished_at IS NOT NULL
                  AND (a.batch_id IS NULL OR NOT EXISTS (SELECT 1 FROM contact c WHERE c.batch_id = a.batch_id AND c.state < 5))
                LIMIT ?2)
            """, &summary.attempts)
        try repeatChunks("""
            DELETE FROM batch WHERE id IN (
                SELECT b.id FROM batch b WHERE b.state <> 0 AND b.created_at < ?1
                  AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.batch_id = b.id)
                  AND NOT EXISTS (SELECT 1 FROM attempt a WHERE a.batch_id = b.id)
                LIMIT ?2)
            """, &summary.batches)
        try checkpoint(passive: true)
        return summary
    }
}
