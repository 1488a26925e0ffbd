import Foundation
import Testing

/// The daemon as a real process: signals and exit statuses.
@Suite(.timeLimit(.minutes(12))) struct DaemonProcessTests {
    @Test func sigtermStopsClaimingFinishesInFlightRequestsAndExitsZero() async throws {
        let scratch = try Scratch()
        // 300 batches at 300 ms each, three at a time: at least 30 s of sending, so that a test starved of CPU (the stress
        // run) still signals long before the last one; with 3,000 the daemon once sent them all first.
        let (simulator, db, onlyAsync) = try await asyncQueue(scratch, contacts: 30_000, simulator: ["--latency-ms", "300"])
        defer { simulator.signal(SIGTERM) }
        let worker = try BackgroundProcess(
            ["work", "--db", db, "--config", onlyAsync, "--concurrency", "3", "--log-level", "warning"], scratch: scratch, name: "worker")
        let started = try await waitFor(seconds: 120) {
            try SQLiteInspection.int(path: db, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit'") >= 3
        }
        #expect(started, "no request was made: \(worker.stderr)")
        worker.signal(SIGTERM)
        let status = try await worker.waitForExit(seconds: 120)
        #expect(status == 0, "\(worker.stderr)")
        // Drained cleanly: no contact left claimed or sending, no lease open, every request answered and recorded.
        #expect(try SQLiteInspection.int(path: db, "SELECT COUNT(*) FROM contact WHERE state IN (1, 2)") == 0)
        #expect(try SQLiteInspection.int(path: db, "SELECT COUNT(*) FROM batch WHERE state = 0") == 0)
        #expect(try SQLiteInspection.int(path: db, "SELECT COUNT(*) FROM attempt WHERE finished_at IS NULL") == 0)
        #expect(try SQLiteInspection.int(path: db, "SELECT COUNT(*) FROM contact WHERE state = 0") > 0)
    }

    @Test func theSQLProfileSaysWhereTheDatabaseTimeWent() async throws {
        let scratch = try Scratch()
        let (simulator, db, onlyAsync) = try await asyncQueue(
            scratch, contacts: 300, prefix: "person-", simulator: ["--entry-delay-ms", "0"])
        defer { simulator.signal(SIGTERM) }
        // A file that cannot be written stops the command before it touches the queue.
        let refused = try await JourneyqProcess.run([
            "work", "--db", db, "--config", onlyAsync, "--until-drained", "--sql-profile", scratch.url.path,
        ])
        #expect(refused.status != 0 && refused.stderr.contains("is a directory"), "\(refused.stderr)")
        #expect(try SQLiteInspection.int(path: db, "SELECT COUNT(*) FROM batch") == 0)

        let profile = scratch.path("sql.tsv")
        let result = try await JourneyqProcess.run([
            "work", "--db", db, "--config", onlyAsync, "--until-drained", "--log-level", "warning", "--sql-profile", profile,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try String(contentsOfFile: profile, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false)
        }
        #expect(lines.first == ["seconds", "runs", "us_per_run", "statement"])
        // Three batches of 100: at least three claims, each line's runs and time as SQLite counted them, most time first.
        let claims = try #require(lines.first { $0.count == 4 && $0[3].hasPrefix("UPDATE contact SET state = 1, batch_id = ?") })
        #expect((Int(claims[1]) ?? 0) >= 3, "\(claims)")
        let seconds = lines.dropFirst().compactMap { Double($0[0]) }
        #expect(seconds.count == lines.count - 1 && seconds == seconds.sorted(by: >))
        // Statements only: bound values (contact keys, bodies) never reach the file.
        #expect(!lines.joined(separator: []).contains { $0.contains("person-") })
        #expect(try FileManager.default.attributesOfItem(atPath: profile)[.posixPermissions] as? Int == 0o600)
    }

    @Test func aBadConfigNamesTheKeyAndExitsTwo() async throws {
        let scratch = try Scratch()
        let config = try scratch.write("bad.yaml", "destinations:\n  x:\n    kind: sfmc-async-events\n    batchSize: many\n")
        let result = try await JourneyqProcess.run(["work", "--db", scratch.path("q.sqlite"), "--config", config])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(config):4: destinations.x.batchSize"))
    }
}

@Suite(.timeLimit(.minutes(12))) struct SecondSignalTests {
    @Test func aSecondSignalStopsAtOnce() async throws {
        let scratch = try Scratch()
        let (simulator, db, onlyAsync) = try await asyncQueue(scratch, contacts: 500, simulator: ["--latency-ms", "20000"]) { config in
            try config.set("sfmc-async-events", ["timeout": "60s", "lease": "90s", "lookBeforeFirstSend": "false", "journeyCheck": "0s"])
        }
        defer { simulator.signal(SIGTERM) }
        let worker = try BackgroundProcess(
            ["work", "--db", db, "--config", onlyAsync, "--log-level", "warning"], scratch: scratch, name: "worker")
        #expect(
            try await waitFor(seconds: 120) {
                try SQLiteInspection.int(path: db, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit'") >= 1
            })
        worker.signal(SIGTERM)
        // The first signal waits for the in-flight request (held 20 s by the sandbox); the second does not.
        #expect(try await worker.waitForExit(seconds: 1) == nil)
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit(seconds: 120) == 130)
        #expect(try SQLiteInspection.rows(path: db, "PRAGMA integrity_check").first?["integrity_check"] == "ok")
        // What was in flight is written ahead: it will be looked for, never blindly re-sent.
        // (Its contacts are stored claimed in a batch its write-ahead stamped: they read as sending.)
        let inFlight = """
            SELECT COUNT(*) FROM contact c JOIN batch b ON b.id = c.batch_id
            WHERE c.state = 1 AND b.sent_at IS NOT NULL AND b.state = 0
            """
        #expect(try SQLiteInspection.int(path: db, inFlight) > 0)
    }
}

/// A sandbox started with `extra`, a queue file of `count` contacts for sfmc-async-events (keys `prefix0`, `prefix1`, …),
/// and the sandbox's config cut to that one destination (then changed by `edit`).
func asyncQueue(
    _ scratch: Scratch, contacts count: Int, prefix: String = "c", simulator extra: [String],
    edit: (inout ConfigDocument) throws -> Void = { _ in }
) async throws -> (simulator: BackgroundProcess, db: String, config: String) {
    let (simulator, _, config) = try await startSimulator(scratch, extra: extra)
    let db = scratch.path("q.sqlite")
    let input = try scratch.write("in.ndjson", (0..<count).map { "{\"contactKey\":\"\(prefix)\($0)\"}" }.joined(separator: "\n"))
    #expect(try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "sfmc-async-events", input]).status == 0)
    var onlyAsync = try ConfigDocument(path: config)
    onlyAsync.keepDestinations(["sfmc-async-events"])
    try edit(&onlyAsync)
    return (simulator, db, try scratch.write("async.yaml", try onlyAsync.yaml()))
}
