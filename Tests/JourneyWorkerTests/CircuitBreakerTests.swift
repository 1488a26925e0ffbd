import JourneyQueue
import Testing

@testable import JourneyWorker

@Suite struct CircuitBreakerTests {
    @Test func aDownSignalOpensAndOneProbeAtATimeDecides() {
        var circuit = CircuitBreaker(failureThreshold: 3, baseMillis: 1_000, maxMillis: 4_000, probeTimeoutMillis: 10_000)
        #expect(circuit.record(.down(reason: "refused", until: nil), now: 0) == .opened(reason: "refused", until: 1_000))
        #expect(circuit.admit(now: 500) == 500)
        // The open period is over: the first request is the probe, the next waits for its answer.
        #expect(circuit.admit(now: 1_000) == 0)
        #expect(circuit.admit(now: 1_001) > 0)
        // A failed probe doubles the pause, up to the cap; nothing is logged for it.
        #expect(circuit.record(.down(reason: "refused", until: nil), now: 1_100) == .none)
        #expect(circuit.state == .open(until: 3_100))
        _ = circuit.admit(now: 3_100)
        _ = circuit.record(.down(reason: "refused", until: nil), now: 3_200)
        #expect(circuit.state == .open(until: 7_200))
        _ = circuit.admit(now: 7_200)
        _ = circuit.record(.strike(reason: "500"), now: 7_300)
        #expect(circuit.state == .open(until: 11_300), "capped at 4 s")
        _ = circuit.admit(now: 11_300)
        #expect(circuit.record(.healthy, now: 11_400) == .closed(afterMillis: 11_400))
        #expect(circuit.state == .closed && circuit.unhealthySince == nil)
        #expect(circuit.admit(now: 11_401) == 0)
    }

    @Test func aRunOfStrikesOpensButAHealthyAnswerResetsTheRun() {
        var circuit = CircuitBreaker(failureThreshold: 3, baseMillis: 500)
        _ = circuit.record(.strike(reason: "500"), now: 0)
        _ = circuit.record(.strike(reason: "500"), now: 1)
        _ = circuit.record(.healthy, now: 2)
        _ = circuit.record(.strike(reason: "timeout"), now: 3)
        _ = circuit.record(.strike(reason: "timeout"), now: 4)
        #expect(circuit.state == .closed)
        guard case .opened(let reason, 505) = circuit.record(.strike(reason: "timeout"), now: 5) else {
            Issue.record("three strikes in a row open the circuit")
            return
        }
        #expect(reason.contains("3 failures in a row"))
    }

    @Test func looksFailuresDoNotOpenTheCircuitButFailAProbe() {
        var circuit = CircuitBreaker(failureThreshold: 1, baseMillis: 100)
        #expect(circuit.record(.strike(reason: "look 500"), now: 0, countsStrikes: false) == .none)
        #expect(circuit.state == .closed)
        _ = circuit.record(.down(reason: "refused", until: nil), now: 10)
        _ = circuit.admit(now: 110)
        _ = circuit.record(.strike(reason: "look 500"), now: 120, countsStrikes: false)
        #expect(circuit.state == .open(until: 320))
    }

    @Test func aRemotesOwnDeadlineIsKeptAndALostProbeIsReplaced() {
        var circuit = CircuitBreaker(baseMillis: 100, probeTimeoutMillis: 1_000)
        _ = circuit.record(.down(reason: "503", until: 5_000), now: 0)
        #expect(circuit.state == .open(until: 5_000))
        #expect(circuit.admit(now: 5_000) == 0)
        #expect(circuit.admit(now: 5_500) > 0)
        #expect(circuit.admit(now: 6_000) == 0, "a probe that never reported is presumed lost")
    }

    @Test func throttlingStartsTheOutageClockButClosesAProbe() {
        var circuit = CircuitBreaker()
        _ = circuit.record(.throttled(until: 10), now: 1)
        #expect(circuit.unhealthySince == 1 && circuit.state == .closed)
        _ = circuit.record(.throttled(until: 10), now: 5)
        #expect(circuit.unhealthySince == 1)
        _ = circuit.record(.healthy, now: 6)
        #expect(circuit.unhealthySince == nil)
    }
}
