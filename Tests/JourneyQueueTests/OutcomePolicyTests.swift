import Testing
@testable import JourneyQueue

@Suite struct OutcomePolicyTests {
    let policy = OutcomePolicy(retry: RetryPolicy(maxAttempts: 3, baseDelayMillis: 1_000, maxDelayMillis: 10_000), settleMillis: 5_000)

    func outcome(_ verdict: Verdict, attempts: Int = 1, policy: OutcomePolicy? = nil, throttledUntil: Int64? = nil) -> ContactOutcome {
        var random = SeededGenerator(seed: 1)
        return (policy ?? self.policy).outcome(for: verdict, attempts: attempts, now: 100_000, throttledUntil: throttledUntil, using: &random)
    }

    @Test func acceptedWaitsForTheSettleTime() {
        #expect(outcome(.accepted(eventInstanceID: "e")) == .accepted(eventInstanceID: "e", verifyAfter: 105_000))
    }

    @Test func ambiguousIsNeverRetriedWhereTheDestinationCanBeAsked() {
        for attempts in 1...5 {
            #expect(outcome(.ambiguous(reason: "timeout"), attempts: attempts) == .unknown(error: "timeout", verifyAfter: 105_000))
        }
    }

    @Test func throttlingCostsNoAttemptAndWaitsForThePause() {
        #expect(outcome(.throttled(reason: "429"), attempts: 3, throttledUntil: 107_000) == .retry(at: 107_000, error: "429", refundAttempt: true))
    }

    @Test func notTakenBacksOffUntilAttemptsRunOut() {
        guard case .retry(let at, _, let refund) = outcome(.notTaken(reason: "refused"), attempts: 2) else {
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
        #expect(outcome(.accepted(eventInstanceID: nil), policy: dead) == .unverifiable)
        #expect(outcome(.ambiguous(reason: "500"), policy: dead) == .dead(reason: "ambiguous: 500"))
        guard case .retry(_, let error, _) = outcome(.ambiguous(reason: "500"), attempts: 1, policy: retry) else {
            Issue.record("expected a retry")
            return
        }
        #expect(error == "possible duplicate: 500")
        #expect(outcome(.ambiguous(reason: "500"), attempts: 2, policy: retry) == .dead(reason: "attempts used up (2): 500"))
    }
}
