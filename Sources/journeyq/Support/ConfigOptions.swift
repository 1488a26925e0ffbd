import ArgumentParser
import Foundation
import JourneyWorker
import Logging

/// `--config`, shared by the commands that talk to destinations.
struct ConfigOptions: ParsableArguments {
    @Option(help: "The config file (YAML or JSON) naming the destinations.")
    var config: String

    func load() throws -> [DestinationConfig] {
        try loadAll().destinations
    }

    func loadAll() throws -> JourneyConfig {
        do {
            let whole = try ConfigLoader(file: config).loadAll()
            // Said once, before anything runs: the old spelling works, and the operator learns the new one.
            for warning in whole.warnings { FileHandle.standardError.write(Data("journeyq: warning: \(warning)\n".utf8)) }
            return whole
        } catch let error as ConfigError {
            throw CLIFailure.badInput("journeyq: \(error)")
        }
    }
}

/// `--log-level` and `--log-format`, shared by the long-running commands.
struct LogOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (ISO 8601 times), or json (one object a line, for log shippers).")
    var logFormat: LogFormat = .text

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func bootstrap() -> Logger { DaemonRunner.bootstrapLogging(level: logLevel, json: logFormat == .json) }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
