import Foundation
import JourneyQueue
import Testing

/// A step of the host's clock is noticed, told once, and not followed: nothing written before it comes due early.
@Suite struct SteadyClockTests {
    final class Host: @unchecked Sendable {
        private let lock = NSLock()
        private var wall: Int64 = 1_800_000_000_000
        private var monotonic: Int64 = 5_000
        private(set) var steps: [Int64] = []
        func pass(_ millis: Int64) {
            lock.withLock {
                wall += millis; monotonic += millis
            }
        }
        func stepWall(_ millis: Int64) { lock.withLock { wall += millis } }
        func readWall() -> Int64 { lock.withLock { wall } }
        func readMonotonic() -> Int64 { lock.withLock { monotonic } }
        func told(_ step: Int64) { lock.withLock { steps.append(step) } }
    }

    func clock(_ host: Host) -> SteadyClock {
        SteadyClock(wall: { host.readWall() }, monotonic: { host.readMonotonic() }, onStep: { host.told($0) })
    }

    @Test func aForwardStepMakesNothingDueEarly() {
        let host = Host()
        let clock = clock(host)
        let start = clock.nowMillis()
        let lookDue = start + 60_000  // a settle time of a minute, written before the step
        host.pass(10_000)
        #expect(clock.nowMillis() == start + 10_000)
        host.stepWall(45_000)
        host.pass(20_000)
        #expect(clock.nowMillis() == start + 30_000, "the clock keeps its pace")
        #expect(clock.nowMillis() < lookDue)
        host.pass(31_000)
        #expect(clock.nowMillis() >= lookDue, "due after the minute really passed")
        #expect(host.steps == [45_000], "told once")
    }

    @Test func smallDifferencesAreFollowedAndTimeNeverRunsBack() {
        let host = Host()
        let clock = clock(host)
        let start = clock.nowMillis()
        host.stepWall(1_500)  // NTP's slewing, within the tolerance
        #expect(clock.nowMillis() == start + 1_500)
        host.stepWall(-1_000)
        #expect(clock.nowMillis() == start + 1_500, "never backwards")
        host.pass(2_000)
        #expect(clock.nowMillis() == start + 2_500)
        host.stepWall(-3_600_000)  // an hour back: told, not followed
        host.pass(1_000)
        #expect(clock.nowMillis() == start + 3_500)
        host.stepWall(3_600_000)  // and undone: followed again, nothing more to tell
        host.pass(1_000)
        #expect(clock.nowMillis() == start + 4_500)
        #expect(host.steps == [-3_600_000])
    }

    /// A fleet's host measures the database server's clock once a minute; a step between two measurements must not move
    /// the fleet's time (the reference is measured against the steady clock, which does not follow the step).
    @Test func aStepBetweenTwoMeasurementsOfTheServerIsNotFollowed() {
        let host = Host()
        let reference = ReferenceClock(host: clock(host))
        let server = host.readWall() - 5_000  // the server's clock, 5 s behind this host's
        reference.record(reference: server, sentAt: reference.hostMillis(), receivedAt: reference.hostMillis())
        #expect(reference.nowMillis() == server)
        host.stepWall(120_000)
        host.pass(10_000)
        #expect(reference.nowMillis() == server + 10_000, "ten seconds passed, not two minutes")
        #expect(host.steps == [120_000])
    }
}
