import Foundation
import JourneyQueue
import JourneyQueueSQLite
import Testing

/// A SQLite queue that `journeyq copy` moved to PostgreSQL stays moved: nothing works it by mistake (issue 24).
@Suite(.timeLimit(.minutes(12))) struct MovedQueueTests {
    @Test func aMovedQueueRefusesEveryCommandThatWouldWorkItAndStillReads() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let file = try scratch.write("a.ndjson", "{\"contactKey\":\"a\"}\n")
        #expect(try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "sfmc-async-events", file]).status == 0)
        try await SQLiteQueueStore(path: db).markMoved(to: "postgres://queue@db.internal:5432/journeys", at: 1_800_000_000_000)
        let (simulator, _, config) = try await startSimulator(scratch)
        defer { simulator.signal(SIGKILL) }

        let work = try await JourneyqProcess.run(["work", "--db", db, "--config", config, "--until-drained"])
        #expect(work.status != 0, "a daemon on a moved queue would send what the fleet sends")
        #expect(work.stderr.contains("this queue was moved to postgres://queue@db.internal:5432/journeys"), "\(work.stderr)")
        for arguments in [
            ["enqueue", "--db", db, "--destination", "sfmc-async-events", file],
            ["pause", "--db", db, "--destination", "sfmc-async-events"],
            ["forget", "--db", db, "a"],
        ] {
            let refused = try await JourneyqProcess.run(arguments)
            #expect(refused.status != 0 && refused.stderr.contains("point --db there"), "\(arguments[0]): \(refused.stderr)")
        }
        // Reading is harmless: the report and show still answer.
        #expect(try await JourneyqProcess.run(["report", "--db", db]).status == 0)
        #expect(try await JourneyqProcess.run(["show", "--db", db, "a"]).status == 0)
        // The operator's explicit flag makes it a queue again, for good.
        let reopened = try await JourneyqProcess.run(["pause", "--db", db, "--destination", "sfmc-async-events", "--reopen-moved"])
        #expect(reopened.status == 0 && reopened.stderr.contains("is a queue of its own again"), "\(reopened.stderr)")
        #expect(try await JourneyqProcess.run(["resume", "--db", db, "--destination", "sfmc-async-events"]).status == 0)
    }
}
