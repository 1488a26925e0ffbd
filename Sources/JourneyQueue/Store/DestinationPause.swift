/// A destination held back: until when, why, and since when.
public struct DestinationPause: Sendable, Equatable, Codable {
    /// No request before this (epoch ms); `Int64.max` until resumed.
    public var until: Int64
    public var reason: String
    public var since: Int64?

    public init(until: Int64, reason: String, since: Int64? = nil) {
        self.until = until
        self.reason = reason
        self.since = since
    }

    /// Whether it still holds at `now`.
    public func holds(at now: Int64) -> Bool { until > now }
}
