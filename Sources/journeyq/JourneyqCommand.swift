import ArgumentParser
import Foundation

/// The `journeyq` root: it only lists the subcommands.
struct JourneyqCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journeyq",
        abstract: "A durable queue that puts contacts into marketing journeys and proves who got in.",
        subcommands: [
            EnqueueCommand.self, WorkCommand.self, ReconcileCommand.self, ReportCommand.self, ShowCommand.self, ExportCommand.self,
            RedriveCommand.self, PauseCommand.self, ResumeCommand.self, PruneCommand.self, BackupCommand.self, CopyCommand.self,
            SimulateCommand.self, DemoCommand.self, ServeCommand.self, APIKeyCommand.self, CheckCommand.self,
            EventsCommand.self, WebhooksCommand.self, ForgetCommand.self, AuditCommand.self, ConfigReferenceCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() async {
        AllocatorTuning.apply()
        do {
            var command = try JourneyqCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data((failure.message + "\n").utf8))
            exit(failure.exitCode)
        } catch {
            // Usage errors exit 2 (docs/ARCHITECTURE.md), not ArgumentParser's EX_USAGE.
            let code = JourneyqCommand.exitCode(for: error)
            let message = JourneyqCommand.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
