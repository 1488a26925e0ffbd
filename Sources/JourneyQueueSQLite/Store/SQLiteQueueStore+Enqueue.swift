import GRDB
import GRDBSQLite
import JourneyQueue

extension SQLiteQueueStore {
    /// The records are gathered first (`RecordSpool`) and written in one transaction after the sequence ended: SQLite has
    /// one writer, and it is never held while a producer is read. A sequence that throws writes nothing.
    public func enqueue<Records: AsyncSequence>(destination: String, idempotency: IdempotencyRecord?, records: Records) async throws
        -> EnqueueSummary where Records.Element == ContactRecord
    {
        let spool: RecordSpool
        if let gathered = records as? RecordSpool {
            spool = gathered
        } else {
            spool = RecordSpool()
            for try await record in records { try spool.append(record) }
        }
        return try await pool.write { [clock] db in
            let now = clock.nowMillis()
            let summary = try Self.enqueue(db, destination: destination, now: now, spool)
            guard let idempotency else { return summary }
            let destinationID = try Self.existingDestinationID(db, name: destination)
            do {
                try db.execute(
                    sql: "INSERT INTO idempotency_key(destination_id, key, response, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [destinationID, idempotency.key, idempotency.response(summary), now])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                // Another request with the same key won: this one rolls back whole.
                throw StoreError.duplicateIdempotencyKey(idempotency.key)
            }
            return summary
        }
    }

    public func idempotentResponse(destination: String, key: String) async throws -> String? {
        try await pool.read { db in
            try String.fetchOne(
                db,
                sql: """
                    SELECT i.response FROM idempotency_key i JOIN destination d ON d.id = i.destination_id WHERE d.name = ? AND i.key = ?
                    """, arguments: [destination, key])
        }
    }

    static func enqueue(_ db: Database, destination: String, now: Int64, _ spool: RecordSpool) throws -> EnqueueSummary {
        let destinationID = try Self.destinationID(db, name: destination, kind: nil, now: now)
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO contact(destination_id, contact_key, data, available_at, enqueued_at, updated_at, not_before, not_after,
                                    wait_cause)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(destination_id, contact_key) WHERE state < \(StateCode.firstFinal) DO NOTHING
                """)
        var done = SQLiteEnqueueSink(db: db, statement: statement, destinationID: destinationID, now: now)
        try spool.replay { try done.add($0) }
        // The counter moves in the same transaction, once for all the inserted rows.
        try db.execute(
            sql: """
                INSERT INTO contact_count(destination_id, state, n) VALUES (?, 0, ?)
                ON CONFLICT(destination_id, state) DO UPDATE SET n = n + excluded.n
                """, arguments: [destinationID, done.inserted])
        return EnqueueSummary(enqueued: done.inserted, duplicates: done.duplicates)
    }
}

/// Inserts inside the enqueue transaction; a duplicate live key is skipped by the partial unique index.
///
/// Binds through the C API on GRDB's own connection and statement: boxing six arguments per
/// contact into `StatementArguments` was a fifth of a million-contact enqueue.
struct SQLiteEnqueueSink {
    let db: Database
    let statement: Statement
    let destinationID: Int64
    let now: Int64
    var inserted = 0
    var duplicates = 0

    mutating func add(_ record: ContactRecord) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, destinationID)
        bindText(handle, 2, record.key)
        bindText(handle, 3, record.dataJSON)
        // A contact that may not enter yet waits in the ready index at its `notBefore`: no claim reads it before then.
        let waits = record.notBefore.map { $0 > now } ?? false
        sqlite3_bind_int64(handle, 4, waits ? record.notBefore! : now)
        sqlite3_bind_int64(handle, 5, now)
        sqlite3_bind_int64(handle, 6, now)
        bindOptional(handle, 7, record.notBefore)
        bindOptional(handle, 8, record.notAfter)
        if waits { sqlite3_bind_int64(handle, 9, Int64(StateCode.waitNotBefore)!) } else { sqlite3_bind_null(handle, 9) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
        if sqlite3_changes(db.sqliteConnection) == 1 {
            inserted += 1
        } else {
            duplicates += 1
        }
    }

    private func bindOptional(_ handle: OpaquePointer, _ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    private func bindText(_ handle: OpaquePointer, _ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            // SQLITE_TRANSIENT: SQLite copies the bytes before this closure returns.
            let pointer = UnsafeRawPointer(bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            _ = sqlite3_bind_text(handle, index, pointer, Int32(bytes.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
    }
}
