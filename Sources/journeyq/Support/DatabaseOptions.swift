import ArgumentParser
import Foundation
import JourneyQueue
import JourneyQueuePostgres
import JourneyQueueSQLite

/// `--db`, shared by every command that opens the queue: a SQLite file, or a `postgres://` URL.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The queue: a SQLite file, or postgres://user@host:port/database (also postgresql://) for a fleet on PostgreSQL. "
                + "Default: $JOURNEYQ_DB, else ./journeyq.sqlite.",
            valueName: "file-or-url"))
    var db: String?

    @Flag(
        help:
            "Use a SQLite queue that journeyq copy moved to PostgreSQL as a queue of its own again (only when that queue is gone for good)."
    )
    var reopenMoved = false

    /// The `--db` value, `JOURNEYQ_DB`, or the default file.
    var location: String {
        db ?? ProcessInfo.processInfo.environment["JOURNEYQ_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? "./journeyq.sqlite"
    }

    /// Where the queue is, for people: never with a password.
    var printable: String { PostgresLocation.isURL(location) ? PostgresLocation.redact(location) : location }

    /// Opens the store, turning store faults into CLI failures. `profile` (SQLite only) collects time per statement.
    /// `readOnly`: the command only reads (a report of a moved queue is allowed; working it is not).
    func openStore(clock: any WallClock = SystemClock(), profile: StatementProfile? = nil, readOnly: Bool = false) throws
        -> any JourneyStore
    {
        if reopenMoved, !PostgresLocation.isURL(location) {
            let store = try Self.open(location, clock: clock, profile: profile, allowMoved: true)
            if let moved = try (store as? SQLiteQueueStore)?.movedTo() {
                try (store as? SQLiteQueueStore)?.clearMoved()
                FileHandle.standardError.write(
                    Data("journeyq: \(location) is a queue of its own again (it was moved to \(moved.url))\n".utf8))
            }
            return store
        }
        return try Self.open(location, clock: clock, profile: profile, allowMoved: readOnly)
    }

    /// Opens the store for a command that writes or compares times, with the clock it should decide by: on PostgreSQL
    /// the database server's (measured once), so that a one-shot command on a host whose clock is off (a `reconcile`
    /// 90 s ahead would take live leases) decides as the fleet's daemons do; on SQLite the host's.
    func openStoreOnServerTime(readOnly: Bool = false) async throws -> (store: any JourneyStore, clock: any WallClock) {
        guard PostgresLocation.isURL(location) else {
            let clock = SystemClock()
            return (try openStore(clock: clock, readOnly: readOnly), clock)
        }
        do {
            let opened = try await PostgresQueueStore.onServerTime(url: location)
            return (opened.store, opened.clock)
        } catch {
            throw Self.openFailure(error, printable: printable)
        }
    }

    /// Opens the store at `location` (a path or a URL).
    static func open(_ location: String, clock: any WallClock = SystemClock(), profile: StatementProfile? = nil, allowMoved: Bool = false)
        throws -> any JourneyStore
    {
        let printable = PostgresLocation.isURL(location) ? PostgresLocation.redact(location) : location
        do {
            if PostgresLocation.isURL(location) { return try PostgresQueueStore(url: location, clock: clock) }
            return try SQLiteQueueStore(path: location, clock: clock, profile: profile, allowMoved: allowMoved)
        } catch {
            throw openFailure(error, printable: printable)
        }
    }

    /// A store that would not open, as the command line says it: the store's own words, never the password.
    static func openFailure(_ error: any Error, printable: String) -> CLIFailure {
        switch error {
        case let error as StoreError: .runtime("journeyq: \(error)")
        case let error as PostgresLocationError: .runtime("journeyq: --db \(error)")
        default: .runtime("journeyq: cannot open \(printable): \(error)")
        }
    }
}
