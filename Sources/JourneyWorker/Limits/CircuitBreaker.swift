import JourneyQueue

/// Whether a destination is fit to be sent to, learned from its answers: closed while it answers; open (no request)
/// once it proves unwell, for a backoff that grows with every failed probe up to a cap; then one probe at a time
/// decides whether it closes again. Pure arithmetic on the times it is given, so tests drive it without sleeping.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case closed
        /// No request before `until`.
        case open(until: Int64)
        /// One request is finding out, since `since`.
        case probing(since: Int64)
    }

    /// What the owner should say (one line when the circuit opens, one when it closes; nothing per request).
    public enum Transition: Sendable, Equatable {
        case none
        case opened(reason: String, until: Int64)
        case closed(afterMillis: Int64)
    }

    public private(set) var state: State = .closed
    /// Why the circuit is open (nil when closed).
    public private(set) var reason: String?
    /// Start of the current run of answers that were not healthy (throttling included): the outage clock.
    public private(set) var unhealthySince: Int64?
    private var openedAt: Int64 = 0
    private var strikes = 0
    private var backoffMillis: Int64
    /// Consecutive strikes (5xx, timeouts) that open the circuit.
    public let failureThreshold: Int
    public let baseMillis: Int64
    public let maxMillis: Int64
    /// A probe that reports nothing for this long is presumed lost; another may go.
    public let probeTimeoutMillis: Int64

    public init(
        failureThreshold: Int = DestinationSettings.Circuit.failureThreshold.defaultInt,
        baseMillis: Int64 = DestinationSettings.Circuit.base.defaultMillis,
        maxMillis: Int64 = DestinationSettings.Circuit.max.defaultMillis,
        probeTimeoutMillis: Int64 = 60_000
    ) {
        self.failureThreshold = max(failureThreshold, 1)
        self.baseMillis = max(baseMillis, 1)
        self.maxMillis = max(maxMillis, baseMillis)
        self.probeTimeoutMillis = probeTimeoutMillis
        backoffMillis = self.baseMillis
    }

    /// How long a request must wait before it may start (0: go now). When the open period is over, the caller that is
    /// admitted becomes the probe.
    public mutating func admit(now: Int64) -> Int64 {
        switch state {
        case .closed:
            return 0
        case .open(let until):
            guard now >= until else { return until - now }
            state = .probing(since: now)
            return 0
        case .probing(let since):
            guard now - since >= probeTimeoutMillis else { return min(100, probeTimeoutMillis - (now - since)) }
            state = .probing(since: now)
            return 0
        }
    }

    /// How long a loop should wait before it claims work for a request (0: it may). Unlike `admit` it reserves nothing.
    public func readiness(now: Int64) -> Int64 {
        switch state {
        case .closed: 0
        case .open(let until): max(until - now, 0)
        case .probing(let since): now - since >= probeTimeoutMillis ? 0 : 100
        }
    }

    /// Learns from one answer; `until` of a signal is already clamped by the caller. A strike that does not count (a
    /// look's 5xx) opens nothing, but still fails a probe.
    public mutating func record(_ signal: DestinationSignal, now: Int64, countsStrikes: Bool = true) -> Transition {
        switch signal {
        case .healthy:
            unhealthySince = nil
            return close(now: now)
        case .throttled:
            // A 429 is the remote answering: not an outage of the circuit's kind, but no progress either.
            if unhealthySince == nil { unhealthySince = now }
            return close(now: now)
        case .strike(let why):
            if unhealthySince == nil { unhealthySince = now }
            if !countsStrikes, state == .closed { return .none }
            strikes += 1
            switch state {
            case .probing: return open(why, until: nil, now: now, failedProbe: true)
            case .closed where strikes >= failureThreshold:
                return open("\(strikes) failures in a row, the last: \(why)", until: nil, now: now, failedProbe: false)
            default: return .none
            }
        case .down(let why, let until):
            if unhealthySince == nil { unhealthySince = now }
            if case .probing = state { return open(why, until: until, now: now, failedProbe: true) }
            return open(why, until: until, now: now, failedProbe: false)
        }
    }

    /// A probe ended with nothing this circuit learns from (a look's 5xx or timeout, which the look endpoints' own
    /// circuit keeps): the next request probes at once. Without this the circuit would wait out `probeTimeoutMillis`
    /// for a verdict that never comes, and a run of such probes would hold every request for minutes after the outage.
    public mutating func probeLearnedNothing(now: Int64) {
        guard case .probing = state else { return }
        state = .open(until: now)
    }

    private mutating func close(now: Int64) -> Transition {
        strikes = 0
        backoffMillis = baseMillis
        reason = nil
        guard state != .closed else { return .none }
        state = .closed
        return .closed(afterMillis: now - openedAt)
    }

    private mutating func open(_ why: String, until remote: Int64?, now: Int64, failedProbe: Bool) -> Transition {
        switch state {
        case .closed:
            backoffMillis = baseMillis
            openedAt = now
            reason = why
            let until = max(now + backoffMillis, remote ?? 0)
            state = .open(until: until)
            return .opened(reason: why, until: until)
        case .probing where failedProbe:
            backoffMillis = min(backoffMillis * 2, maxMillis)
            reason = why
            state = .open(until: max(now + backoffMillis, remote ?? 0))
            return .none
        case .open(let current):
            // Requests that were in flight when it opened report too: they extend nothing but a remote's own deadline.
            state = .open(until: max(current, remote ?? 0))
            return .none
        case .probing:
            return .none
        }
    }
}
