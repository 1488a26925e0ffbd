import ArgumentParser
import JourneyQueue
import JourneyQueueSQLite

/// `--db`, shared by every command that opens the queue.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The queue's SQLite file.")
    var db: String = "./journeyq.sqlite"

    /// Opens the store, turning store faults into CLI failures.
    func openStore(clock: any Clock = SystemClock()) throws -> SQLiteQueueStore {
        do {
            return try SQLiteQueueStore(path: db, clock: clock)
        } catch let error as StoreError {
            throw CLIFailure.runtime("journeyq: \(error)")
        } catch {
            throw CLIFailure.runtime("journeyq: cannot open \(db): \(error)")
        }
    }
}
