import Foundation
import JourneyQueue
import Logging
import ServiceLifecycle

/// One destination's gate, shared by its submitters and reconcilers: every request waits here for its turn (rate),
/// for a throttling pause to end, and for an open circuit to close; every answer teaches it the destination's health.
public actor DestinationGate: RequestGate {
    public let destination: String
    private var rate: RateGate
    private var circuit: CircuitBreaker
    private let clock: any Clock
    private let logger: Logger
    /// Longest pause any answer may impose.
    private let maxPauseMillis: Int64

    public init(destination: String, requestsPerSecond: Double, circuit: CircuitBreaker = CircuitBreaker(), maxPauseMillis: Int64 = 900_000,
                clock: any Clock, logger: Logger) {
        self.destination = destination
        rate = RateGate(requestsPerSecond: requestsPerSecond)
        self.circuit = circuit
        self.clock = clock
        self.logger = logger
        self.maxPauseMillis = maxPauseMillis
    }

    public func enter() async throws {
        while true {
            try Task.checkCancellation()
            let now = clock.nowMillis()
            let circuitWait = circuit.admit(now: now)
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
            return
        }
    }

    public func report(_ signal: DestinationSignal, purpose: AttemptPurpose) {
        let now = clock.nowMillis()
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
        switch circuit.record(clamped, now: now, countsStrikes: purpose == .submit) {
        case .none:
            break
        case .opened(let reason, let until):
            logger.warning("destination unavailable: paused; contacts keep their attempts, one probe at a time decides when to resume", metadata: [
                "destination": "\(destination)", "reason": "\(reason)", "retry.at": "\(ISOTime.string(until))"])
        case .closed(let millis):
            logger.notice("destination available again: resumed", metadata: ["destination": "\(destination)", "paused.seconds": "\(millis / 1000)"])
        }
    }

    /// How long a loop should wait before it claims work (0: now): the circuit is open, or a 429 asked for a pause.
    public func readiness() -> Int64 {
        let now = clock.nowMillis()
        return max(circuit.readiness(now: now), rate.pausedUntil - now, 0)
    }

    /// The destination's health as reports and the drain see it.
    public func health() -> DestinationHealth {
        let now = clock.nowMillis()
        var pausedUntil: Int64?
        if case .open(let until) = circuit.state { pausedUntil = until }
        if rate.pausedUntil > now { pausedUntil = max(pausedUntil ?? 0, rate.pausedUntil) }
        return DestinationHealth(destination: destination, circuitOpen: circuit.state != .closed, reason: circuit.reason,
                                 pausedUntil: pausedUntil, unhealthySince: circuit.unhealthySince)
    }
}

/// A destination's health at one moment.
public struct DestinationHealth: Sendable, Equatable {
    public var destination: String
    /// The circuit is open or probing: requests wait.
    public var circuitOpen: Bool
    public var reason: String?
    /// No request before this (a 429's pause or the open circuit), if any.
    public var pausedUntil: Int64?
    /// Start of the current run of answers that were not healthy; nil while the destination answers.
    public var unhealthySince: Int64?
}
