/// Spaces request starts to a rate and holds them while the destination is paused (after a 429).
/// Pure arithmetic on the times it is given, so tests drive it without sleeping.
public struct RateGate: Sendable, Equatable {
    /// Milliseconds between two starts.
    public let intervalMillis: Double
    private var nextFree: Double = 0
    /// No request starts before this (epoch ms).
    public private(set) var pausedUntil: Int64 = 0
    /// Requests allowed in any one second, counted when they actually start.
    private let perSecond: Int
    /// The last `perSecond` actual starts, a ring whose oldest entry is at `oldest` once full.
    private var started: [Int64] = []
    private var oldest = 0

    /// A gate that starts at most `requestsPerSecond` requests a second.
    public init(requestsPerSecond: Double) {
        intervalMillis = 1000 / requestsPerSecond
        perSecond = max(1, Int(requestsPerSecond.rounded(.down)))
    }

    /// Admits a request whose reserved time has come: 0 when it may start now (and counts it), else how long to wait.
    /// Reservations are spaced, but waiters that wake late (a loaded machine, a stalled event loop) would otherwise
    /// start together; this keeps every one-second window of actual starts within the rate.
    public mutating func admit(now: Int64) -> Int64 {
        guard started.count == perSecond else {
            started.append(now)
            return 0
        }
        if now - started[oldest] < 1_000 { return started[oldest] + 1_000 - now }
        started[oldest] = now
        oldest = (oldest + 1) % perSecond
        return 0
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
