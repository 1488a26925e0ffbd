import GRDB

/// The schema's migrator, built from the embedded migrations/ files.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in embeddedMigrations {
            let sql = migration.sql
            let identifier = migration.identifier
            migrator.registerMigration(identifier) { db in
                try db.execute(sql: sql)
                if identifier == "0007_schedule" { try widenContactStateCheck(db) }
            }
        }
        return migrator
    }

    /// Lets the contact table hold state 8 (`expired`). SQLite cannot alter a CHECK constraint; its documented way to
    /// loosen one whose rows all satisfy the looser rule is to edit the table's definition in the schema table and bump
    /// the schema version, so that every connection reloads it (https://sqlite.org/lang_altertable.html, "otheralter").
    /// Rebuilding the table instead would rewrite every contact of a queue that may hold millions.
    static func widenContactStateCheck(_ db: Database) throws {
        let old = "CHECK (state BETWEEN 0 AND 7)"
        let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'contact'") ?? ""
        guard definition.contains(old) else { return }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        defer { try? db.execute(sql: "PRAGMA writable_schema = OFF") }
        try db.execute(
            sql: "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'contact'",
            arguments: [old, "CHECK (state BETWEEN 0 AND 8)"])
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
    }

    /// Identifiers the database has applied that this binary does not know.
    static func unknownMigrations(_ db: Database) throws -> [String] {
        let known = Set(embeddedMigrations.map(\.identifier))
        return try migrator.appliedIdentifiers(db).subtracting(known).sorted()
    }
}
