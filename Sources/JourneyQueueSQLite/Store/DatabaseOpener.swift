import Foundation
import GRDB
import JourneyQueue

/// Opens (creating if needed) a journeyq database file with the settings docs/ARCHITECTURE.md asks for.
enum DatabaseOpener {
    static func open(path: String, busyTimeout: TimeInterval, profile: StatementProfile? = nil) throws -> DatabasePool {
        try createOwnerOnly(path: path)
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "journeyq"
        config.prepareDatabase { db in
            db.add(function: LedgerCompression.sqlarUncompress)
            // The queue tolerates losing the last commits on power loss (work is re-derived from
            // leases and the write-ahead ledger), not on a process crash; WAL + NORMAL is durable for the latter.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            // Multi-row claims and settles need a statement journal; on disk it cost an open, write
            // and unlink per transaction (measured with strace on the claim + settle benchmark).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // Deleted and overwritten content is zeroed, not left in free space: after an erasure on request (and after
            // retention), no byte of a person's data stays in the file, or (once checkpointed) in the WAL.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            if let profile {
                db.trace(options: .profile) { event in
                    if case let .profile(statement, duration) = event { profile.record(statement.sql, seconds: duration) }
                }
            }
        }
        let pool = try DatabasePool(path: path, configuration: config)
        let unknown = try pool.read { db in try Migrations.unknownMigrations(db) }
        guard unknown.isEmpty else { throw StoreError.databaseTooNew(path: path, unknownMigrations: unknown) }
        try Migrations.migrator.migrate(pool)
        try LifecycleGuard.install(on: pool)
        return pool
    }

    /// Creates the file readable by its owner only, before SQLite creates it with the umask's mode.
    private static func createOwnerOnly(path: String) throws {
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 { close(fd); return }
        guard errno == EEXIST else { throw DatabaseFileError.cannotCreate(path: path, errno: errno) }
    }
}

/// The database file cannot be created.
public enum DatabaseFileError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .cannotCreate(path, code): "\(path): cannot create the database file (\(String(cString: strerror(code))))"
        }
    }
}
