/// Spaces request starts to a rate and holds them while the destination is paused (after a 429).
/// Pure arithmetic on the times it is given, so tests drive it without sleeping.
public struct RateGate: Sendable, Equatable {
    /// Milliseconds between two starts.
    public let intervalMillis: Double
    private var nextFree: Double = 0
    /// No request starts before this (epoch ms).
    public private(set) var pausedUntil: Int64 = 0

    /// A gate that starts at most `requestsPerSecond` requests a second.
    public init(requestsPerSecond: Double) {
        intervalMillis = 1000 / requestsPerSecond
    }

    /// Reserves the next start; returns how long to wait before it, in milliseconds.
    public mutating func reserve(now: Int64) -> Int64 {
        let start = max(Double(now), nextFree, Double(pausedUntil))
        nextFree = start + intervalMillis
        return Int64((start - Double(now)).rounded(.up))
    }

    /// Gives back a reservation that was not used (nothing to send).
    public mutating func release() {
        nextFree -= intervalMillis
    }

    /// Pauses until `until` (keeps the later of two pauses).
    public mutating func pause(until: Int64) {
        pausedUntil = max(pausedUntil, until)
    }
}
