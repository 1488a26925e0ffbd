import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq export`: contacts as NDJSON that `enqueue` accepts back.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write contacts (by default the dead ones) as NDJSON that enqueue accepts back."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Contacts in this state: \(ContactState.allCases.map(\.description).joined(separator: ", ")).")
    var state: String = "dead"

    @Option(help: "Only this destination.")
    var destination: String?

    @Option(help: "Write here instead of standard output.")
    var output: String?

    func validate() throws {
        guard ContactState(name: state) != nil else {
            throw ValidationError(
                "--state must be one of \(ContactState.allCases.map(\.description).joined(separator: ", ")), got '\(state)'")
        }
    }

    func run() async throws {
        try await database.withStore(readOnly: true) { store in
            let sink = try OutputSink(path: output)
            try await store.eachContact(destination: destination, state: ContactState(name: state), since: nil) { row in
                try sink.write("{\"contactKey\":" + JSONText.string(row.key) + ",\"data\":" + row.dataJSON + "}\n")
            }
            try sink.close()
        }
    }
}
