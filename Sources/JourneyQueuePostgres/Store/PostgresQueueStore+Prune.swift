import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    public func pruneStep(contactsBefore: Int64?, ledgerBefore: Int64?, idempotencyBefore: Int64?, limit: Int) async throws -> PruneSummary
    {
        var summary = PruneSummary()
        // One transaction per kind: each holds its locks for at most `limit` deletions.
        if let contactsBefore {
            summary.contacts = try await transaction { connection in
                try await self.count(
                    connection,
                    """
                    DELETE FROM contact WHERE id IN (
                        SELECT id FROM contact WHERE state >= \(StateCode.firstFinal) AND updated_at < $1 LIMIT $2)
                    """, [contactsBefore, limit])
            }
        }
        if let ledgerBefore {
            summary.attempts = try await transaction { connection in
                try await self.count(
                    connection,
                    """
                    DELETE FROM attempt WHERE id IN (
                        SELECT a.id FROM attempt a WHERE a.started_at < $1 AND a.finished_at IS NOT NULL
                          AND (a.batch_id IS NULL OR NOT EXISTS (SELECT 1 FROM contact c
                              WHERE c.batch_id = a.batch_id AND c.state < \(StateCode.firstFinal)))
                        LIMIT $2)
                    """, [ledgerBefore, limit])
            }
        }
        if let ledgerBefore {
            summary.events = try await transaction { connection in
                // Only what every configured endpoint has been told of.
                try await self.count(
                    connection,
                    """
                    DELETE FROM event WHERE id IN (
                        SELECT e.id FROM event e WHERE e.at < $1
                          AND NOT EXISTS (SELECT 1 FROM webhook_endpoint w
                              WHERE w.retired_at IS NULL AND (e.tx, e.id) > (w.cursor_tx, w.cursor_id))
                        LIMIT $2)
                    """, [ledgerBefore, limit])
            }
        }
        if let idempotencyBefore {
            summary.idempotencyKeys = try await transaction { connection in
                try await self.count(
                    connection,
                    """
                    DELETE FROM idempotency_key WHERE (destination_id, key) IN (
                        SELECT destination_id, key FROM idempotency_key WHERE created_at < $1 LIMIT $2)
                    """, [idempotencyBefore, limit])
            }
        }
        if let cutoff = [contactsBefore, ledgerBefore].compactMap({ $0 }).min() {
            summary.batches = try await transaction { connection in
                try await self.count(
                    connection,
                    """
                    DELETE FROM batch WHERE id IN (
                        SELECT b.id FROM batch b WHERE b.state <> \(StateCode.batchOpen) AND b.created_at < $1
                          AND NOT EXISTS (SELECT 1 FROM contact c WHERE c.batch_id = b.id)
                          AND NOT EXISTS (SELECT 1 FROM attempt a WHERE a.batch_id = b.id)
                        LIMIT $2
                        FOR UPDATE SKIP LOCKED)
                    """, [cutoff, limit])
            }
        }
        return summary
    }
}
