import Foundation
import JourneyQueue
import Logging
import PostgresNIO

/// Applies the embedded migrations/postgres files in order, each in its own transaction, under an advisory lock so that
/// daemons starting together migrate once.
enum PostgresMigrations {
    /// The advisory lock's key: "journeyq" in ASCII, as an integer.
    static let lockKey: Int64 = 0x6A6F75726E657971

    /// `upTo` stops after that migration (a test builds a queue as an older journeyq left it).
    static func migrate(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger, upTo: String? = nil) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_lock(\(lockKey))"), logger: logger)
        do {
            try await apply(connection, location: location, logger: logger, upTo: upTo)
            try await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(lockKey))"), logger: logger)
        } catch {
            _ = try? await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(lockKey))"), logger: logger)
            throw error
        }
    }

    private static func apply(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger, upTo: String?) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS journeyq_migration (identifier TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """, logger: logger)
        var applied = Set<String>()
        for try await identifier in try await connection.query("SELECT identifier FROM journeyq_migration", logger: logger).decode(
            String.self)
        {
            applied.insert(identifier)
        }
        let known = Set(embeddedPostgresMigrations.map(\.identifier))
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else { throw StoreError.databaseTooNew(path: location.description, unknownMigrations: unknown) }
        let last =
            upTo.flatMap { id in embeddedPostgresMigrations.firstIndex { $0.identifier == id } } ?? embeddedPostgresMigrations.count - 1
        for migration in embeddedPostgresMigrations[...last] where !applied.contains(migration.identifier) {
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in statements(of: migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO journeyq_migration(identifier) VALUES (\(migration.identifier))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        // Every opening states the lifecycle it was built with (under the lock, once the function exists).
        if applied.union(embeddedPostgresMigrations[...last].map(\.identifier)).contains(lifecycleMigration) {
            try await connection.query(PostgresQuery(unsafeSQL: lifecycleFunction), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: batchLifecycleFunction), logger: logger)
        }
    }

    /// The migration that made the contact triggers ask `contact_move_allowed`.
    static let lifecycleMigration = "0009_report_counters"

    /// The lifecycle (`ContactState.canMove`), as this build defines it: the contact trigger refuses any other move.
    static let lifecycleFunction = """
        CREATE OR REPLACE FUNCTION contact_move_allowed(from_state SMALLINT, to_state SMALLINT) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$ SELECT \(ContactState.allowedMoveSQL(old: "from_state", new: "to_state")) $$
        """

    /// A batch's phases (`BatchPhase.canMove`), as this build defines them.
    static let batchLifecycleFunction = """
        CREATE OR REPLACE FUNCTION batch_move_allowed(from_state SMALLINT, to_state SMALLINT) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$ SELECT \(BatchPhase.allowedMoveSQL(old: "from_state", new: "to_state")) $$
        """

    /// A migration file's statements, one at a time (the extended protocol takes one per query): a statement ends with
    /// a line ending in `;` outside a `$$` function body.
    static func statements(of sql: String) -> [String] {
        var statements: [String] = []
        var current: [Substring] = []
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if current.isEmpty && (trimmed.isEmpty || trimmed.hasPrefix("--")) { continue }
            current.append(line)
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody && trimmed.hasSuffix(";") {
                statements.append(current.joined(separator: "\n"))
                current.removeAll()
            }
        }
        if !current.isEmpty { statements.append(current.joined(separator: "\n")) }
        return statements
    }
}
