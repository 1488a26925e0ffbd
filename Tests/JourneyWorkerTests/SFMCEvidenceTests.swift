import JourneyQueue
import Testing

@testable import JourneyDestinations

/// The Marketing Cloud reconciliation rules, one case each: nobody confirmed without evidence tied to this run's
/// request, nobody re-sent who may have entered.
@Suite struct SFMCEvidenceTests {
    let judge = SFMCEvidence(
        policy: OutcomePolicy(retry: RetryPolicy(maxAttempts: 8), settleMillis: 10_000, verifyAttempts: 3),
        transientCodes: ["10000"])

    func contact(prior: PriorMembership?, eventInstanceID: String? = "e", looks: Int = 0, sentAt: Int64 = 0) -> VerificationCandidate {
        VerificationCandidate(
            id: 1, key: "k", state: eventInstanceID == nil ? .unknown : .accepted, attempts: 1, eventInstanceID: eventInstanceID,
            requestID: "r", looks: looks, priorMember: prior, sentAt: sentAt)
    }

    func outcome(_ decision: SFMCEvidence.Decision) -> ContactOutcome? {
        if case .outcome(let outcome) = decision { return outcome }
        return nil
    }

    @Test func aMemberWhoWasNotOneBeforeIsConfirmedWithoutMoreLooks() {
        #expect(judge.decide(contact(prior: .notMember), isMember: true, status: nil, now: 0, jitter: 0) == .outcome(.confirmed))
    }

    @Test func anEarlierMemberNeedsMoreThanMembership() {
        #expect(judge.decide(contact(prior: .member), isMember: true, status: nil, now: 0, jitter: 0) == .needsStatus)
        #expect(judge.decide(contact(prior: .unknown), isMember: true, status: nil, now: 0, jitter: 0) == .needsStatus)
        // Even "processed" cannot tell this entry from the earlier one (a dropped entry is processed too).
        guard
            case .unverifiable(let reason)? = outcome(
                judge.decide(contact(prior: .member), isMember: true, status: .processed, now: 0, jitter: 0))
        else {
            Issue.record("expected unverifiable")
            return
        }
        #expect(reason?.contains("before this run's first request") == true)
        guard case .unverifiable? = outcome(judge.decide(contact(prior: .member), isMember: true, status: .unsupported, now: 0, jitter: 0))
        else {
            Issue.record("expected unverifiable where there is no status endpoint")
            return
        }
    }

    @Test func queuedWaitsAndCountsAsALook() {
        guard
            case .recheck(let at, _, true)? = outcome(
                judge.decide(contact(prior: .notMember), isMember: false, status: .queued, now: 100, jitter: 0))
        else {
            Issue.record("expected a recheck")
            return
        }
        #expect(at >= 5_100)
        guard
            case .unverifiable? = outcome(
                judge.decide(contact(prior: .notMember, looks: 2), isMember: false, status: .queued, now: 100, jitter: 0))
        else {
            Issue.record("looks are bounded")
            return
        }
    }

    @Test func erroredMembersFollowTheirCode() {
        guard
            case .retry? = outcome(
                judge.decide(contact(prior: .notMember), isMember: false, status: .errored(code: "10000", message: "x"), now: 0, jitter: 0))
        else {
            Issue.record("a transient error is safe to send again")
            return
        }
        #expect(
            outcome(
                judge.decide(
                    contact(prior: .notMember), isMember: false, status: .errored(code: "10005", message: "bad"), now: 0, jitter: 0))
                == .dead(reason: "member errorcode 10005: bad"))
    }

    @Test func aLostAnswerWithNoRecordWasNotTakenButAKnownInstanceWithoutOneIsUndecided() {
        guard
            case .retry? = outcome(
                judge.decide(contact(prior: .notMember, eventInstanceID: nil), isMember: false, status: .noRecord, now: 0, jitter: 0))
        else {
            Issue.record("a request the remote never recorded took nobody")
            return
        }
        guard case .recheck? = outcome(judge.decide(contact(prior: .notMember), isMember: false, status: .noRecord, now: 0, jitter: 0))
        else {
            Issue.record("an eventInstanceId the status endpoint does not know proves nothing yet")
            return
        }
    }

    @Test func processedButAbsentIsResentOnlyWhenAbsenceIsProof() {
        guard
            case .unverifiable? = outcome(
                judge.decide(contact(prior: .notMember), isMember: false, status: .processed, now: 20_000, jitter: 0))
        else {
            Issue.record("entered and left, or dropped: never re-sent by default")
            return
        }
        let listsExited = SFMCEvidence(policy: OutcomePolicy(membershipListsExited: true), transientCodes: [])
        guard
            case .retry? = outcome(
                listsExited.decide(contact(prior: .notMember), isMember: false, status: .processed, now: 20_000, jitter: 0))
        else {
            Issue.record("where membership lists those who left, absent means dropped")
            return
        }
        let stay = SFMCEvidence(policy: OutcomePolicy(minimumStayMillis: 60_000), transientCodes: [])
        guard
            case .retry? = outcome(
                stay.decide(contact(prior: .notMember, sentAt: 0), isMember: false, status: .unsupported, now: 59_000, jitter: 0)),
            case .unverifiable? = outcome(
                stay.decide(contact(prior: .notMember, sentAt: 0), isMember: false, status: .unsupported, now: 61_000, jitter: 0))
        else {
            Issue.record("absence proves nothing once a contact could have left")
            return
        }
    }

    @Test func severalRecordsOfOneContactCombineConservatively() {
        #expect(SFMCEvidence.combine([.processed, .queued, .errored(code: "1", message: "")]) == .queued)
        #expect(SFMCEvidence.combine([.errored(code: "1", message: ""), .processed]) == .processed)
        #expect(SFMCEvidence.combine([.errored(code: "1", message: "")]) == .errored(code: "1", message: ""))
        #expect(SFMCEvidence.combine([]) == .noRecord)
    }
}
