import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq enqueue`: reads a producer file into the queue, all or nothing.
struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue contacts from an NDJSON, CSV or JSON-array file (or - for stdin).",
        discussion: """
            NDJSON lines are {"contactKey": "...", "data": {...}} or {"id": "...", "properties": {...}}.
            CSV needs a header row; the key column is --key-column and every other column becomes data.
            A file with any invalid record enqueues nothing and exits 2, unless --skip-invalid --rejects FILE.
            A contact already live for the destination is not enqueued again.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "The destination the contacts are for (as named in the config).")
    var destination: String

    @Option(help: "Input format; by default from the file extension (stdin: ndjson).")
    var format: InputFormat?

    @Option(help: "CSV column that holds the contact key.")
    var keyColumn: String = "contactKey"

    @Flag(help: "Enqueue the valid records and write the invalid ones to --rejects.")
    var skipInvalid = false

    @Option(help: "With --skip-invalid: file that receives each rejected record with its reason (NDJSON).")
    var rejects: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Argument(help: "The input file, or - for standard input.")
    var file: String

    func validate() throws {
        if skipInvalid && rejects == nil { throw ValidationError("--skip-invalid needs --rejects FILE") }
        if rejects != nil && !skipInvalid { throw ValidationError("--rejects is used only with --skip-invalid") }
        if destination.isEmpty { throw ValidationError("--destination must not be empty") }
        if file != "-" && format == nil && InputFormat.inferred(fromPath: file) == nil {
            throw ValidationError("cannot tell the format of '\(file)' from its extension: give --format ndjson|csv|json")
        }
    }

    func run() throws {
        let format = self.format ?? (file == "-" ? .ndjson : InputFormat.inferred(fromPath: file)!)
        let reader = RecordReader(path: file, format: format, keyColumn: keyColumn)
        let store = try database.openStore()
        let rejectWriter = try rejects.map { try RejectWriter(path: $0) }
        let started = Date()
        let showProgress = Terminal.stderrIsTerminal && !json
        let summary: EnqueueSummary
        do {
            summary = try Enqueuer(store: store).run(
                destination: destination, reader: reader,
                reject: rejectWriter.map { writer in { raw, error in try writer.write(raw: raw, error: error) } },
                progress: showProgress ? { count in
                    let rate = Double(count) / max(Date().timeIntervalSince(started), 0.001)
                    Terminal.progress("read \(count) records (\(Int(rate))/s)")
                } : nil)
        } catch let rejected as Enqueuer.Rejected {
            if showProgress { Terminal.endProgress() }
            rejectWriter?.discard()
            var lines = rejected.errors.map(\.description)
            if rejected.total > rejected.errors.count { lines.append("… and \(rejected.total - rejected.errors.count) more invalid records") }
            lines.append("journeyq: \(rejected.total) invalid record(s); nothing was enqueued (use --skip-invalid --rejects FILE to enqueue the valid ones)")
            throw CLIFailure.badInput(lines.joined(separator: "\n"))
        } catch let error as InputFileError {
            rejectWriter?.discard()
            throw CLIFailure.badInput("\(error); nothing was enqueued")
        }
        if showProgress { Terminal.endProgress() }
        try rejectWriter?.commit()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            let seconds = Date().timeIntervalSince(started)
            print("enqueued \(summary.enqueued) for \(destination), \(summary.duplicates) already queued (skipped), \(summary.rejected) rejected in \(String(format: "%.1f", seconds)) s")
        }
    }
}

extension InputFormat: ExpressibleByArgument {}
