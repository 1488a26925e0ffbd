import Foundation
import JourneyQueue

/// How far a remote's clock is from this host's, learned from the `Date` header of its answers: every comparison of a
/// local time with one the remote wrote ("an entry after the request", "records since shortly before it") goes through
/// it, so that a host whose clock runs ahead or behind neither confirms an earlier entry nor misses this one.
public final class RemoteClock: Sendable {
    private let samples = NSLockedValue<[Int64]>([])
    /// The most recent samples kept; their median is the estimate (a slow answer or a coarse second skews one sample).
    static let kept = 15

    public init() {}

    /// An answer to a request sent at `sentAt` came back at `answeredAt` (local times) with this `Date` header.
    public func record(dateHeader: String?, sentAt: Int64, answeredAt: Int64) {
        guard let dateHeader, let seconds = HTTPDate.parse(dateHeader) else { return }
        // The header names the second in which the remote answered: its middle, against the middle of the exchange.
        let sample = seconds * 1000 + 500 - (sentAt + answeredAt) / 2
        samples.withLock { kept in
            kept.append(sample)
            if kept.count > Self.kept { kept.removeFirst(kept.count - Self.kept) }
        }
    }

    /// Remote time minus local time, in milliseconds; nil until an answer has said (then nothing the remote wrote can be
    /// compared with a local time).
    public var offsetMillis: Int64? {
        samples.withLock { kept in
            guard !kept.isEmpty else { return nil }
            return kept.sorted()[kept.count / 2]
        }
    }

    /// The error an estimate may carry: the `Date` header's whole second.
    public static let resolutionMillis: Int64 = 1_000
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
