import GRDB

/// The schema's migrator, built from the embedded migrations/ files.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in embeddedMigrations {
            let sql = migration.sql
            migrator.registerMigration(migration.identifier) { db in
                try db.execute(sql: sql)
            }
        }
        return migrator
    }

    /// Identifiers the database has applied that this binary does not know.
    static func unknownMigrations(_ db: Database) throws -> [String] {
        let known = Set(embeddedMigrations.map(\.identifier))
        return try migrator.appliedIdentifiers(db).subtracting(known).sorted()
    }
}
