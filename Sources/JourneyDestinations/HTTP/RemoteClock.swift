import Foundation
import JourneyQueue

/// How far a remote's clock is from this host's, learned from the `Date` header of its answers: every comparison of a
/// local time with one the remote wrote ("an entry after the request", "records since shortly before it") goes through
/// it, so that a host whose clock runs ahead or behind neither confirms an earlier entry nor misses this one.
///
/// An answer stamped with second `D` (local times: sent at `s`, answered at `a`) says the remote's clock minus this one's
/// lies between `D − a` and `D + 1 s − s`. The answers' intervals together bound it; a step of either clock makes them
/// disagree, and then only the latest answers count.
public final class RemoteClock: Sendable {
    private let intervals = NSLockedValue<[(low: Int64, high: Int64)]>([])
    /// Answers whose intervals are kept.
    static let kept = 32

    public init() {}

    /// An answer to a request sent at `sentAt` came back at `answeredAt` (local times) with this `Date` header.
    public func record(dateHeader: String?, sentAt: Int64, answeredAt: Int64) {
        guard let dateHeader, let seconds = HTTPDate.parse(dateHeader), answeredAt >= sentAt else { return }
        let interval = (low: seconds * 1000 - answeredAt, high: seconds * 1000 + 1_000 - sentAt)
        intervals.withLock { kept in
            kept.append(interval)
            if kept.count > Self.kept { kept.removeFirst(kept.count - Self.kept) }
            // Drop the oldest until the rest agree: one clock or the other stepped.
            while kept.count > 1, Self.intersection(kept) == nil { kept.removeFirst() }
        }
    }

    /// The smallest and largest the remote's clock minus this one's can be, in milliseconds; nil until an answer has said
    /// (then nothing the remote wrote can be compared with a local time).
    public var bounds: (low: Int64, high: Int64)? { intervals.withLock { Self.intersection($0) } }

    static func intersection(_ intervals: [(low: Int64, high: Int64)]) -> (low: Int64, high: Int64)? {
        guard let low = intervals.map(\.low).max(), let high = intervals.map(\.high).min(), low <= high else { return nil }
        return (low, high)
    }
}

/// A value behind a lock (the remote clock is read and written from every request's task).
final class NSLockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
