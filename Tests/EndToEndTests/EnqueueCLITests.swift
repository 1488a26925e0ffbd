import Foundation
import JourneyQueue
import JourneyQueueSQLite
import JourneyTestSupport
import Testing

@Suite(.timeLimit(.minutes(12))) struct EnqueueCLITests {
    func report(_ db: String) async throws -> [String: Any] {
        let output = try await JourneyqProcess.run(["report", "--db", db, "--format", "json"])
        #expect(output.status == 0, "\(output.stderr)")
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as! [String: Any]
    }

    func queued(_ db: String, _ destination: String) async throws -> Int {
        let destinations = try await report(db)["destinations"] as! [[String: Any]]
        guard let entry = destinations.first(where: { $0["name"] as? String == destination }) else { return 0 }
        return (entry["counts"] as! [String: Int])["queued"]!
    }

    @Test func limitsForTheWholeFileAndTheWindowsZonesAreTakenAndTold() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let config = try scratch.write(
            "c.yaml",
            """
            destinations:
              windowed:
                kind: symplify-batchtrigger
                baseURL: http://127.0.0.1:9
                customerId: "1"
                token: t
                journeyId: 2
                sendWindow:
                  from: "08:00"
                  to: "20:00"
                  zone: Europe/Stockholm
                  zoneField: timeZone
            """)
        let input = try scratch.write(
            "a.ndjson",
            """
            {"contactKey":"a","data":{"timeZone":"Asia/Tokyo"}}
            {"contactKey":"b","data":{"timeZone":"Nowhere/Atlantis"}}
            {"contactKey":"c","data":{},"notAfter":"2027-03-01T00:00:00Z"}
            """)
        var result = try await JourneyqProcess.run([
            "enqueue", "--db", db, "--destination", "windowed", "--config", config,
            "--not-before", "2027-02-01T08:00:00+01:00", "--not-after", "2027-02-28T00:00:00Z", input,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains("2 record(s) named no known time zone in 'timeZone': their send window is read in Europe/Stockholm"),
            "\(result.stdout)")
        let rows = try SQLiteInspection.rows(
            path: db, "SELECT contact_key, not_before, not_after, available_at, wait_cause FROM contact ORDER BY contact_key")
        let before = String(ISOTime.parse("2027-02-01T07:00:00Z")!)
        #expect(rows.map { $0["not_before"] } == [before, before, before], "the file's notBefore for every record")
        #expect(
            rows.map { $0["not_after"] } == [
                String(ISOTime.parse("2027-02-28T00:00:00Z")!), String(ISOTime.parse("2027-02-28T00:00:00Z")!),
                String(ISOTime.parse("2027-03-01T00:00:00Z")!),
            ], "a record's own notAfter wins")
        #expect(rows.allSatisfy { $0["available_at"] == before && $0["wait_cause"] == "2" })
        let show = try await JourneyqProcess.run(["show", "--db", db, "a"])
        #expect(
            show.stdout.contains("waits for its notBefore until \(ReportRenderer.iso(ISOTime.parse("2027-02-01T07:00:00Z")!))"),
            "\(show.stdout)")
        let check = try await JourneyqProcess.run(["check", "--config", config, "--db", db])
        #expect(
            check.stdout.contains("send window: every day 08:00–20:00 in each contact's zone ('timeZone'), else Europe/Stockholm: "),
            "\(check.stdout)")
        #expect(check.stdout.contains(" now in Europe/Stockholm, "), "\(check.stdout)")
        result = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "windowd", "--config", config, input])
        #expect(result.status == 2 && result.stderr.contains("names no destination 'windowd'"), "\(result.stderr)")
        result = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "windowed", "--not-before", "tomorrow", input])
        #expect(result.status == 64 || result.status == 2, "\(result.status)")
        #expect(result.stderr.contains("--not-before: expected an ISO 8601 date-time with an offset"), "\(result.stderr)")
    }

    @Test func enqueuesEachFormatAndReportsJSON() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let ndjson = try scratch.write("a.ndjson", "{\"contactKey\":\"a\",\"data\":{\"x\":1}}\n{\"id\":\"b\",\"properties\":{}}\n")
        let csv = try scratch.write("b.csv", "key,email\nc,c@x.se\nd,d@x.se\n")
        let json = try scratch.write("c.json", "[{\"contactKey\":\"e\"},{\"contactKey\":\"a\"}]")
        var result = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "sfmc-async-events", "--json", ndjson])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"duplicates\":0,\"enqueued\":2,\"rejected\":0}\n")
        // Without --config, a destination the queue has not seen is created with a warning (a typo shows at once).
        #expect(
            result.stderr.contains("warning: the queue knows no destination 'sfmc-async-events' (it knows none yet)"), "\(result.stderr)")
        result = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "sfmc-async-events", "--key-column", "key", csv])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("warning"), "a known destination is enqueued for quietly: \(result.stderr)")
        result = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "sfmc-async-events", "--json", json])
        #expect(result.stdout == "{\"duplicates\":1,\"enqueued\":1,\"rejected\":0}\n")
        result = try await JourneyqProcess.run(
            ["enqueue", "--db", db, "--destination", "other", "--format", "ndjson", "-"], stdin: "{\"contactKey\":\"z\"}\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("no destination 'other' (it knows sfmc-async-events)"), "\(result.stderr)")
        let destinations = try await report(db)["destinations"] as! [[String: Any]]
        #expect(destinations.map { $0["name"] as! String } == ["other", "sfmc-async-events"])
        let counts = destinations[1]["counts"] as! [String: Int]
        #expect(
            counts == [
                "queued": 5, "claimed": 0, "sending": 0, "accepted": 0, "unknown": 0, "confirmed": 0, "unverifiable": 0, "dead": 0,
                "expired": 0,
            ])
        let text = try await JourneyqProcess.run(["report", "--db", db])
        #expect(text.stdout.contains("sfmc-async-events"))
    }

    @Test func anInvalidFileExitsTwoNamesTheLineAndWritesNothing() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let file = try scratch.write("bad.ndjson", "{\"contactKey\":\"a\"}\n{\"contactKey\":\"b\",\"data\":{\"n\":{\"x\":1}}}\nnot json\n")
        let result = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "d", file])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file):2: field 'data.n': expected a string, number, boolean or null, found an object"))
        #expect(result.stderr.contains("\(file):3:1: invalid JSON"))
        #expect(result.stderr.contains("nothing was enqueued"))
        #expect(try await queued(db, "d") == 0)
    }

    @Test func skipInvalidEnqueuesTheRestAndWritesRejects() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let file = try scratch.write("mixed.ndjson", "{\"contactKey\":\"a\"}\n{\"contactKey\":\"\"}\n{\"contactKey\":\"c\"}\n")
        let rejects = scratch.path("rejects.ndjson")
        let result = try await JourneyqProcess.run([
            "enqueue", "--db", db, "--destination", "d", "--skip-invalid", "--rejects", rejects, "--json", file,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "{\"duplicates\":0,\"enqueued\":2,\"rejected\":1}\n")
        let lines = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n")
        #expect(lines == [#"{"line":2,"field":"contactKey","error":"must not be empty","record":"{\"contactKey\":\"\"}"}"#])
        #expect(try await queued(db, "d") == 2)
    }

    @Test func usageErrorsExitTwo() async throws {
        let scratch = try Scratch()
        let file = try scratch.write("x.txt", "")
        var result = try await JourneyqProcess.run(["enqueue", "--db", scratch.path("q.sqlite"), "--destination", "d", file])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--format"))
        result = try await JourneyqProcess.run(["enqueue", "--destination", "d", "--skip-invalid", file])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--skip-invalid needs --rejects"))
        result = try await JourneyqProcess.run([
            "enqueue", "--db", scratch.path("q.sqlite"), "--destination", "d", scratch.path("missing.ndjson"),
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("missing.ndjson: cannot open"))
        result = try await JourneyqProcess.run(["enqueue", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--skip-invalid"))
    }
}

@Suite(.timeLimit(.minutes(12))) struct OperatorCLITests {
    @Test func exportOfDeadContactsIsAcceptedBackByEnqueue() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let input = try scratch.write("in.ndjson", "{\"contactKey\":\"a\",\"data\":{\"x\":\"1\"}}\n{\"contactKey\":\"b\"}\n")
        #expect(try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "d", input]).status == 0)
        let exported = scratch.path("queued.ndjson")
        let export = try await JourneyqProcess.run(["export", "--db", db, "--state", "queued", "--output", exported])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(
            try String(contentsOfFile: exported, encoding: .utf8)
                == "{\"contactKey\":\"a\",\"data\":{\"x\":\"1\"}}\n{\"contactKey\":\"b\",\"data\":{}}\n")
        let again = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "other", "--json", exported])
        #expect(again.stdout == "{\"duplicates\":0,\"enqueued\":2,\"rejected\":0}\n")
        let badState = try await JourneyqProcess.run(["export", "--db", db, "--state", "lost"])
        #expect(badState.status == 2)
    }

    @Test func reportFormatsAndFilters() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let input = try scratch.write("in.ndjson", "{\"contactKey\":\"a\"}\n")
        _ = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "d", input])
        _ = try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "e", input])
        let csv = try await JourneyqProcess.run(["report", "--db", db, "--format", "csv", "--destination", "d"])
        #expect(csv.stdout.split(separator: "\n").count == 2)
        let html = scratch.path("r.html")
        #expect(try await JourneyqProcess.run(["report", "--db", db, "--format", "html", "--output", html]).status == 0)
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("<svg"))
        let json = try await JourneyqProcess.run(["report", "--db", db, "--format", "json", "--since", "1h"])
        #expect(json.stdout.contains("\"destinations\""))
        let bad = try await JourneyqProcess.run(["report", "--db", db, "--since", "yesterday"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--since"))
        let show = try await JourneyqProcess.run(["show", "--db", db, "a"])
        #expect(show.status == 0 && show.stdout.contains("a at d: queued"))
        #expect(try await JourneyqProcess.run(["show", "--db", db, "zz"]).status == 1)
    }
}

/// A producer that pauses mid-stream must not lock a running daemon out of the database (issue 9).
@Suite(.timeLimit(.minutes(12))) struct SlowStdinTests {
    @Test func aSlowStdinHoldsNoWriteLockWhileItWaits() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let store = try SQLiteQueueStore(path: db, busyTimeout: 5)
        let input = Pipe(), output = Pipe()
        let process = try ChildProcess(
            JourneyqProcess.binary, ["enqueue", "--db", db, "--destination", "d", "-"], stdin: .pipe(input), stdout: .pipe(output),
            stderr: .pipe(output))
        input.fileHandleForWriting.write(Data((0..<1_000).map { "{\"contactKey\":\"a\($0)\"}\n" }.joined().utf8))
        // While the producer pauses, the daemon's writes go through, every one within the busy timeout. A lock held
        // across the pause would be held until this loop ends (the rest of the input comes after it), so it fails them
        // whatever the timeout: 5 s only spares the brief locks the producer may take, which a loaded machine stretches.
        var writes = 0
        while writes < 20 {
            _ = try await store.ensureDestination(name: "probe-\(writes)", kind: nil, settleMillis: 1_000)
            writes += 1
            try await Task.sleep(for: .milliseconds(100))
        }
        input.fileHandleForWriting.write(Data((1_000..<2_000).map { "{\"contactKey\":\"a\($0)\"}\n" }.joined().utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(printed)")
        #expect(writes >= 20)
        #expect(try await store.counts().first { $0.name == "d" }?.counts[.queued] == 2_000, "all of it, in one transaction at the end")
    }
}
