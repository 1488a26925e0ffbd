import JourneyQueue
import PostgresNIO

extension PostgresQueueStore: CopyTarget {
    public func rowCount() throws -> Int {
        try bridge.run {
            try await self.rows(
                """
                SELECT (SELECT COUNT(*) FROM destination) + (SELECT COUNT(*) FROM contact) + (SELECT COUNT(*) FROM batch)
                     + (SELECT COUNT(*) FROM attempt) + (SELECT COUNT(*) FROM idempotency_key) + (SELECT COUNT(*) FROM event)
                     + (SELECT COUNT(*) FROM webhook_endpoint)
                """)[0][0].decode(Int.self)
        }
    }

    /// One transaction on a connection of its own (the source is read synchronously between inserts); identities are
    /// taken as given and their sequences moved past them before the commit.
    public func withTransaction(_ body: (any CopyWriter) throws -> Void) throws {
        let connection = try dedicated.beginDurable(bridge: bridge)
        var reusable = false
        defer { dedicated.giveBack(connection, reusable: reusable) }
        do {
            try body(PostgresCopyWriter(store: self, connection: connection))
            try bridge.run {
                // The counters (the send window's count too) move with the inserted contacts, by their own triggers.
                // The copied events sort by this transaction; the endpoints' positions among them move with them.
                try await self.execute(
                    connection,
                    """
                    UPDATE webhook_endpoint SET cursor_tx = pg_current_xact_id()::text::bigint,
                        pending_tx = CASE WHEN pending_id IS NULL THEN NULL ELSE pg_current_xact_id()::text::bigint END
                    """)
                for table in CopyTable.all where table.hasIdentity {
                    try await self.execute(
                        connection,
                        """
                        SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'),
                                      COALESCE((SELECT MAX(id) FROM \(table.name)), 0) + 1, false)
                        """)
                }
                try await connection.query("COMMIT", logger: self.logger)
            }
            reusable = true
        } catch {
            if (try? bridge.run({ try await connection.query("ROLLBACK", logger: self.logger) })) != nil { reusable = true }
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

    func insert(_ table: CopyTable, _ rows: [[CopyValue]]) throws {
        let json = PostgresQueueStore.json(rows)
        let sql = PostgresQueueStore.insertSQL(table)
        let (store, connection) = (store, connection)
        try store.bridge.run { try await store.execute(connection, sql, [json]) }
    }
}
