import ArgumentParser
import Foundation
import JourneyDestinations
import JourneyQueue

/// `journeyq report`: the truth per destination.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show per destination: states, the funnel, retries, dead letters, 429s, latency and throughput.",
        discussion:
            "json carries the contract of docs/ARCHITECTURE.md (destinations[].{name, kind, counts}); csv has one row per contact; "
            + "html is one self-contained page."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, csv, html
    }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "text, json, csv (one row per contact) or html.")
    var format: Format = .text

    @Option(help: "Only this destination.")
    var destination: String?

    @Option(help: "Only contacts enqueued (and requests made) since: an ISO 8601 time or an age such as 30m, 2h, 7d.")
    var since: String?

    @Option(help: "Write the report here instead of standard output.")
    var output: String?

    func validate() throws {
        if let since { _ = try TimeArgument.parse(since, now: SystemClock().nowMillis()) }
    }

    func run() async throws {
        try await database.withStore(readOnly: true) { store in
            let now = SystemClock().nowMillis()
            let sinceMillis = try since.map { try TimeArgument.parse($0, now: now) }
            let sink = try OutputSink(path: output)
            switch format {
            case .text:
                try await sink.write(
                    ReportRenderer.text(
                        try store.reports(destination: destination, since: sinceMillis), remoteIDsLabel: DestinationKind.remoteIDsLabel))
            case .json:
                try await sink.write(ReportRenderer.json(try store.reports(destination: destination, since: sinceMillis), generatedAt: now))
            case .html:
                try await sink.write(HTMLReport.render(try store.reports(destination: destination, since: sinceMillis), generatedAt: now))
            case .csv:
                try sink.write(ReportRenderer.csvHeader)
                try await store.eachContact(destination: destination, state: nil, since: sinceMillis) {
                    try sink.write(ReportRenderer.csvLine($0))
                }
            }
            try sink.close()
        }
    }
}

/// `--since` values: ISO 8601 times or ages (`90s`, `30m`, `2h`, `7d`).
enum TimeArgument {
    /// An age counts back from `now`, or forward with `future` (`--until 30m`).
    static func parse(_ text: String, now: Int64, future: Bool = false) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        if let unit = text.last, let factor = units[unit], let amount = Int64(text.dropLast()), amount >= 0 {
            let span = amount.multipliedReportingOverflow(by: factor)
            guard !span.overflow, span.partialValue < Int64.max / 2 else { throw ValidationError("'\(text)' is too long an age") }
            return future ? now + span.partialValue : now - span.partialValue
        }
        if let date = try? Date(text, strategy: .iso8601) { return Int64(date.timeIntervalSince1970 * 1000) }
        if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return Int64(date.timeIntervalSince1970 * 1000) }
        throw ValidationError("--since expects an ISO 8601 time (2026-11-21T10:00:00Z) or an age such as 30m, 2h, 7d; got '\(text)'")
    }
}
