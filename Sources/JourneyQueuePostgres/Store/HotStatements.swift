import PostgresNIO

/// A statement of the daemon's hot path, parsed and planned by the server once per connection and run by name after.
///
/// Why: sent as text, the claim and the settle were each planned again every time, about 0.6 ms apiece against 1–2 ms
/// of execution for a batch of 100. Named statements let the server keep the plan; after its first five runs it uses
/// a generic plan when that is no dearer (the claim's stays on `contact_ready`, checked with `EXPLAIN EXECUTE`).
/// The parameter types are declared, not inferred from the first run's values: a first run with a NULL would leave
/// a parameter typed by its cast (`$6::int`), which a later 8-byte integer would not fit.
protocol HotStatement: PostgresPreparedStatement where Row == PostgresRandomAccessRow {
    /// The values bound to `$1…`, in order.
    var bindings: PostgresBindings { get }
    init(bindings: PostgresBindings)
}

extension HotStatement {
    /// The statement with `arguments` bound to `$1…` in order; nil binds NULL.
    init(_ arguments: [PostgresQueueStore.Value?]) throws {
        self.init(bindings: try PostgresQueueStore.query("", arguments).binds)
    }

    func makeBindings() throws -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRandomAccessRow { row.makeRandomAccess() }
}

/// `PostgresQueueStore.claimSQL`: destination id, limit, token, lease end, now.
struct ClaimStatement: HotStatement {
    static let sql = PostgresQueueStore.claimSQL
    static let bindingDataTypes: [PostgresDataType] = [.int8, .int8, .text, .int8, .int8]
    var bindings: PostgresBindings
}

/// `PostgresQueueStore.claimVerificationSQL`, with the claim's parameters.
struct ClaimVerificationStatement: HotStatement {
    static let sql = PostgresQueueStore.claimVerificationSQL
    static let bindingDataTypes = ClaimStatement.bindingDataTypes
    var bindings: PostgresBindings
}

/// `PostgresQueueStore.writeAheadSQL`.
struct WriteAheadStatement: HotStatement {
    static let sql = PostgresQueueStore.writeAheadSQL
    static let bindingDataTypes: [PostgresDataType] = [
        .int8, .text, .int8, .text, .text, .text, .text, .int8, .bool, .text, .text, .int8,
    ]
    var bindings: PostgresBindings
}

/// `PostgresQueueStore.settleBatchSQL`.
struct SettleBatchStatement: HotStatement {
    static let sql = PostgresQueueStore.settleBatchSQL
    static let bindingDataTypes: [PostgresDataType] = [
        .text, .int8, .int8, .text, .text, .int8, .text, .text, .int8, .text, .int8, .int8,
    ]
    var bindings: PostgresBindings
}

extension PostgresQueueStore {
    /// Runs a hot statement with `arguments` on a pooled connection, outside any transaction.
    func rows<Statement: HotStatement>(_ statement: Statement.Type, _ arguments: [Value?]) async throws -> [PostgresRandomAccessRow] {
        do {
            let statement = try Statement(arguments)
            return try await client.withConnection { connection in
                do {
                    var rows: [PostgresRandomAccessRow] = []
                    for try await row in try await connection.execute(statement, logger: self.logger) { rows.append(row) }
                    return rows
                } catch let error as PSQLError where error.code == .server {
                    // postgres-nio keeps a failed preparation for the connection's life and answers every later run of
                    // the statement with it, without asking the server (a prepare that waited out `lock_timeout` behind
                    // a migration, or was cancelled). Closed, the connection is replaced by a fresh one.
                    try? await connection.close()
                    throw error
                }
            }
        } catch {
            throw PostgresStoreError.wrap(error, doing: "query")
        }
    }
}
