import Testing
@testable import JourneyWorker

@Suite struct RateGateTests {
    @Test func spacesStartsToTheRate() {
        var gate = RateGate(requestsPerSecond: 4)
        #expect(gate.reserve(now: 1_000) == 0)
        #expect(gate.reserve(now: 1_000) == 250)
        #expect(gate.reserve(now: 1_000) == 500)
        #expect(gate.reserve(now: 2_000) == 0)
    }

    @Test func anUnusedReservationIsGivenBack() {
        var gate = RateGate(requestsPerSecond: 2)
        _ = gate.reserve(now: 0)
        #expect(gate.reserve(now: 0) == 500)
        gate.release()
        #expect(gate.reserve(now: 0) == 500)
    }

    @Test func aPauseHoldsEveryStartUntilItEnds() {
        var gate = RateGate(requestsPerSecond: 1_000)
        gate.pause(until: 6_000)
        gate.pause(until: 5_000)
        #expect(gate.pausedUntil == 6_000)
        #expect(gate.reserve(now: 1_000) == 5_000)
        #expect(gate.reserve(now: 6_000) == 1)
    }
}
