import ArgumentParser
import JourneyQueue

/// `journeyq redrive`: dead → queued, by the operator's decision.
struct RedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Move dead contacts of a destination back to queued (attempts reset), optionally only those whose reason contains TEXT.",
        discussion: """
            A dead contact whose last request may have been taken (a timeout, a crash, an ambiguous upload) is not sent
            again blindly: it becomes unknown and is looked for first, once the settle time after that request has passed.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The destination.")
    var destination: String

    @Option(help: "Only dead contacts whose reason contains this text.")
    var reason: String?

    func run() async throws {
        let store = try database.openStore()
        do {
            let moved = try await store.redrive(destination: destination, reason: reason)
            print("redrove \(moved.total) dead contact(s) of \(destination): \(moved.queued) back to queued, "
                  + "\(moved.toLookFor) to be looked for first (their last request may have been taken)")
        } catch let error as StoreError {
            throw CLIFailure.badInput("journeyq: \(error)")
        }
    }
}
