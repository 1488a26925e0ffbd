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

    @Test func waitersThatWakeLateStillStartWithinTheRate() {
        var gate = RateGate(requestsPerSecond: 4)
        // Four reservations spaced 250 ms apart, all of whose waiters wake together at 2,000 (a stalled machine), and one
        // more on time: four start, the fifth waits until a second after the first of them.
        for _ in 0..<5 { _ = gate.reserve(now: 1_000) }
        #expect((0..<4).map { _ in gate.admit(now: 2_000) } == [0, 0, 0, 0])
        #expect(gate.admit(now: 2_100) == 900)
        #expect(gate.admit(now: 3_000) == 0)
        #expect(gate.admit(now: 3_000) == 0)
        #expect(gate.admit(now: 3_000) == 0)
        #expect(gate.admit(now: 3_000) == 0)
        #expect(gate.admit(now: 3_500) == 500)
    }
}
