import Foundation
import JourneyQueue
import PostgresNIO

extension PostgresQueueStore {
    /// One transaction on a connection of its own, reading the sequence as it goes: contacts go in groups of
    /// `PostgresEnqueueGroup.size`, the idempotency record with the last of them. A producer may delete its file once
    /// enqueue returns, so this commit waits for the disk. (A pipe is read to its end before: see `Enqueuer`.)
    public func enqueue<Records: AsyncSequence>(destination: String, idempotency: IdempotencyRecord?, records: Records) async throws
        -> EnqueueSummary where Records.Element == ContactRecord
    {
        // A connection that fails before its transaction began (the server restarting) has read no record: a fresh
        // one is tried, once.
        for attempt in 1...2 {
            do {
                return try await enqueueOnce(destination: destination, idempotency: idempotency, records: records)
            } catch let failure as EnqueueNotStarted where attempt == 1 {
                logger.notice(
                    "enqueue: the connection failed before the transaction began; trying a fresh one",
                    metadata: ["error": "\(failure.underlying)"])
            } catch let failure as EnqueueNotStarted {
                throw PostgresStoreError.wrap(failure.underlying, doing: "enqueue")
            } catch let error as PSQLError {
                // The producer's own errors (a rejected file, a bad record) reach the caller as they are.
                throw PostgresStoreError.wrap(error, doing: "enqueue")
            }
        }
        throw PostgresStoreError(operation: "enqueue", sqlState: nil, message: "no connection")
    }

    /// One try of `enqueue`, on a connection of its own, opened for it and closed after: not one of the pool's, whose
    /// connections the server may have ended meanwhile (the pool notices late, and a lease taken then was seen to wait
    /// for ever), and whose connections the daemon's loops need while a long enqueue holds its transaction.
    private func enqueueOnce<Records: AsyncSequence>(destination: String, idempotency: IdempotencyRecord?, records: Records)
        async throws -> EnqueueSummary where Records.Element == ContactRecord
    {
        let now = clock.nowMillis()
        let connection: PostgresConnection
        let destinationID: Int64
        do {
            connection = try await PostgresConnection.connect(
                configuration: try location.connectionConfiguration(), id: Self.enqueueConnectionID, logger: logger)
        } catch {
            throw EnqueueNotStarted(underlying: error)
        }
        do {
            do {
                try await connection.query("BEGIN", logger: logger)
                try await connection.query("SET LOCAL synchronous_commit = on", logger: logger)
                destinationID = try await self.destinationID(connection, name: destination, kind: nil, now: now)
            } catch {
                throw EnqueueNotStarted(underlying: error)
            }
            var group = PostgresEnqueueGroup(destinationID: destinationID, now: now)
            for try await record in records {
                group.add(record)
                if group.isFull { try await group.flush(self, connection) }
            }
            try await group.flush(self, connection)
            let summary = EnqueueSummary(enqueued: group.inserted, duplicates: group.duplicates)
            if let idempotency {
                do {
                    try await execute(
                        connection, "INSERT INTO idempotency_key(destination_id, key, response, created_at) VALUES ($1, $2, $3, $4)",
                        [destinationID, idempotency.key, idempotency.response(summary), now])
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                    // Another request with the same key won: this one rolls back whole.
                    throw StoreError.duplicateIdempotencyKey(idempotency.key)
                }
            }
            try await connection.query("COMMIT", logger: logger)
            try? await connection.close()
            return summary
        } catch {
            // Closing the connection rolls back whatever the transaction wrote.
            try? await connection.close()
            throw error
        }
    }

    /// The id enqueue connections carry in the driver's logs (the pool numbers its own from 0).
    static let enqueueConnectionID = 1_000_000

    public func idempotentResponse(destination: String, key: String) async throws -> String? {
        try await rows(
            """
            SELECT i.response FROM idempotency_key i JOIN destination d ON d.id = i.destination_id WHERE d.name = $1 AND i.key = $2
            """, [destination, key]
        ).first?[0].decode(String.self)
    }
}

/// Collects contacts and inserts them a group at a time inside the enqueue transaction; a duplicate live key is
/// skipped by the partial unique index.
struct PostgresEnqueueGroup {
    /// Contacts per INSERT: one round trip each, arrays bound as two parameters.
    static let size = 2_000

    let destinationID: Int64
    let now: Int64
    var keys: [String] = []
    var data: [String] = []
    /// Each record's limits, 0 for none (PostgresNIO binds no arrays of optionals).
    var notBefore: [Int64] = []
    var notAfter: [Int64] = []
    var inserted = 0
    var duplicates = 0

    var isFull: Bool { keys.count >= Self.size }

    mutating func add(_ record: ContactRecord) {
        keys.append(record.key)
        data.append(record.dataJSON)
        notBefore.append(record.notBefore ?? 0)
        notAfter.append(record.notAfter ?? 0)
    }

    mutating func flush(_ store: PostgresQueueStore, _ connection: PostgresConnection) async throws {
        guard !keys.isEmpty else { return }
        let written =
            try await store.rows(
                connection,
                """
                WITH ins AS (
                    INSERT INTO contact(destination_id, contact_key, data, available_at, enqueued_at, updated_at, not_before, not_after,
                                        wait_cause)
                    SELECT $1, t.k, t.d, GREATEST($4, t.nb), $4, $4, NULLIF(t.nb, 0), NULLIF(t.na, 0),
                           CASE WHEN t.nb > $4 THEN \(StateCode.waitNotBefore) END
                    FROM unnest($2::text[], $3::text[], $5::bigint[], $6::bigint[]) WITH ORDINALITY AS t(k, d, nb, na, o) ORDER BY t.o
                    ON CONFLICT (destination_id, contact_key) WHERE state < \(StateCode.firstFinal) DO NOTHING
                    RETURNING 1)
                SELECT count(*) FROM ins
                """, [destinationID, keys, data, now, notBefore, notAfter]
            ).first?[0].decode(Int.self) ?? 0
        inserted += written
        duplicates += keys.count - written
        keys.removeAll(keepingCapacity: true)
        data.removeAll(keepingCapacity: true)
        notBefore.removeAll(keepingCapacity: true)
        notAfter.removeAll(keepingCapacity: true)
    }
}

/// The enqueue's transaction did not begin (nothing was read from its records): it may be tried again.
struct EnqueueNotStarted: Error {
    let underlying: any Error
}
