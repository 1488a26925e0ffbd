import ArgumentParser
import Foundation
import JourneyQueue
import JourneyQueuePostgres
import JourneyQueueSQLite

/// `journeyq copy`: moves a queue off SQLite onto PostgreSQL when one host is no longer enough.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract:
            "Copy a whole queue (contacts, batches, the ledger, pauses, idempotency keys) "
            + "from a SQLite file into an empty PostgreSQL database.",
        discussion: """
            Stop every daemon on the SQLite file first: copy refuses a source whose leases are still held, and a target
            that is not empty. Everything is copied from one snapshot in one transaction, so the target holds all of it
            or nothing; the per-state counts of every destination are compared at the end. Then point every daemon at
            the PostgreSQL URL. Contacts that were sending when their daemon stopped come back as unknown and are looked
            for, as they would on the file. The file is then marked as moved: every command that would work it refuses,
            naming the URL (reports still read it; --reopen-moved makes it a queue of its own again).
            """
    )

    @Option(help: "The SQLite file to copy.")
    var from: String

    @Option(help: "The empty PostgreSQL database: postgres://user@host:port/database.")
    var to: String

    func run() async throws {
        guard !PostgresLocation.isURL(from) else {
            throw CLIFailure.badInput("journeyq: --from must be a SQLite file (copy moves a queue onto PostgreSQL)")
        }
        guard PostgresLocation.isURL(to) else { throw CLIFailure.badInput("journeyq: --to must be a postgres:// URL") }
        guard FileManager.default.fileExists(atPath: from) else { throw CLIFailure.badInput("journeyq: \(from): no such file") }
        let source: SQLiteQueueStore
        do {
            source = try SQLiteQueueStore(path: from)
        } catch {
            throw DatabaseOptions.openFailure(error, printable: from)
        }
        let target: PostgresQueueStore
        do {
            target = try await PostgresQueueStore(url: to)
        } catch {
            throw DatabaseOptions.openFailure(error, printable: PostgresLocation.redact(to))
        }
        let started = Date()
        do {
            let now = SystemClock().nowMillis()
            let summary = try await target.whileRunning { try await QueueCopier.copy(from: source, to: target, now: now) }
            let moved = CopyTable.all.map { "\(summary.rows[$0.name] ?? 0) \($0.name == "attempt" ? "ledger" : $0.name) rows" }.joined(
                separator: ", ")
            print(
                "copied \(moved) from \(from) to \(target.locationDescription) "
                    + "in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; counts agree"
            )
        } catch let error as CopyError {
            throw CLIFailure.runtime("journeyq: copy: \(error)")
        }
    }
}
