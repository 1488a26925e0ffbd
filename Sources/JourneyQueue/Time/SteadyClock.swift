import Foundation

/// Wall time that keeps the monotonic clock's pace between readings: a step of the host's clock (an NTP step, a `date`
/// typed by hand, a VM resumed) is noticed, told once through `onStep`, and not followed. Why: every time the queue
/// writes (settle times, leases, backoffs) is compared later with this same clock; a step forward would make looks due
/// early and leases look expired, a step back would hold them. Small differences (NTP slewing) are followed, never
/// backwards. A new process starts on the host's time again.
public final class SteadyClock: WallClock, @unchecked Sendable {
    /// Milliseconds from a source: the wall clock's since 1970, the monotonic one's since any fixed moment.
    public typealias Reading = @Sendable () -> Int64

    private let wall: Reading
    private let monotonic: Reading
    private let toleranceMillis: Int64
    private let onStep: @Sendable (_ stepMillis: Int64) -> Void
    private let lock = NSLock()
    private var base: (wall: Int64, monotonic: Int64)
    private var last: Int64
    /// The step being ignored, once told: told again only when the host's clock moves by another step.
    private var toldStep: Int64?

    public init(
        wall: @escaping Reading = { SystemClock().nowMillis() },
        monotonic: @escaping Reading = { Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000) },
        toleranceMillis: Int64 = 2_000, onStep: @escaping @Sendable (_ stepMillis: Int64) -> Void = { _ in }
    ) {
        self.wall = wall
        self.monotonic = monotonic
        self.toleranceMillis = toleranceMillis
        self.onStep = onStep
        let now = wall()
        base = (now, monotonic())
        last = now
    }

    public func nowMillis() -> Int64 {
        let (now, step) = lock.withLock { () -> (Int64, Int64?) in
            let steady = base.wall + (monotonic() - base.monotonic)
            let host = wall()
            let difference = host - steady
            var told: Int64?
            if abs(difference) <= toleranceMillis {
                // Within the tolerance: the host's clock is followed (NTP slews it), but time never runs backwards.
                base = (host, monotonic())
                toldStep = nil
                last = max(last, host)
            } else {
                if toldStep.map({ abs($0 - difference) > toleranceMillis }) ?? true {
                    toldStep = difference
                    told = difference
                }
                last = max(last, steady)
            }
            return (last, told)
        }
        if let step { onStep(step) }
        return now
    }
}

/// The host's clock corrected by an offset to a reference clock (the database server's), measured now and then:
/// hosts of a fleet that disagree agree through it on every time they write and compare.
public final class ReferenceClock: WallClock, @unchecked Sendable {
    private let host: any WallClock
    private let lock = NSLock()
    private var offset: Int64 = 0
    private var measured = false

    public init(host: any WallClock) {
        self.host = host
    }

    public func nowMillis() -> Int64 { host.nowMillis() + lock.withLock { offset } }

    /// The offset last measured, if any (reference minus host, in milliseconds).
    public var offsetMillis: Int64? { lock.withLock { measured ? offset : nil } }

    /// Takes a reading of the reference, `reference`, asked at host time `sentAt` and answered at `receivedAt`: the
    /// reference's time is taken for the middle of the round trip.
    public func record(reference: Int64, sentAt: Int64, receivedAt: Int64) {
        let middle = sentAt + (receivedAt - sentAt) / 2
        lock.withLock {
            offset = reference - middle
            measured = true
        }
    }

    /// The host clock's time (what `record` takes as `sentAt` and `receivedAt`).
    public func hostMillis() -> Int64 { host.nowMillis() }
}
