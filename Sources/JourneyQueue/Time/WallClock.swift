import Foundation

/// Wall-clock time in epoch milliseconds: the store's timestamps, leases and backoffs all read it,
/// so tests drive time instead of sleeping.
public protocol WallClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func nowMillis() -> Int64
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}

    public func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// A clock that moves only when told to.
public final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    public init(startingAt millis: Int64 = 1_700_000_000_000) {
        now = millis
    }

    public func nowMillis() -> Int64 { lock.withLock { now } }

    /// Moves time forward by `millis`.
    public func advance(by millis: Int64) { lock.withLock { now += millis } }

    /// Sets the time.
    public func set(_ millis: Int64) { lock.withLock { now = millis } }
}

/// The system's clock moved forward by an offset that only ever grows: time keeps its real pace, and a test can end a
/// lease or a settle time at once instead of waiting for it (however slow the machine is).
public final class SteppedClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var offset: Int64 = 0
    private let system = SystemClock()

    public init() {}

    public func nowMillis() -> Int64 { system.nowMillis() + lock.withLock { offset } }

    /// Moves time forward by `millis` at once.
    public func step(by millis: Int64) {
        precondition(millis >= 0, "a stepped clock never goes back")
        lock.withLock { offset += millis }
    }
}
