import ArgumentParser
import JourneyQueue

/// `journeyq redrive`: dead → queued, by the operator's decision.
struct RedriveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Move dead contacts of a destination back to queued (attempts reset), optionally only those whose reason contains TEXT."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The destination.")
    var destination: String

    @Option(help: "Only dead contacts whose reason contains this text.")
    var reason: String?

    func run() throws {
        let store = try database.openStore()
        do {
            let moved = try store.redrive(destination: destination, reason: reason)
            print("redrove \(moved) dead contact(s) of \(destination) back to queued")
        } catch let error as StoreError {
            throw CLIFailure.badInput("journeyq: \(error)")
        }
    }
}
