import Foundation
import JourneyQueue
import JourneyWorker
import Logging
import Testing

/// Failing look endpoints open the looks' own circuit (issue 23): looks wait, submissions go on, and the destination's
/// circuit and outage clock hear nothing of it. Time is the gate's manual clock.
@Suite(.timeLimit(.minutes(1))) struct LookCircuitTests {
    @Test func failedLooksPauseTheLooksAndNothingElse() async throws {
        let clock = ManualClock()
        let told = Reports()
        let gate = DestinationGate(
            destination: "d", requestsPerSecond: 1_000_000, concurrency: 4,
            circuit: CircuitBreaker(failureThreshold: 3, baseMillis: 1_000, maxMillis: 8_000), clock: clock,
            logger: Logger(label: "test"), onLookHealth: { told.append($0) })
        for _ in 0..<3 {
            try await gate.enter(purpose: .reconcile)
            await gate.report(.strike(reason: "HTTP 500"), purpose: .reconcile)
        }
        let open = await gate.health()
        #expect(open.looks?.reason.contains("HTTP 500") == true)
        #expect(!open.circuitOpen && open.unhealthySince == nil, "the destination itself is well: its outage clock does not run")
        #expect(await gate.readiness(for: .reconcile) == 1_000)
        #expect(await gate.readiness(for: .submit) == 0)
        // A submission goes at once.
        try await gate.enter(purpose: .submit)
        await gate.report(.healthy, purpose: .submit)
        #expect(await gate.health().looks != nil, "a healthy submission says nothing of the look endpoints")
        // A look waits for the pause (holding no place meanwhile); then it is the probe, and its answer closes the circuit.
        let look = Task { try await gate.enter(purpose: .reconcile) }
        clock.advance(by: 1_000)
        try await look.value
        await gate.report(.healthy, purpose: .reconcile)
        #expect(await gate.health().looks == nil)
        #expect(told.values.count == 2 && told.values[0] != nil && told.values[1] == nil, "opened once, closed once")
    }

    /// After an outage of the host (here: no token), the first request to go is the destination circuit's probe. When
    /// that request is a look that fails on its own (5xx, no answer), the destination circuit learns nothing from it; it
    /// must not wait a probe's timeout (a minute) for an answer that never comes before the next request decides.
    @Test func aLookThatProbesAndFailsOnItsOwnLetsTheNextRequestProbe() async throws {
        let clock = ManualClock()
        let gate = DestinationGate(
            destination: "d", requestsPerSecond: 1_000_000, concurrency: 4,
            circuit: CircuitBreaker(failureThreshold: 3, baseMillis: 1_000, maxMillis: 8_000, probeTimeoutMillis: 60_000),
            clock: clock, logger: Logger(label: "test"))
        await gate.report(.down(reason: "authentication failed: no answer in time", until: nil), purpose: .token)
        #expect(await gate.readiness(for: .submit) == 1_000)
        clock.advance(by: 1_000)
        // The look is the first to go: the destination circuit's probe.
        try await gate.enter(purpose: .reconcile)
        #expect(await gate.readiness(for: .submit) > 0, "one probe at a time")
        await gate.report(.strike(reason: "no answer in time"), purpose: .reconcile)
        #expect(await gate.readiness(for: .submit) == 0, "the probe gave nothing back: the next request probes now")
        #expect(await gate.health().circuitOpen, "a look's failure closes nothing either")
        try await gate.enter(purpose: .submit)
        #expect(await gate.readiness(for: .submit) > 0, "the submission is the probe now: one at a time still")
        await gate.report(.healthy, purpose: .submit)
        #expect(await gate.readiness(for: .submit) == 0)
        #expect(await !gate.health().circuitOpen)
    }
}

/// What the gate told of the look circuit, in order.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [DestinationPause?] = []
    func append(_ value: DestinationPause?) { lock.withLock { stored.append(value) } }
    var values: [DestinationPause?] { lock.withLock { stored } }
}
