import ArgumentParser
import JourneyQueuePostgres
import JourneyQueueSQLite

/// `journeyq backup FILE`: a consistent copy of the queue while the daemon works.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent copy of the database to FILE (created 0600) while the daemon keeps working.",
        discussion:
            "To restore: stop every journeyq process on the database, move the backup into its place (no -wal or -shm file beside it), "
            + "start again. Contacts sending at the time of the backup come back as unknown and are looked for, never blindly re-sent."
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The backup file to create; it must not exist.")
    var file: String

    func run() throws {
        guard !PostgresLocation.isURL(database.location) else {
            throw CLIFailure.runtime(
                "journeyq: backup copies a SQLite file; back up a PostgreSQL queue with the server's own tools "
                    + "(pg_dump, or a base backup with WAL archiving)"
            )
        }
        let store: SQLiteQueueStore
        do {
            store = try SQLiteQueueStore(path: database.location, allowMoved: true)
        } catch {
            throw DatabaseOptions.openFailure(error, printable: database.printable)
        }
        do {
            let bytes = try store.backup(to: file)
            print("backup written: \(file) (\(bytes) bytes)")
        } catch let failure as BackupError {
            throw CLIFailure.runtime("journeyq: backup: \(failure)")
        }
    }
}
