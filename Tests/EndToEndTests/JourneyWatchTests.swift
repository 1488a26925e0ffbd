import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import JourneyWorker
import NIOCore
import Testing

/// Preflight and journey watch (issue 13): a journey that takes no entries holds its destination without spending an
/// attempt; a journey that does not exist stops it before anything is sent.
@Suite(.timeLimit(.minutes(12))) struct JourneyWatchTests {
    @Test func aStoppedJourneyHoldsTheDestinationUntilItIsPublishedAgain() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...50 }) { harness in
            try await harness.enqueue(400)
            _ = await harness.state.setJourneyState(key: "journey-async", to: .stopped)
            let configs = try harness.configs(configure: { $0.journeyCheckMillis = 200 })
            let store = harness.store
            let state = harness.state
            let clock = harness.clock
            let published = PublishTime()
            let journeyChecks: @Sendable () async -> Int = {
                await state.statistics().requests["GET /interaction/v1/interactions/{id}"]?.values.reduce(0, +) ?? 0
            }
            async let worked: DrainGaveUp? = harness.work(configs, deadline: 90)
            // The worker found the journey stopped and says so; it is published again only once the worker has looked at
            // it three more times: its submitters had that long to send, wrongly, and sent nothing.
            let held = try await waitFor(seconds: 120) {
                (try await store.counts().first { $0.name == "sfmc-async-events" }?.health?.reason ?? "").contains("Stopped")
            }
            #expect(held, "the worker did not report the stopped journey")
            let checked = await journeyChecks()
            #expect(try await waitFor(seconds: 120) { await journeyChecks() >= checked + 3 }, "the journey was not looked at again")
            #expect(try SQLiteInspection.int(path: store.path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit'") == 0)
            published.set(clock.nowMillis())
            _ = await state.setJourneyState(key: "journey-async", to: .running)
            #expect(try await worked == nil)
            #expect(try await harness.counts()[.confirmed] == 400)
            #expect(try await harness.counts()[.dead, default: 0] == 0)
            let truth = await harness.truth()
            #expect(truth.count == 400 && truth.values.allSatisfy { $0 == 1 })
            // Nothing was sent while the journey was stopped, so no attempt was spent on it.
            let first = try SQLiteInspection.int(path: store.path, "SELECT MIN(started_at) FROM attempt WHERE purpose = 'submit'")
            #expect(Int64(first) >= published.value, "a request left \(published.value - Int64(first)) ms before the journey was published")
            #expect(try SQLiteInspection.int(path: store.path, "SELECT MAX(attempts) FROM contact") == 1)
        }
    }

    @Test func aJourneyThatDoesNotExistStopsTheDestinationBeforeAnythingIsSent() async throws {
        try await WorkerHarness.with { harness in
            try await harness.enqueue(50)
            let gaveUp = try await harness.work(
                try harness.configs(configure: { config in
                    config.updateConnection(SFMCKind.Connection.self) { $0.settings.journeyKey = "no-such-journey" }
                }), deadline: 30)
            #expect(gaveUp?.reason.contains("no journey has the key 'no-such-journey'") == true, "\(String(describing: gaveUp))")
            #expect(try SQLiteInspection.int(path: harness.store.path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit'") == 0)
            #expect(try await harness.counts()[.queued] == 50)
        }
    }

    @Test func checkExitsZeroOnTheWrittenConfigAndOneNamingTheCause() async throws {
        let scratch = try Scratch()
        let (simulator, base, config) = try await startSimulator(scratch)
        defer { simulator.signal(SIGTERM) }
        var result = try await JourneyqProcess.run(["check", "--config", config])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("✓ journey takes entries: status Published"))
        #expect(result.stdout.contains("? journey exists and is active"), "Symplify's unknown is reported as such")
        var stop = HTTPClientRequest(url: base + "/_sim/journeys/journey-events/status")
        stop.method = .POST
        stop.body = .bytes(ByteBuffer(string: #"{"status":"Stopped"}"#))
        #expect(try await HTTPClient.shared.execute(stop, timeout: .seconds(5)).status.code == 200)
        result = try await JourneyqProcess.run(["check", "--config", config, "--destination", "sfmc-events"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("✗ journey takes entries: status Stopped"))
        #expect(result.stderr.contains("sfmc-events: journey takes entries"))
        var misnamed = try ConfigDocument(path: config)
        try misnamed.set("sfmc-async-events", "journeyKey", "nope")
        let wrong = try scratch.write("wrong.yaml", try misnamed.yaml())
        result = try await JourneyqProcess.run(["check", "--config", wrong, "--destination", "sfmc-async-events", "--format", "json"])
        #expect(result.status == 1 && result.stdout.contains("no journey has the key 'nope'"))
        let bad = try scratch.write("bad.yaml", "destinations:\n  x:\n    kind: nope\n")
        #expect(try await JourneyqProcess.run(["check", "--config", bad]).status == 2)
    }
}

/// When the test published the journey again.
final class PublishTime: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int64 = .max
    func set(_ value: Int64) { lock.withLock { stored = value } }
    var value: Int64 { lock.withLock { stored } }
}
