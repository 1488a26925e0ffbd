import Foundation
import JourneyQueue
import Synchronization

/// How far a remote's clock is from this host's, learned from the `Date` header of its answers: every comparison of a
/// local time with one the remote wrote ("an entry after the request", "records since shortly before it") goes through
/// it, so that a host whose clock runs ahead or behind neither confirms an earlier entry nor misses this one.
///
/// An answer stamped with second `D` (local times: sent at `s`, answered at `a`) says the remote's clock minus this one's
/// lies between `D − a` and `D + 1 s − s`. The answers' intervals together bound it; a step of either clock makes them
/// disagree, and then only the latest answers count.
///
/// A request's time is read in the remote's time later, at a look, when a step may have come between: its own clock's
/// (the database server's offset measured again) or the remote's. The bounds that held before each step are kept, and
/// `bounds(since:)` answers with every bound in force since the request left, so that a request sent before a step and
/// looked at after it is still read at its earliest and its latest, never a step's worth too early.
public final class RemoteClock: Sendable {
    private struct Known {
        var intervals: [(low: Int64, high: Int64)] = []
        /// The bounds before each step, with the local time the step was seen (at the latest): they held until then.
        var before: [(bounds: (low: Int64, high: Int64), until: Int64)] = []
    }

    private let known = Mutex(Known())
    /// Answers whose intervals are kept.
    static let kept = 32
    /// Steps whose earlier bounds are kept (a step is rare; a look may come hours after its request).
    static let keptSteps = 1_000

    public init() {}

    /// An answer to a request sent at `sentAt` came back at `answeredAt` (local times) with this `Date` header.
    public func record(dateHeader: String?, sentAt: Int64, answeredAt: Int64) {
        guard let dateHeader, let seconds = HTTPDate.parse(dateHeader), answeredAt >= sentAt else { return }
        let interval = (low: seconds * 1000 - answeredAt, high: seconds * 1000 + 1_000 - sentAt)
        known.withLock { known in
            let held = Self.intersection(known.intervals)
            known.intervals.append(interval)
            if known.intervals.count > Self.kept { known.intervals.removeFirst(known.intervals.count - Self.kept) }
            // Drop the oldest until the rest agree: one clock or the other stepped.
            guard Self.intersection(known.intervals) == nil else { return }
            if let held {
                known.before.append((held, answeredAt))
                if known.before.count > Self.keptSteps { known.before.removeFirst(known.before.count - Self.keptSteps) }
            }
            while known.intervals.count > 1, Self.intersection(known.intervals) == nil { known.intervals.removeFirst() }
        }
    }

    /// The smallest and largest the remote's clock minus this one's can be now, in milliseconds; nil until an answer has
    /// said (then nothing the remote wrote can be compared with a local time).
    public var bounds: (low: Int64, high: Int64)? { known.withLock { Self.intersection($0.intervals) } }

    /// The smallest and largest the remote's clock minus this one's may have been at any moment since `since` (a local
    /// time: the earliest request being read), across the steps seen since; nil until an answer has said.
    public func bounds(since: Int64?) -> (low: Int64, high: Int64)? {
        known.withLock { known in
            guard var widest = Self.intersection(known.intervals) else { return nil }
            guard let since else { return widest }
            for step in known.before where step.until >= since {
                widest = (min(widest.low, step.bounds.low), max(widest.high, step.bounds.high))
            }
            return widest
        }
    }

    static func intersection(_ intervals: [(low: Int64, high: Int64)]) -> (low: Int64, high: Int64)? {
        guard let low = intervals.map(\.low).max(), let high = intervals.map(\.high).min(), low <= high else { return nil }
        return (low, high)
    }
}
