import GRDB
import JourneyQueue

extension SQLiteQueueStore: CopySource {
    public func withSnapshot<T>(_ body: (any CopyReader) throws -> T) throws -> T {
        try pool.read { db in try body(SQLiteCopyReader(db: db)) }
    }

    public func liveLeases(now: Int64) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM batch WHERE state = \(StateCode.batchOpen) AND lease_until >= ?", arguments: [now]) ?? 0
        }
    }
}

/// Reads tables inside one read transaction.
struct SQLiteCopyReader: CopyReader {
    let db: Database

    func read(_ table: CopyTable, page: Int, _ each: ([[CopyValue]]) throws -> Void) throws {
        // The ledger is read through its view: compressed bodies come out as text.
        let source = table.name == "attempt" ? "attempt_text" : table.name
        let names = table.columns.map(\.name).joined(separator: ", ")
        var after: Int64 = .min
        var offset = 0
        while true {
            // Identity tables page by key (each page costs the same); the few others (idempotency keys, webhook
            // endpoints) by offset in their key's order.
            let rows =
                table.hasIdentity
                ? try Row.fetchAll(db, sql: "SELECT \(names) FROM \(source) WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, page])
                : try Row.fetchAll(
                    db, sql: "SELECT \(names) FROM \(source) ORDER BY \(table.order) LIMIT ? OFFSET ?", arguments: [page, offset])
            guard let last = rows.last else { return }
            try each(rows.map { row in row.databaseValues.map(Self.value) })
            if table.hasIdentity { after = last[0] } else { offset += rows.count }
        }
    }

    private static func value(_ value: DatabaseValue) -> CopyValue {
        switch value.storage {
        case let .int64(number): .integer(number)
        case let .string(text): .text(text)
        case let .double(number): .integer(Int64(number))
        case let .blob(data): .text(String(decoding: data, as: UTF8.self))
        case .null: .null
        }
    }
}
