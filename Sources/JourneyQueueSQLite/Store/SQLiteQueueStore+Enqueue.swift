import GRDB
import JourneyQueue

extension SQLiteQueueStore {
    public func enqueue(destination: String, _ produce: (inout any EnqueueSink) throws -> Void) throws -> EnqueueSummary {
        try pool.write { db in
            let now = clock.nowMillis()
            let destinationID = try Self.destinationID(db, name: destination, kind: nil, now: now)
            let statement = try db.cachedStatement(sql: """
                INSERT INTO contact(destination_id, contact_key, data, available_at, enqueued_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(destination_id, contact_key) WHERE state < 5 DO NOTHING
                """)
            var sink: any EnqueueSink = SQLiteEnqueueSink(db: db, statement: statement, destinationID: destinationID, now: now)
            try produce(&sink)
            let done = sink as! SQLiteEnqueueSink
            return EnqueueSummary(enqueued: done.inserted, duplicates: done.duplicates)
        }
    }
}

/// Inserts inside the enqueue transaction; a duplicate live key is skipped by the partial unique index.
struct SQLiteEnqueueSink: EnqueueSink {
    let db: Database
    let statement: Statement
    let destinationID: Int64
    let now: Int64
    var inserted = 0
    var duplicates = 0

    mutating func add(_ record: ContactRecord) throws -> Bool {
        statement.setUncheckedArguments([destinationID, record.key, record.dataJSON, now, now, now])
        try statement.execute()
        if db.changesCount == 1 {
            inserted += 1
            return true
        }
        duplicates += 1
        return false
    }
}
