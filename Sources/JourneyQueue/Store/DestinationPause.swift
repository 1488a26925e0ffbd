/// Why a destination is held, as a closed set: what readiness, metrics and logs decide on (`reason` is for people).
public enum PauseCause: String, Sendable, Codable, CaseIterable {
    /// An operator paused it.
    case `operator`
    /// The remote is down, failing or throttling: the circuit is open.
    case unavailable
    /// No token can be had: the credentials are refused.
    case authentication
    /// The journey takes no entries (Draft, Stopped, Paused).
    case journey
    /// The journey's first check is not back yet.
    case checkingJourney
    /// The configured journey does not exist or listens to another key: nothing goes until the config is fixed.
    case misconfigured
    /// The look endpoints are failing: looks wait, submissions go on.
    case looks
    /// The API call budget spaces out or holds the looks.
    case callBudget

    /// The `cause` label of `journeyq_destination_pause_cause`: operator, unavailable or journey.
    public var metricLabel: String {
        switch self {
        case .operator: "operator"
        case .journey, .checkingJourney, .misconfigured: "journey"
        case .unavailable, .authentication, .looks, .callBudget: "unavailable"
        }
    }
}

/// A destination held back: until when, why, and since when.
public struct DestinationPause: Sendable, Equatable, Codable {
    /// No request before this (epoch ms); `Int64.max` until resumed.
    public var until: Int64
    public var reason: String
    public var since: Int64?
    public var cause: PauseCause

    public init(until: Int64, reason: String, since: Int64? = nil, cause: PauseCause) {
        self.until = until
        self.reason = reason
        self.since = since
        self.cause = cause
    }

    /// Whether it still holds at `now`.
    public func holds(at now: Int64) -> Bool { until > now }
}
