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

    /// Opens the store and runs `body` with it (on PostgreSQL with its connection pool running meanwhile, stopped when
    /// `body` ends), turning faults in opening it into CLI failures. `profile` (SQLite only) collects time per statement.
    /// `readOnly`: the command only reads (a report of a moved queue is allowed; working it is not).
    func withStore<T>(
        clock: any WallClock = SystemClock(), profile: StatementProfile? = nil, readOnly: Bool = false,
        isolation: isolated (any Actor)? = #isolation, _ body: (any JourneyStore) async throws -> T
    ) async throws -> T {
        if reopenMoved, !PostgresLocation.isURL(location) {
            let store: SQLiteQueueStore
            do {
                store = try SQLiteQueueStore(path: location, clock: clock, profile: profile, allowMoved: true)
            } catch {
                throw Self.openFailure(error, printable: printable)
            }
            if let moved = try store.movedTo() {
                try await store.clearMoved()
                FileHandle.standardError.write(
                    Data("journeyq: \(location) is a queue of its own again (it was moved to \(moved.url))\n".utf8))
            }
            return try await body(store)
        }
        return try await Self.withStore(location, clock: clock, profile: profile, allowMoved: readOnly, body)
    }

    /// Runs `body` with the store for a command that writes or compares times, and the clock it should decide by: on
    /// PostgreSQL the database server's (measured once), so that a one-shot command on a host whose clock is off (a
    /// `reconcile` 90 s ahead would take live leases) decides as the fleet's daemons do; on SQLite the host's.
    func withStoreOnServerTime<T>(
        readOnly: Bool = false, isolation: isolated (any Actor)? = #isolation,
        _ body: (any JourneyStore, any WallClock) async throws -> T
    ) async throws -> T {
        guard PostgresLocation.isURL(location) else {
            let clock = SystemClock()
            return try await withStore(clock: clock, readOnly: readOnly) { store in try await body(store, clock) }
        }
        let reference = ReferenceClock(host: SystemClock())
        let store: PostgresQueueStore
        do {
            store = try await PostgresQueueStore(url: location, clock: reference)
        } catch {
            throw Self.openFailure(error, printable: printable)
        }
        return try await store.whileRunning {
            do {
                try await store.synchronize(reference)
            } catch {
                throw Self.openFailure(error, printable: printable)
            }
            return try await body(store, reference)
        }
    }

    /// Opens the store at `location` (a path or a URL) and runs `body` with it, as `withStore` does.
    static func withStore<T>(
        _ location: String, clock: any WallClock = SystemClock(), profile: StatementProfile? = nil, allowMoved: Bool = false,
        isolation: isolated (any Actor)? = #isolation, _ body: (any JourneyStore) async throws -> T
    ) async throws -> T {
        let printable = PostgresLocation.isURL(location) ? PostgresLocation.redact(location) : location
        if PostgresLocation.isURL(location) {
            let store: PostgresQueueStore
            do {
                store = try await PostgresQueueStore(url: location, clock: clock)
            } catch {
                throw openFailure(error, printable: printable)
            }
            return try await store.whileRunning { try await body(store) }
        }
        let store: SQLiteQueueStore
        do {
            store = try SQLiteQueueStore(path: location, clock: clock, profile: profile, allowMoved: allowMoved)
        } catch {
            throw openFailure(error, printable: printable)
        }
        return try await body(store)
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
