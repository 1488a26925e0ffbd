import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq demo`: the pipeline on a throwaway database with a generated sample.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Enqueue a generated sample into a fresh database and print the report."
    )

    @Option(help: "Contacts in the generated sample.")
    var contacts: Int = 1_000

    @Option(help: "Database file for the demo (default: a new temporary file).")
    var db: String?

    func validate() throws {
        guard contacts > 0 else { throw ValidationError("--contacts must be positive") }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sample = directory.appendingPathComponent("sample.ndjson").path
        try SampleContacts.write(count: contacts, to: sample)
        var database = DatabaseOptions()
        database.db = db ?? directory.appendingPathComponent("demo.sqlite").path
        let store = try database.openStore()
        let summary = try Enqueuer(store: store).run(destination: "sfmc-async-events", reader: RecordReader(path: sample, format: .ndjson))
        print("demo database: \(database.db)")
        print("enqueued \(summary.enqueued) generated contacts for sfmc-async-events\n")
        print(ReportRendering.table(QueueReport(counts: try store.counts(), generatedAt: SystemClock().nowMillis())), terminator: "")
    }
}
