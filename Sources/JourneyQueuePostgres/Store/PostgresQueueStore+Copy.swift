import JourneyQueue
import PostgresNIO

extension PostgresQueueStore: CopyTarget {
    public func rowCount() async throws -> Int {
        try await rows(
            """
            SELECT (SELECT COUNT(*) FROM destination) + (SELECT COUNT(*) FROM contact) + (SELECT COUNT(*) FROM batch)
                 + (SELECT COUNT(*) FROM attempt) + (SELECT COUNT(*) FROM idempotency_key) + (SELECT COUNT(*) FROM event)
                 + (SELECT COUNT(*) FROM webhook_endpoint)
            """)[0][0].decode(Int.self)
    }

    /// One transaction on a pooled connection, its commit waiting for the disk; identities are taken as given and their
    /// sequences moved past them before the commit.
    public func withTransaction(_ body: (any CopyWriter) async throws -> Void) async throws {
        do {
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query("SET LOCAL synchronous_commit = on", logger: logger)
                    try await body(PostgresCopyWriter(store: self, connection: connection))
                    // The counters (the send window's count too) move with the inserted contacts, by their own triggers.
                    // The copied events sort by this transaction; the endpoints' positions among them move with them.
                    try await execute(
                        connection,
                        """
                        UPDATE webhook_endpoint SET cursor_tx = pg_current_xact_id()::text::bigint,
                            pending_tx = CASE WHEN pending_id IS NULL THEN NULL ELSE pg_current_xact_id()::text::bigint END
                        """)
                    for table in CopyTable.all where table.hasIdentity {
                        try await execute(
                            connection,
                            """
                            SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'),
                                          COALESCE((SELECT MAX(id) FROM \(table.name)), 0) + 1, false)
                            """)
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw PostgresStoreError.wrap(error, doing: "copy")
        }
    }

    /// An INSERT that reads a page of rows from one JSON array of arrays, each value cast to its column's type.
    static func insertSQL(_ table: CopyTable) -> String {
        let names = table.columns.map(\.name).joined(separator: ", ")
        let values = table.columns.enumerated().map { index, column in
            column.isInteger ? "(r.v ->> \(index))::bigint" : "r.v ->> \(index)"
        }.joined(separator: ", ")
        return """
            INSERT INTO \(table.name)(\(names)) \(table.hasIdentity ? "OVERRIDING SYSTEM VALUE " : "")
            SELECT \(values) FROM jsonb_array_elements($1::text::jsonb) AS r(v)
            """
    }

    static func json(_ rows: [[CopyValue]]) -> String {
        var out = "["
        for (index, row) in rows.enumerated() {
            if index > 0 { out += "," }
            out += "["
            for (column, value) in row.enumerated() {
                if column > 0 { out += "," }
                switch value {
                case let .integer(number): out += String(number)
                case let .text(text): out += JSONText.string(text)
                case .null: out += "null"
                }
            }
            out += "]"
        }
        return out + "]"
    }
}

/// Inserts pages of rows on the copy's connection.
struct PostgresCopyWriter: CopyWriter {
    let store: PostgresQueueStore
    let connection: PostgresConnection

    func insert(_ table: CopyTable, _ rows: [[CopyValue]]) async throws {
        try await store.execute(connection, PostgresQueueStore.insertSQL(table), [PostgresQueueStore.json(rows)])
    }
}
