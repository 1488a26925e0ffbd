import Testing

@testable import JourneyQueue

@Suite struct ContactStateTests {
    @Test func liveStatesSortBeforeFinalOnes() {
        let live = ContactState.allCases.filter { !$0.isFinal }
        #expect(live == [.queued, .claimed, .sending, .accepted, .unknown])
        #expect(live.allSatisfy { $0.rawValue < ContactState.confirmed.rawValue })
    }

    @Test func unknownIsNeverResentWithoutReconciliation() {
        // An ambiguous outcome may only leave `unknown` through a reconciliation verdict, never to `claimed`.
        #expect(!ContactState.unknown.canMove(to: .claimed))
        #expect(!ContactState.unknown.canMove(to: .sending))
        #expect(ContactState.unknown.canMove(to: .confirmed))
        #expect(ContactState.unknown.canMove(to: .queued))
    }

    @Test func finalStatesOnlyLeaveByRedrive() {
        for state in ContactState.allCases where state.isFinal {
            for next in ContactState.allCases {
                let redrive = (state == .dead && [.queued, .unknown].contains(next)) || (state == .expired && next == .queued)
                #expect(state.canMove(to: next) == redrive, "\(state) -> \(next)")
            }
        }
    }

    @Test func onlyTheClaimTakesFromTheQueueAndOnlyTheWriteAheadSends() {
        for state in ContactState.allCases {
            #expect(state.canMove(to: .claimed) == (state == .queued), "\(state) -> claimed")
            #expect(state.canMove(to: .sending) == (state == .claimed), "\(state) -> sending")
        }
        #expect(ContactState.allCases.filter { ContactState.queued.canMove(to: $0) } == [.claimed, .dead])
    }

    @Test func theMaskTheStoresUseIsTheLifecycle() {
        for state in ContactState.allCases {
            for next in ContactState.allCases {
                #expect(((state.allowedNext >> next.rawValue) & 1 == 1) == state.canMove(to: next), "\(state) -> \(next)")
            }
        }
        #expect(ContactState.allowedMoveSQL(old: "o", new: "n").hasPrefix("((CASE o WHEN 0 THEN 130 "))
    }

    @Test func namesRoundTrip() {
        for state in ContactState.allCases { #expect(ContactState(name: state.description) == state) }
        #expect(ContactState(name: "bogus") == nil)
    }
}

@Suite struct RetryPolicyTests {
    @Test func ceilingDoublesAndCaps() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelayMillis: 100, maxDelayMillis: 1_000)
        #expect(policy.ceiling(afterAttempt: 1) == 100)
        #expect(policy.ceiling(afterAttempt: 2) == 200)
        #expect(policy.ceiling(afterAttempt: 4) == 800)
        #expect(policy.ceiling(afterAttempt: 5) == 1_000)
        #expect(policy.ceiling(afterAttempt: 200) == 1_000)
    }

    @Test func fullJitterStaysWithinTheCeilingAndSpreads() {
        let policy = RetryPolicy(baseDelayMillis: 1_000, maxDelayMillis: 60_000)
        var generator = SeededGenerator(seed: 42)
        let delays = (0..<500).map { _ in policy.delay(afterAttempt: 3, using: &generator) }
        #expect(delays.allSatisfy { (0...4_000).contains($0) })
        #expect(Set(delays).count > 100)
        #expect(delays.min()! < 500 && delays.max()! > 3_500)
    }

    @Test func aSharedJitterKeepsABatchTogether() {
        let policy = RetryPolicy(baseDelayMillis: 1_000, maxDelayMillis: 60_000)
        #expect(policy.delay(afterAttempt: 3, jitter: 0) == 0)
        #expect(policy.delay(afterAttempt: 3, jitter: 0.5) == 2_000)
        #expect(policy.delay(afterAttempt: 3, jitter: 0.999_999) < 4_000)
        let outcomes = OutcomePolicy(retry: policy)
        let same = (0..<10).map { _ in outcomes.outcome(for: .notTaken(reason: "x"), attempts: 2, now: 0, jitter: 0.25) }
        #expect(Set(same.map { outcome -> Int64 in if case .retry(let at, _, _, _) = outcome { at } else { -1 } }) == [500])
    }

    @Test func attemptsRunOut() {
        let policy = RetryPolicy(maxAttempts: 3)
        #expect(policy.allowsAnother(after: 2))
        #expect(!policy.allowsAnother(after: 3))
    }
}

/// A deterministic generator for tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ISOTimeTests {
    @Test func parsesRFC3339AndFullDates() {
        #expect(ISOTime.parse("1970-01-01T00:00:00Z") == 0)
        #expect(ISOTime.parse("2026-11-22T04:27:39.5Z") == 1_795_321_659_500)
        #expect(ISOTime.parse("2026-11-22T06:27:39.123456+02:00") == 1_795_321_659_123)
        #expect(ISOTime.parse("2026-11-22") == 1_795_305_600_000)
        for bad in ["", "2026", "2026-13-01", "2026-11-22T25:00:00Z", "2026-11-22T04:27:39", "2026-11-22T04:27:39.Z", "x026-11-22"] {
            #expect(ISOTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func randomTextNeverTraps() {
        let pieces = ["2026", "-", "11", "T", ":", ".", "Z", "+", "99", "0", "123456789", "1071", "t", " ", "é", "\u{0}"]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...14, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            _ = ISOTime.parse(text)
        }
        _ = ISOTime.parse("2037-01-23T19:13:35.773732+11:15")
    }
}
