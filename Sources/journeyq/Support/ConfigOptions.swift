import ArgumentParser
import JourneyWorker
import Logging

/// `--config`, shared by the commands that talk to destinations.
struct ConfigOptions: ParsableArguments {
    @Option(help: "The config file (YAML or JSON) naming the destinations.")
    var config: String

    func load() throws -> [DestinationConfig] {
        do {
            return try ConfigLoader(file: config).load()
        } catch let error as ConfigError {
            throw CLIFailure.badInput("journeyq: \(error)")
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
