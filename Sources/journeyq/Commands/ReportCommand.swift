import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq report`: what the queue knows, per destination.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show contacts per state for every destination."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var database: DatabaseOptions

    @Option(help: "text (a table) or json (the contract of DESIGN.md).")
    var format: Format = .text

    @Option(help: "Write the report here instead of standard output.")
    var output: String?

    func run() throws {
        let store = try database.openStore()
        let report = QueueReport(counts: try store.counts(), generatedAt: SystemClock().nowMillis())
        let text = switch format {
        case .json: try ReportRendering.json(report)
        case .text: ReportRendering.table(report)
        }
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CLIFailure.runtime("journeyq: cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            print(text, terminator: "")
        }
    }
}

/// Turns a `QueueReport` into text.
enum ReportRendering {
    static func json(_ report: QueueReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    static func table(_ report: QueueReport) -> String {
        let states = ContactState.allCases.map(\.description)
        var rows = [["destination", "kind"] + states + ["total"]]
        for destination in report.destinations {
            rows.append([destination.name, destination.kind ?? "-"] + states.map { String(destination.counts[$0] ?? 0) } + [String(destination.total)])
        }
        if report.destinations.isEmpty { return "no destinations yet: enqueue contacts first\n" }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index < 2 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                          : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
