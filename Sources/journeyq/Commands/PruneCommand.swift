import ArgumentParser
import JourneyQueue

/// `journeyq prune`: retention for finished work.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract:
            "Delete finished contacts (confirmed, unverifiable, dead) and ledger rows older than a retention age, in small transactions."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Retention: an age such as 30d or 12h, or an ISO 8601 time.")
    var olderThan: String

    func validate() throws {
        _ = try TimeArgument.parse(olderThan, now: SystemClock().nowMillis())
    }

    func run() async throws {
        try await database.withStoreOnServerTime { store, clock in
            let cutoff = try TimeArgument.parse(olderThan, now: clock.nowMillis())
            let summary = try await store.pruneAll(contactsBefore: cutoff, ledgerBefore: cutoff, idempotencyBefore: cutoff)
            try await store.checkpoint()
            print(
                "pruned \(summary.contacts) finished contacts, \(summary.attempts) ledger rows, \(summary.batches) batches, "
                    + "\(summary.idempotencyKeys) idempotency keys older than \(ReportRenderer.iso(cutoff))"
            )
        }
    }
}
