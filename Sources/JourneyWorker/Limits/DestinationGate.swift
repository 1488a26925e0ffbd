import Foundation
import JourneyQueue
import JourneyRuntime
import Logging
import ServiceLifecycle

/// One destination's gate, shared by its submitters and reconcilers: every request waits here for its turn (rate),
/// for a throttling pause to end, and for an open circuit to close; every answer teaches it the destination's health.
/// Looks have a circuit of their own: look endpoints that fail (5xx, no answer) pause the looks, not the submissions.
public actor DestinationGate: RequestGate {
    public let destination: String
    private var rate: RateGate
    private var circuit: CircuitBreaker
    /// The look endpoints' own circuit: a run of failed looks is an outage of those endpoints, which waits (and costs
    /// no contact a look) instead of deciding anything.
    private var lookCircuit: CircuitBreaker
    /// The account's API calls against its daily budget: looks slow down as it nears its end (submissions never wait on it).
    private var budget: CallBudget?
    /// How far the budget holds the looks back now: 0 not at all, 1 spaced out, 2 spent (told once when that changes).
    private var budgetHold = 0
    /// Told the share of the budget used after every request (metrics).
    private let onBudget: @Sendable (Double) -> Void
    private let clock: any WallClock
    private let logger: Logger
    /// Longest pause any answer may impose.
    private let maxPauseMillis: Int64
    /// Holds from outside the answers: an operator's pause, a journey that takes no entries.
    private var holds: [HoldKind: DestinationPause] = [:]
    /// Why the circuit last heard of trouble: the credentials, or the remote.
    private var circuitCause: PauseCause = .unavailable
    /// Told whenever what the destination's health looks like from here changes (for reports and metrics).
    private let onHealth: @Sendable (DestinationPause?) -> Void
    /// Told whenever the look circuit opens or closes (for reports and metrics).
    private let onLookHealth: @Sendable (DestinationPause?) -> Void
    /// Submissions and looks in flight, at most `slots` (the destination's `concurrency`), the rest waiting in turn.
    private let slots: Int
    private var busy = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Loops waiting for a hold to end (`waitForHoldChange`), woken when any hold changes.
    var holdWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    var nextHoldWaiter: UInt64 = 0
    /// Told how many requests are in flight and how many wait for a place, whenever that changes (metrics).
    private let onInFlight: @Sendable (_ busy: Int, _ waiting: Int) -> Void

    /// Why a destination may be held back other than by its answers.
    public enum HoldKind: String, Sendable {
        case operatorPause = "operator"
        /// The journey takes no entries (Draft, Stopped), or its first check is not back yet.
        case journey
        /// The configured journey does not exist or listens to another key: nothing is sent until the config is fixed.
        case misconfigured
    }

    public init(
        destination: String, requestsPerSecond: Double, concurrency: Int = .max, circuit: CircuitBreaker = CircuitBreaker(),
        maxPauseMillis: Int64 = 900_000,
        clock: any WallClock, logger: Logger, operatorPause: DestinationPause? = nil, checkingJourney: Bool = false,
        onHealth: @escaping @Sendable (DestinationPause?) -> Void = { _ in },
        onLookHealth: @escaping @Sendable (DestinationPause?) -> Void = { _ in },
        callBudget: CallBudget? = nil, onBudget: @escaping @Sendable (Double) -> Void = { _ in },
        onInFlight: @escaping @Sendable (_ busy: Int, _ waiting: Int) -> Void = { _, _ in }
    ) {
        self.destination = destination
        if let operatorPause { holds[.operatorPause] = operatorPause }
        // Nothing is sent before the journey watch's first answer: a stopped journey would take contacts and enter none.
        if checkingJourney {
            holds[.journey] = DestinationPause(
                until: .max, reason: "checking the journey before the first request", cause: .checkingJourney)
        }
        rate = RateGate(requestsPerSecond: requestsPerSecond)
        self.circuit = circuit
        lookCircuit = circuit
        self.clock = clock
        self.logger = logger
        self.maxPauseMillis = maxPauseMillis
        self.onHealth = onHealth
        self.onLookHealth = onLookHealth
        budget = callBudget
        self.onBudget = onBudget
        slots = max(concurrency, 1)
        self.onInFlight = onInFlight
    }

    /// Holds the destination (or lets it go, with nil) for a reason that is not an answer; logs the change once.
    public func hold(_ kind: HoldKind, _ pause: DestinationPause?) {
        let before = holds[kind]
        guard before?.until != pause?.until || before?.reason != pause?.reason else { return }
        var pause = pause
        if let given = pause { pause?.since = before?.since ?? given.since ?? clock.nowMillis() }
        holds[kind] = pause
        if let pause {
            logger.warning(
                "destination held",
                metadata: [
                    "destination": "\(destination)", "by": "\(kind.rawValue)", "reason": "\(pause.reason)",
                    "until": "\(pause.until == .max ? "resumed" : ISOTime.string(pause.until))",
                ])
        } else if let before, before.cause != .checkingJourney {
            logger.notice("destination released", metadata: ["destination": "\(destination)", "by": "\(kind.rawValue)"])
        }
        wakeHoldWaiters()
        onHealth(currentHealth())
    }

    /// How long a request of this purpose must wait for holds. An operator's
    /// pause stops every request; a journey hold stops submissions only, so the looks that decide when it ends still go.
    private func holdWait(now: Int64, purpose: AttemptPurpose) -> Int64 {
        holds.filter { kind, hold in hold.holds(at: now) && (purpose == .submit || kind == .operatorPause) }
            .map { min($0.value.until - now, 1_000) }.max() ?? 0
    }

    /// What reports should say of this destination now: a hold, or an open circuit, or nothing.
    private func currentHealth() -> DestinationPause? {
        let now = clock.nowMillis()
        if let wrong = holds[.misconfigured], wrong.holds(at: now) { return wrong }
        if let journey = holds[.journey], journey.holds(at: now) { return journey }
        if case .open(let until) = circuit.state, let reason = circuit.reason {
            return DestinationPause(until: until, reason: reason, since: circuit.unhealthySince, cause: circuitCause)
        }
        return nil
    }

    /// The look circuit as reports see it: open (or probing) since when, why, until when; else the budget slowing looks.
    private func currentLookHealth() -> DestinationPause? {
        switch lookCircuit.state {
        case .closed:
            guard var budget, budgetHold > 0 else { return nil }
            let now = clock.nowMillis()
            let used = budget.used(now: now)
            let wait = budget.lookWait(now: now)
            let spent = used >= budget.callsPerDay
            return DestinationPause(
                until: now + wait,
                reason: "API call budget: \(used) of \(budget.callsPerDay) calls of the last day used; "
                    + (spent ? "looks wait until calls of a day ago leave the window" : "looks are spaced out"), since: now,
                cause: .callBudget)
        case .open(let until):
            return DestinationPause(
                until: until, reason: lookCircuit.reason ?? "looks failing", since: lookCircuit.unhealthySince, cause: .looks)
        case .probing:
            return DestinationPause(
                until: clock.nowMillis(), reason: lookCircuit.reason ?? "looks failing", since: lookCircuit.unhealthySince, cause: .looks)
        }
    }

    public func enter(purpose: AttemptPurpose) async throws {
        // Submissions and looks share the destination's `concurrency`; a token request is not counted, so that a
        // request waiting for its token can never wait on itself.
        guard Self.counts(purpose) else { return try await pace(purpose: purpose) }
        // A look waits out an open look circuit, and the call budget, before it takes a place, so that submissions keep
        // theirs meanwhile.
        while purpose == .reconcile, case let wait = max(lookCircuit.readiness(now: clock.nowMillis()), budgetWait()), wait > 0 {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(min(wait, 1_000))) }
        }
        if purpose == .reconcile { budget?.lookStarted(now: clock.nowMillis()) }
        await takeSlot()
        do {
            try await pace(purpose: purpose)
        } catch {
            giveBackSlot()
            throw error
        }
    }

    public func leave(purpose: AttemptPurpose) {
        if Self.counts(purpose) { giveBackSlot() }
    }

    /// Requests in flight now, and waiting for a place (tests, metrics).
    public var inFlight: (busy: Int, waiting: Int) { (busy, waiting.count) }

    private static func counts(_ purpose: AttemptPurpose) -> Bool { purpose == .submit || purpose == .reconcile }

    private func takeSlot() async {
        if busy < slots {
            busy += 1
            onInFlight(busy, waiting.count)
            return
        }
        // Handed over by `giveBackSlot`, first come first served: `busy` stays as it is.
        await withCheckedContinuation {
            waiting.append($0)
            onInFlight(busy, waiting.count)
        }
    }

    private func giveBackSlot() {
        if waiting.isEmpty {
            assert(busy > 0, "a request left the gate it never entered")
            busy = max(busy - 1, 0)
        } else {
            waiting.removeFirst().resume()
        }
        onInFlight(busy, waiting.count)
    }

    /// Waits for holds, an open circuit and the rate.
    private func pace(purpose: AttemptPurpose) async throws {
        while true {
            try Task.checkCancellation()
            let now = clock.nowMillis()
            let held = holdWait(now: now, purpose: purpose)
            if held > 0 {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(held)) }
                continue
            }
            let mainWait = circuit.admit(now: now)
            let circuitWait = mainWait == 0 && purpose == .reconcile ? lookCircuit.admit(now: now) : mainWait
            if circuitWait > 0 {
                // A long outage must not hold up a drain: this wait ends on graceful shutdown.
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(min(circuitWait, 1_000))) }
                continue
            }
            let wait = rate.reserve(now: now)
            if wait > 0 {
                try await Task.sleep(for: .milliseconds(wait))
                // A 429 answered while this request waited moves the pause: wait for the new one.
                if rate.pausedUntil > clock.nowMillis() {
                    rate.release()
                    continue
                }
            }
            while case let late = rate.admit(now: clock.nowMillis()), late > 0 {
                try await Task.sleep(for: .milliseconds(late))
            }
            return
        }
    }

    /// How long a look must wait for the call budget (0: go).
    private func budgetWait() -> Int64 {
        guard var spent = budget else { return 0 }
        let wait = spent.lookWait(now: clock.nowMillis())
        budget = spent
        return wait
    }

    /// Every request that left counts against the budget; a change in whether it slows the looks is told once.
    private func countCall(now: Int64) {
        guard var counted = budget else { return }
        counted.record(now: now)
        let share = counted.share(now: now)
        budget = counted
        onBudget(share)
        let hold = share >= 1 ? 2 : share >= counted.slowFrom ? 1 : 0
        guard hold != budgetHold else { return }
        let rising = hold > budgetHold
        budgetHold = hold
        if rising {
            logger.warning(
                "API call budget nearly spent: looks slow down (submissions do not)",
                metadata: [
                    "destination": "\(destination)", "used": "\(Int(share * 100))%", "calls.per.day": "\(counted.callsPerDay)",
                ])
        } else {
            logger.notice("API call budget back below the mark: looks at full pace", metadata: ["destination": "\(destination)"])
        }
        if lookCircuit.state == .closed { onLookHealth(currentLookHealth()) }
    }

    public func report(_ signal: DestinationSignal, purpose: AttemptPurpose) {
        if Self.counts(purpose) { giveBackSlot() }
        let now = clock.nowMillis()
        countCall(now: now)
        var clamped = signal
        switch signal {
        case .throttled(let until):
            let limit = min(max(until, now), now + maxPauseMillis)
            rate.pause(until: limit)
            clamped = .throttled(until: limit)
        case .down(let reason, let until?):
            clamped = .down(reason: reason, until: min(max(until, now), now + maxPauseMillis))
        default:
            break
        }
        if purpose == .reconcile {
            recordLook(clamped, now: now)
            // A look's 5xx or timeout is the look endpoints' trouble, which their own circuit keeps: the destination's
            // circuit (and its outage clock) hears only what a look says of the host (refused, redirected, answering).
            // A look that was the destination circuit's probe gives the probe back, so that the next request decides.
            if case .strike = clamped {
                circuit.probeLearnedNothing(now: now)
                return
            }
        }
        switch clamped {
        // What the circuit's reason says, as a cause: a token that cannot be had is the credentials, the rest the remote.
        case .down, .strike: circuitCause = purpose == .token ? .authentication : .unavailable
        default: break
        }
        switch circuit.record(clamped, now: now, countsStrikes: purpose == .submit) {
        case .none:
            break
        case .opened(let reason, let until):
            logger.warning(
                "destination unavailable: paused; contacts keep their attempts, one probe at a time decides when to resume",
                metadata: [
                    "destination": "\(destination)", "reason": "\(reason)", "retry.at": "\(ISOTime.string(until))",
                ])
            onHealth(currentHealth())
        case .closed(let millis):
            logger.notice(
                "destination available again: resumed", metadata: ["destination": "\(destination)", "paused.seconds": "\(millis / 1000)"])
            onHealth(currentHealth())
        }
    }

    /// A look's answer teaches the look circuit: 5xx and no answer are strikes (a run of them opens it); an answer
    /// closes it. A destination that is down (refused, redirect) is the main circuit's business.
    private func recordLook(_ signal: DestinationSignal, now: Int64) {
        if case .down = signal { return }
        switch lookCircuit.record(signal, now: now) {
        case .none:
            break
        case .opened(let reason, let until):
            logger.warning(
                "look endpoints unavailable: looks paused; they cost no contact a look, submissions go on",
                metadata: [
                    "destination": "\(destination)", "reason": "\(reason)", "retry.at": "\(ISOTime.string(until))",
                ])
            onLookHealth(currentLookHealth())
        case .closed(let millis):
            logger.notice(
                "look endpoints available again: looks resumed",
                metadata: [
                    "destination": "\(destination)", "paused.seconds": "\(millis / 1000)",
                ])
            onLookHealth(currentLookHealth())
        }
    }

    /// How long a loop whose requests have this purpose should wait before it claims work (0: now): the circuit is open,
    /// a 429 asked for a pause, or a hold applies to them (a journey hold stops submitters, never the reconcilers); for
    /// looks, the look circuit too.
    public func readiness(for purpose: AttemptPurpose) -> Int64 {
        let now = clock.nowMillis()
        let looks = purpose == .reconcile ? max(lookCircuit.readiness(now: now), budgetWait()) : 0
        return max(circuit.readiness(now: now), looks, rate.pausedUntil - now, holdWait(now: now, purpose: purpose), 0)
    }

    /// The destination's health as reports and the drain see it.
    public func health() -> DestinationHealth {
        let now = clock.nowMillis()
        var pausedUntil: Int64?
        if case .open(let until) = circuit.state { pausedUntil = until }
        if rate.pausedUntil > now { pausedUntil = max(pausedUntil ?? 0, rate.pausedUntil) }
        var reason = circuit.reason
        var since = circuit.unhealthySince
        for hold in holds.values where hold.holds(at: now) {
            pausedUntil = max(pausedUntil ?? 0, hold.until)
            reason = hold.reason
            since = min(since ?? .max, hold.since ?? now)
        }
        return DestinationHealth(
            destination: destination, circuitOpen: circuit.state != .closed, circuitCause: circuit.state != .closed ? circuitCause : nil,
            reason: reason,
            pausedUntil: pausedUntil, unhealthySince: since, misconfigured: holds[.misconfigured]?.reason,
            looks: currentLookHealth())
    }
}
