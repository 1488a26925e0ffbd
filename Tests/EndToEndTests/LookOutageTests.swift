import Foundation
import JourneyQueue
import JourneySimulator
import JourneyWorker
import Testing

/// An outage of the look endpoints is an outage, not a look that failed (issue 23): it opens the looks' own circuit,
/// costs nobody a look, and everyone is decided once it ends.
@Suite(.timeLimit(.minutes(12))) struct LookOutageTests {
    @Test func tenMinutesOfFailingLooksMakeNobodyUnverifiable() async throws {
        // Every look endpoint answers 500 for 600 s, from 1 s after the sandbox starts: in the middle of the run. The
        // sandbox keeps the harness's time, so that the test steps through the ten minutes instead of waiting them out.
        try await WorkerHarness.with(
            sandboxSharesClock: true,
            { config in
                config.entryDelayMillis = 0...100
                config.lookOutageMillis = 1_000...601_000
            }
        ) { harness in
            try await harness.enqueue(1_500)
            let configs = try harness.configs(configure: { config in
                config.policy.verifyAttempts = 3
                config.limits.requestsPerSecond = 5
                config.journeyCheckMillis = 0
                // Leases outlive the step through the outage below (the keeper renews them on real time's schedule).
                config.limits.leaseMillis = 900_000
            })
            let store = harness.store
            async let worked = harness.work(configs, deadline: 240)
            // The looks fail, their circuit opens, and the worker says so where operators look.
            try await waitFor(seconds: 60) { try await store.counts().first { $0.name == "sfmc-async-events" }?.looks != nil }
            let held = try #require(try await store.counts().first { $0.name == "sfmc-async-events" })
            #expect(held.looks?.reason.contains("HTTP 500") == true, "\(String(describing: held.looks))")
            let report = ReportRenderer.text(try await store.reports(destination: "sfmc-async-events", since: nil))
            #expect(report.contains("LOOKS HELD"), "\(report)")
            #expect(held.counts[.unverifiable, default: 0] == 0)
            // Ten minutes later the endpoints answer again.
            harness.clock.step(by: 600_000)
            let gaveUp = try await worked
            #expect(gaveUp == nil)
            let counts = try await harness.counts()
            let reasons = try SQLiteInspection.rows(
                path: store.path,
                "SELECT dead_reason, COUNT(*) AS n FROM contact WHERE state = \(ContactState.dead.rawValue) GROUP BY 1 LIMIT 5")
            #expect(counts[.confirmed] == 1_500, "\(counts) \(reasons)")
            #expect(counts[.unverifiable, default: 0] == 0, "nobody ends unverifiable because the look endpoints were down")
            #expect(try await store.counts().first?.looks == nil, "the look circuit closed again")
            #expect(await harness.truth().values.allSatisfy { $0 == 1 }, "nobody entered twice")
            let path = store.path
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'reconcile' AND status = 500") > 0,
                "the outage was met")
            #expect(try SQLiteInspection.int(path: path, "SELECT MAX(looks) FROM contact") < 3)
        }
    }
}
