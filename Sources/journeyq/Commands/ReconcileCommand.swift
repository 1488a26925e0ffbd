import ArgumentParser
import AsyncHTTPClient
import JourneyDestinations
import JourneyQueue
import JourneyWorker
import Logging

/// `journeyq reconcile`: one reconciliation pass, then exit.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Look once for every accepted or unknown contact whose settle time has passed, and record what was found."
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configOptions: ConfigOptions

    @OptionGroup var logging: LogOptions

    func run() async throws {
        let configs = try configOptions.load()
        let logger = logging.bootstrap()
        try await database.withStoreOnServerTime { store, clock in
            let client = HTTPCaller.makeClient()
            do {
                try await WorkerDaemon.reconcileOnce(
                    configs: configs, store: store, caller: HTTPCaller(client: client, clock: clock), clock: clock, logger: logger)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
            await print(
                ReportRenderer.text(try store.reports(destination: nil, since: nil), remoteIDsLabel: DestinationKind.remoteIDsLabel),
                terminator: "")
        }
    }
}
