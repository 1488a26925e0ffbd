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
}

/// What the gate told of the look circuit, in order.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [DestinationPause?] = []
    func append(_ value: DestinationPause?) { lock.withLock { stored.append(value) } }
    var values: [DestinationPause?] { lock.withLock { stored } }
}
