import ArgumentParser
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyQueuePostgres
import JourneyWorker

/// `journeyq check`: every destination of a config against its real remote, before anything is sent.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check each destination against its remote: credentials, the journey (exists, takes entries, trigger key, entry mode), looks.",
        discussion: """
            Exit 0 when every check passes (an unknown is not a failure), 1 when one fails, 2 for a bad config. Sends no contact.
            With a queue (--db, when it exists), also estimates the API calls its waiting contacts will cost at the rate
            measured so far, against dailyCallBudget or annualCallQuota.
            """
    )

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this destination.")
    var destination: String?

    @Option(help: "text or json.")
    var format: Format = .text

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    struct Report: Encodable {
        var destination: String
        var kind: String
        var checks: [PreflightCheck]
    }

    func run() async throws {
        let whole = try configOptions.loadAll()
        for warning in FileExposure.warnings(configPath: configOptions.config, config: whole, database: database.location) {
            Terminal.error("journeyq: warning: \(warning)")
        }
        var configs = whole.destinations
        if let destination {
            configs = configs.filter { $0.name == destination }
            guard !configs.isEmpty else {
                throw CLIFailure.badInput("journeyq: \(configOptions.config): no destination named '\(destination)'")
            }
        }
        let client = HTTPCaller.makeClient()
        var reports: [Report] = []
        for config in configs {
            let made = config.destination(
                caller: HTTPCaller(client: client, clock: SystemClock()), ledger: DiscardingLedger(), clock: SystemClock())
            var checks = await made.preflight(ledger: DiscardingLedger())
            if let window = config.limits.sendWindow {
                checks.append(
                    PreflightCheck("send window", .passed, "\(window.text): \(window.state(atMillis: SystemClock().nowMillis()))"))
            }
            reports.append(Report(destination: config.name, kind: config.kind.rawValue, checks: checks))
        }
        try await client.shutdown()
        // What the waiting contacts will cost, where a queue is there to say (a check never creates one).
        if PostgresLocation.isURL(database.location) || FileManager.default.fileExists(atPath: database.location) {
            let counts = try await database.withStore { store in try await store.counts() }
            for index in reports.indices {
                guard let destination = counts.first(where: { $0.name == reports[index].destination }),
                    let estimate = CallEstimate.check(
                        destination, callsPerDay: configs.first { $0.name == destination.name }?.callBudgetPerDay)
                else { continue }
                reports[index].checks.append(estimate)
            }
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(reports), as: UTF8.self))
        case .text:
            for report in reports {
                print("\(report.destination) (\(report.kind))")
                for check in report.checks {
                    let mark =
                        switch check.result {
                        case .passed: "✓";
                        case .failed: "✗";
                        case .unknown: "?"
                        }
                    print("  \(mark) \(check.name): \(check.detail)")
                    if check.result != .passed, let advice = check.advice { print("      → \(advice)") }
                }
            }
        }
        let failed = reports.flatMap { report in report.checks.filter { $0.result == .failed }.map { "\(report.destination): \($0.name)" } }
        if !failed.isEmpty { throw CLIFailure.runtime("journeyq: \(failed.count) check(s) failed: \(failed.joined(separator: "; "))") }
    }
}
