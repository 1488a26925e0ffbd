import GRDB
import JourneyQueue

extension SQLiteQueueStore: CopySource {
    /// Pages are read asynchronously from one snapshot (a read transaction kept open on a connection of its own until
    /// the copy ends), so that the copy sees one state of the queue while it awaits the target between pages.
    public func withSnapshot<T>(_ body: (any CopyReader) async throws -> T) async throws -> T {
        try await body(SQLiteCopyReader(snapshot: try pool.makeSnapshot()))
    }

    public func liveLeases(now: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM batch WHERE state = \(StateCode.batchOpen) AND lease_until >= ?", arguments: [now]) ?? 0
        }
    }
}

/// Reads tables of one snapshot.
struct SQLiteCopyReader: CopyReader {
    let snapshot: DatabaseSnapshot

    func read(_ table: CopyTable, page: Int, _ each: ([[CopyValue]]) async throws -> Void) async throws {
        // The ledger is read through its view: compressed bodies come out as text.
        let source = table.name == "attempt" ? "attempt_text" : table.name
        let names = table.columns.map(\.name).joined(separator: ", ")
        var after: Int64 = .min
        var offset = 0
        while true {
            // Identity tables page by key (each page costs the same); the few others (idempotency keys, webhook
            // endpoints) by offset in their key's order.
            let (from, offsetNow) = (after, offset)
            let rows = try await snapshot.read { db in
                try
                    (table.hasIdentity
                    ? Row.fetchAll(db, sql: "SELECT \(names) FROM \(source) WHERE id > ? ORDER BY id LIMIT ?", arguments: [from, page])
                    : Row.fetchAll(
                        db, sql: "SELECT \(names) FROM \(source) ORDER BY \(table.order) LIMIT ? OFFSET ?", arguments: [page, offsetNow]))
                    .map { row in row.databaseValues.map(Self.value) }
            }
            guard let last = rows.last else { return }
            try await each(rows)
            if table.hasIdentity, case .integer(let id) = last[0] { after = id } else { offset += rows.count }
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
