import ArgumentParser
import Foundation
import JourneyQueue
import JourneyWorker

/// `journeyq enqueue`: reads a producer file into the queue, all or nothing.
struct EnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Enqueue contacts from an NDJSON, CSV or JSON-array file (or - for stdin).",
        discussion: """
            NDJSON lines are {"contactKey": "...", "data": {...}} or {"id": "...", "properties": {...}}.
            CSV needs a header row; the key column is --key-column and every other column becomes data.
            A file with any invalid record enqueues nothing and exits 2, unless --skip-invalid --rejects FILE.
            A contact already live for the destination is not enqueued again.
            A record may carry "notBefore" and "notAfter" (ISO 8601 with an offset; CSV columns of those names): it is
            not sent before the one, and ends expired if still unsent at the other. --not-before/--not-after set them
            for the records that do not. With --config, an unknown destination is refused and, for a send window with a
            zoneField, the records without a known zone are counted (they use the window's zone). Without --config, a
            destination the queue has never seen is enqueued for with a warning (a typo makes a destination no worker serves).
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

    @Option(help: "Not before this moment, for records without their own notBefore (ISO 8601 with an offset).")
    var notBefore: String?

    @Option(help: "Not after this moment, for records without their own notAfter (ISO 8601 with an offset).")
    var notAfter: String?

    @Option(help: "The config: the destination must be one it names, and its send window's zones are checked.")
    var config: String?

    @Argument(help: "The input file, or - for standard input.")
    var file: String

    func validate() throws {
        if skipInvalid && rejects == nil { throw ValidationError("--skip-invalid needs --rejects FILE") }
        if rejects != nil && !skipInvalid { throw ValidationError("--rejects is used only with --skip-invalid") }
        if destination.isEmpty { throw ValidationError("--destination must not be empty") }
        let moments = try [("--not-before", notBefore), ("--not-after", notAfter)].map { flag, text in
            try text.map { text in
                guard let millis = try? RecordValidator.moment(text, field: flag) else {
                    throw ValidationError(
                        "\(flag): expected an ISO 8601 date-time with an offset (2027-04-01T08:00:00+02:00), found '\(text)'")
                }
                return millis
            }
        }
        if let before = moments[0], let after = moments[1], after <= before {
            throw ValidationError("--not-after must be later than --not-before")
        }
        if file != "-" && format == nil && InputFormat.inferred(fromPath: file) == nil {
            throw ValidationError("cannot tell the format of '\(file)' from its extension: give --format ndjson|csv|json")
        }
    }

    func run() async throws {
        let format = self.format ?? (file == "-" ? .ndjson : InputFormat.inferred(fromPath: file)!)
        let showProgress = Terminal.stderrIsTerminal && !json
        // On a terminal, a regular file is read through a descriptor of ours: how far into it the reader is gives the ETA.
        let progressFile = showProgress && file != "-" ? FileProgress(path: file) : nil
        defer { progressFile?.close() }
        let reader =
            progressFile.map { RecordReader(fd: $0.fd, of: $0, name: file, format: format, keyColumn: keyColumn) }
            ?? RecordReader(path: file, format: format, keyColumn: keyColumn)
        var sendWindow: SendWindow?
        if let config {
            let destinations: [DestinationConfig]
            do {
                destinations = try ConfigLoader(file: config).load()
            } catch let error as ConfigError {
                throw CLIFailure.badInput("journeyq: \(error)")
            }
            guard let named = destinations.first(where: { $0.name == destination }) else {
                throw CLIFailure.badInput(
                    "journeyq: \(config) names no destination '\(destination)' "
                        + "(it names \(destinations.map(\.name).joined(separator: ", "))); nothing was enqueued"
                )
            }
            sendWindow = named.limits.sendWindow
        }
        try await database.withStoreOnServerTime { store, _ in
            try await enqueue(into: store, reader: reader, sendWindow: sendWindow, checkName: config == nil, progressFile: progressFile)
        }
    }

    private func enqueue(
        into store: any JourneyStore, reader: RecordReader, sendWindow: SendWindow?, checkName: Bool, progressFile: FileProgress?
    ) async throws {
        let showProgress = Terminal.stderrIsTerminal && !json
        if checkName {
            let known = try await store.counts().map(\.name)
            if !known.contains(destination) {
                let names = known.isEmpty ? "none yet" : known.sorted().joined(separator: ", ")
                FileHandle.standardError.write(
                    Data(
                        """
                        journeyq: warning: the queue knows no destination '\(destination)' (it knows \(names)); enqueuing creates it. \
                        Give --config FILE to check the name against the workers' config.

                        """.utf8))
            }
        }
        var enqueuer = Enqueuer(store: store)
        enqueuer.sendWindow = sendWindow
        enqueuer.notBefore = notBefore.flatMap { try? RecordValidator.moment($0, field: "--not-before") }
        enqueuer.notAfter = notAfter.flatMap { try? RecordValidator.moment($0, field: "--not-after") }
        let rejectWriter = try rejects.map { try RejectWriter(path: $0) }
        let started = Date()
        let summary: EnqueueSummary
        do {
            summary = try await enqueuer.run(
                destination: destination, reader: reader,
                reject: rejectWriter.map { writer in { raw, error in try writer.write(raw: raw, error: error) } },
                progressEvery: 10_000,
                progress: showProgress
                    ? { count in
                        Terminal.progress(
                            FileProgress.line(
                                records: count, elapsed: Date().timeIntervalSince(started), fraction: progressFile?.fraction()))
                    } : nil)
        } catch let rejected as Enqueuer.Rejected {
            if showProgress { Terminal.endProgress() }
            rejectWriter?.discard()
            var lines = rejected.errors.map(\.description)
            if rejected.total > rejected.errors.count {
                lines.append("… and \(rejected.total - rejected.errors.count) more invalid records")
            }
            lines.append(
                "journeyq: \(rejected.total) invalid record(s); nothing was enqueued "
                    + "(use --skip-invalid --rejects FILE to enqueue the valid ones)"
            )
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
            print(
                "enqueued \(summary.enqueued) for \(destination), \(summary.duplicates) already queued (skipped), "
                    + "\(summary.rejected) rejected in \(String(format: "%.1f", seconds)) s"
            )
            if let withoutZone = summary.withoutZone, withoutZone > 0, let window = enqueuer.sendWindow {
                print(
                    "\(withoutZone) record(s) named no known time zone in '\(window.zoneField ?? "")': "
                        + "their send window is read in \(window.zone.identifier)"
                )
            }
        }
    }
}

extension InputFormat: ExpressibleByArgument {}
