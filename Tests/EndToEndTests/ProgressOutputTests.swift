import Foundation
import Testing

/// What `work` says when no person watches a terminal: a progress line per destination every few seconds at `info`,
/// not a line per batch (those are at `debug`).
@Suite(.timeLimit(.minutes(12))) struct ProgressOutputTests {
    @Test func workLogsAProgressSummaryInsteadOfALinePerBatch() async throws {
        let scratch = try Scratch()
        let (simulator, db, config) = try await asyncQueue(scratch, contacts: 300, prefix: "p", simulator: ["--seed", "5"])
        defer { simulator.signal(SIGKILL) }
        let work = try await JourneyqProcess.run([
            "work", "--db", db, "--config", config, "--until-drained", "--log-level", "info",
            "--summary-seconds", "0.2",
        ])
        #expect(work.status == 0, "\(work.stderr)")
        let lines = work.stderr.split(separator: "\n").map(String.init)
        let progress = lines.filter { $0.hasSuffix(" progress") }
        #expect(!progress.isEmpty, "\(work.stderr)")
        for line in progress {
            for key in ["destination=sfmc-async-events", "queued=", "in.flight=", "to.look=", "confirmed=", "dead=", "settled.per.second="]
            {
                #expect(line.contains(key), "\(line)")
            }
        }
        #expect(!lines.contains { $0.hasSuffix(" batch") || $0.hasSuffix(" reconciled") }, "per-batch lines belong at debug")
    }
}
