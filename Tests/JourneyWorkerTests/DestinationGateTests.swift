import Foundation
import JourneyQueue
import JourneyWorker
import Logging
import Testing

/// Submissions and looks share a destination's `concurrency`: one more waits until one in flight reports its answer or
/// leaves unsent; token requests are not counted (a request waiting for its token must never wait on itself).
@Suite(.timeLimit(.minutes(5))) struct DestinationGateTests {
    func gate(concurrency: Int) -> DestinationGate {
        DestinationGate(
            destination: "d", requestsPerSecond: 1_000_000, concurrency: concurrency, clock: ManualClock(), logger: Logger(label: "test"))
    }

    @Test func requestsBeyondTheConcurrencyWaitForOneToFinish() async throws {
        let gate = gate(concurrency: 2)
        try await gate.enter(purpose: .submit)
        try await gate.enter(purpose: .reconcile)
        let third = Task { try await gate.enter(purpose: .submit) }
        try await waitUntil { await gate.inFlight.waiting == 1 }
        // A token request goes past the queue.
        try await gate.enter(purpose: .token)
        await gate.report(.healthy, purpose: .token)
        #expect(await gate.inFlight == (busy: 2, waiting: 1))
        // An answer frees a place: the waiting request takes it.
        await gate.report(.healthy, purpose: .reconcile)
        try await third.value
        #expect(await gate.inFlight == (busy: 2, waiting: 0))
        // A request that never left gives its place back too.
        await gate.leave(purpose: .submit)
        await gate.report(.strike(reason: "HTTP 500"), purpose: .submit)
        #expect(await gate.inFlight == (busy: 0, waiting: 0))
    }

    /// Why the circuit is open is a cause, not a phrase to search: refused credentials make `serve` not ready, a remote
    /// that is down does not.
    @Test func theCircuitSaysWhetherTheCredentialsOrTheRemoteFailed() async throws {
        let refused = gate(concurrency: 2)
        try await refused.enter(purpose: .token)
        await refused.report(.down(reason: "token endpoint answered 401: invalid_client", until: nil), purpose: .token)
        let health = await refused.health()
        #expect(health.circuitOpen && health.circuitCause == .authentication)
        let down = gate(concurrency: 2)
        try await down.enter(purpose: .submit)
        await down.report(.down(reason: "connection refused", until: nil), purpose: .submit)
        #expect(await down.health().circuitCause == .unavailable)
        let well = gate(concurrency: 2)
        #expect(await well.health().circuitCause == nil)
    }

    @Test func everyChangeInFlightIsToldForTheMetrics() async throws {
        let told = Told()
        let gate = DestinationGate(
            destination: "d", requestsPerSecond: 1_000_000, concurrency: 1, clock: ManualClock(), logger: Logger(label: "test"),
            onInFlight: { busy, waiting in told.append(busy, waiting) })
        try await gate.enter(purpose: .submit)
        let second = Task { try await gate.enter(purpose: .reconcile) }
        try await waitUntil { await gate.inFlight.waiting == 1 }
        await gate.report(.healthy, purpose: .submit)
        try await second.value
        await gate.leave(purpose: .reconcile)
        #expect(told.values.map { "\($0.0)/\($0.1)" } == ["1/0", "1/1", "1/0", "0/0"])
    }

    @Test func waitersAreLetThroughInTheOrderTheyCame() async throws {
        let gate = gate(concurrency: 1)
        try await gate.enter(purpose: .submit)
        let order = Order()
        var waiters: [Task<Void, any Error>] = []
        for index in 0..<3 {
            waiters.append(
                Task {
                    try await gate.enter(purpose: .reconcile)
                    await order.append(index)
                })
            try await waitUntil { await gate.inFlight.waiting == index + 1 }
        }
        for index in 0..<3 {
            await gate.report(.healthy, purpose: .submit)
            try await waiters[index].value
        }
        #expect(await order.values == [0, 1, 2])
    }
}

final class Told: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [(Int, Int)] = []
    func append(_ busy: Int, _ waiting: Int) { lock.withLock { stored.append((busy, waiting)) } }
    var values: [(Int, Int)] { lock.withLock { stored } }
}

actor Order {
    var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}

/// Polls `condition` until it holds; fails the test after `seconds`: a bound for a loaded machine (it returns as soon as
/// the condition holds), which the suite's time limit leaves room for, so a failure says what was not met.
func waitUntil(seconds: Double = 180, _ condition: () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !(await condition()) {
        guard Date() < deadline else {
            Issue.record("condition not met within \(seconds) s")
            return
        }
        try await Task.sleep(for: .milliseconds(2))
    }
}

/// A loop held back by the journey's first check starts the moment the check answers, not at the end of its wait.
@Suite(.timeLimit(.minutes(5))) struct HoldWaitTests {
    @Test func theFirstSubmissionWaitsForTheJourneyCheckAndNoLonger() async throws {
        let gate = DestinationGate(
            destination: "d", requestsPerSecond: 1_000_000, concurrency: 2, clock: ManualClock(), logger: Logger(label: "test"),
            checkingJourney: true)
        #expect(await gate.readiness(for: .submit) > 0)
        // An hour's bound: only the hold's end can wake the waiter within the test's limit.
        let waiter = Task { await gate.waitForHoldChange(atMost: 3_600_000) }
        try await waitUntil { await gate.holdWaiterCount == 1 }
        await gate.hold(.journey, nil)
        await waiter.value
        #expect(await gate.readiness(for: .submit) == 0)
        #expect(await gate.holdWaiterCount == 0)
    }

    @Test func aCancelledWaiterReturnsAtOnce() async throws {
        let gate = DestinationGate(
            destination: "d", requestsPerSecond: 1_000_000, concurrency: 2, clock: ManualClock(), logger: Logger(label: "test"),
            checkingJourney: true)
        let waiter = Task { await gate.waitForHoldChange(atMost: 3_600_000) }
        try await waitUntil { await gate.holdWaiterCount == 1 }
        waiter.cancel()
        await waiter.value
        try await waitUntil { await gate.holdWaiterCount == 0 }
    }
}
