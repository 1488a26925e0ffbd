import Testing

@testable import JourneyQueue

@Suite struct OutcomePolicyTests {
    let policy = OutcomePolicy(
        retry: RetryPolicy(maxAttempts: 3, baseDelayMillis: 1_000, maxDelayMillis: 10_000), settleMillis: 5_000, lateArrivalMillis: 20_000)

    func outcome(_ verdict: Verdict, attempts: Int = 1, policy: OutcomePolicy? = nil, throttledUntil: Int64? = nil) -> ContactOutcome {
        var random = SeededGenerator(seed: 1)
        return (policy ?? self.policy).outcome(
            for: verdict, attempts: attempts, now: 100_000, throttledUntil: throttledUntil, using: &random)
    }

    @Test func acceptedWaitsForTheSettleTime() {
        #expect(outcome(.accepted(eventInstanceID: "e")) == .accepted(eventInstanceID: "e", verifyAfter: 105_000))
    }

    @Test func ambiguousIsNeverRetriedWhereTheDestinationCanBeAsked() {
        for attempts in 1...5 {
            #expect(outcome(.ambiguous(reason: "timeout"), attempts: attempts) == .unknown(error: "timeout", verifyAfter: 125_000))
        }
    }

    @Test func anAmbiguousRequestIsLookedAtOnlyAfterItCouldStillArriveAndSettle() {
        // A request without an answer may still be retransmitted to the remote for `lateArrival` after its deadline: a
        // look before then that finds nobody would send the contacts a second time.
        #expect(policy.ambiguousLookDelayMillis == 25_000)
        #expect(outcome(.ambiguous(reason: "timeout")) == .unknown(error: "timeout", verifyAfter: 100_000 + 5_000 + 20_000))
        let accepted = outcome(.accepted(eventInstanceID: "e"))
        #expect(accepted == .accepted(eventInstanceID: "e", verifyAfter: 105_000), "an answered request arrived: settle only")
    }

    @Test func throttlingCostsNoAttemptAndWaitsForThePause() {
        #expect(
            outcome(.throttled(reason: "429"), attempts: 3, throttledUntil: 107_000)
                == .retry(at: 107_000, error: "429", refundAttempt: true))
    }

    @Test func notTakenBacksOffUntilAttemptsRunOut() {
        guard case .retry(let at, _, let refund, _) = outcome(.notTaken(reason: "refused"), attempts: 2) else {
            Issue.record("expected a retry")
            return
        }
        #expect(!refund)
        #expect((100_000...102_000).contains(at))
        #expect(outcome(.notTaken(reason: "refused"), attempts: 3) == .dead(reason: "attempts used up (3): refused"))
    }

    @Test func permanentIsDeadWithItsReason() {
        #expect(outcome(.permanent(reason: "HTTP 400")) == .dead(reason: "HTTP 400"))
    }

    @Test func unverifiableDestinationsFollowTheirAmbiguousSetting() {
        let dead = OutcomePolicy(verifiable: false, ambiguousWithoutVerification: .dead)
        let retry = OutcomePolicy(retry: RetryPolicy(maxAttempts: 2), verifiable: false, ambiguousWithoutVerification: .retry)
        #expect(outcome(.accepted(eventInstanceID: nil), policy: dead) == .unverifiable())
        // Dead by the setting, but ambiguous: a redrive looks before it sends.
        #expect(outcome(.ambiguous(reason: "500"), policy: dead) == .dead(reason: "ambiguous: 500", ambiguous: true))
        guard case .retry(_, let error, _, let duplicate) = outcome(.ambiguous(reason: "500"), attempts: 1, policy: retry) else {
            Issue.record("expected a retry")
            return
        }
        #expect(error == "possible duplicate: 500")
        #expect(duplicate, "a re-send without a look is counted as a possible duplicate")
        #expect(
            outcome(.ambiguous(reason: "500"), attempts: 2, policy: retry) == .dead(reason: "attempts used up (2): 500", ambiguous: true))
    }

    @Test func anUnavailableDestinationCostsNoAttempt() {
        #expect(
            outcome(.unavailable(reason: "refused"), attempts: 8, throttledUntil: 103_000)
                == .retry(at: 103_000, error: "refused", refundAttempt: true))
        guard case .retry(_, _, true, false) = outcome(.unavailable(reason: "refused"), attempts: 8) else {
            Issue.record("a destination that is down never kills a contact, however many attempts it had")
            return
        }
        #expect(
            outcome(.ambiguous(reason: "503", destinationFault: true)) == .unknown(error: "503", verifyAfter: 125_000, refundAttempt: true))
    }

    @Test func looksAreBoundedAndEndUnverifiable() {
        let bounded = OutcomePolicy(verifyAttempts: 3)
        #expect(
            { if case .recheck(_, "x", true) = bounded.undecided(looks: 0, reason: "x", now: 0, jitter: 0.5) { true } else { false } }())
        #expect({ if case .recheck = bounded.undecided(looks: 1, reason: "x", now: 0, jitter: 0.5) { true } else { false } }())
        #expect(
            bounded.undecided(looks: 2, reason: "HTTP 500", now: 0, jitter: 0.5)
                == .unverifiable(reason: "not verifiable after 3 looks: HTTP 500"))
        // A throttled look costs nothing and waits for the pause, however many looks came before.
        #expect(
            bounded.undecided(looks: 9, reason: "429", now: 0, at: 7_000, counted: false, jitter: 0.5)
                == .recheck(at: 7_000, note: "429", counted: false))
        // A recheck never comes sooner than asked.
        guard case .recheck(let at, _, _) = bounded.undecided(looks: 0, reason: "queued", now: 1_000, at: 50_000, jitter: 0) else {
            Issue.record("expected a recheck")
            return
        }
        #expect(at == 50_000)
    }

    @Test func absenceProvesNoEntryOnlyWhenNobodyCanHaveLeft() {
        #expect(!OutcomePolicy().absenceProvesNoEntry(sentAt: 0, now: 1))
        #expect(OutcomePolicy(membershipListsExited: true).absenceProvesNoEntry(sentAt: nil, now: 1))
        let stay = OutcomePolicy(minimumStayMillis: 60_000)
        #expect(stay.absenceProvesNoEntry(sentAt: 1_000, now: 60_999))
        #expect(!stay.absenceProvesNoEntry(sentAt: 1_000, now: 61_000))
        #expect(!stay.absenceProvesNoEntry(sentAt: nil, now: 2))
    }

    @Test func pausesAreClamped() {
        let policy = OutcomePolicy(maxPauseMillis: 900_000)
        #expect(policy.clampedPause(until: .max, now: 1_000) == 901_000)
        #expect(policy.clampedPause(until: 0, now: 1_000) == 1_000)
        #expect(policy.clampedPause(until: 5_000, now: 1_000) == 5_000)
    }
}
