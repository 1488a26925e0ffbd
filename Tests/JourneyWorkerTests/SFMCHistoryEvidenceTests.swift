import Foundation
import JourneyQueue
import Testing

@testable import JourneyDestinations

/// What the journey history proves, one rule each (issue 23): an entry after the request confirms it, prior member or
/// not; a refused entry is the verdict; no entry proves absence only once the history is complete past the settle time.
@Suite struct SFMCHistoryEvidenceTests {
    static let settle: Int64 = 10_000
    static let late: Int64 = 30_000
    let judge: SFMCHistoryEvidence = {
        var settings = SFMCHistorySettings()
        settings.clockMarginMillis = 1_000
        settings.freshnessMarginMillis = 2_000
        return SFMCHistoryEvidence(
            policy: OutcomePolicy(retry: RetryPolicy(maxAttempts: 8), settleMillis: settle, lateArrivalMillis: late, verifyAttempts: 3),
            settings: settings)
    }()
    let sentAt: Int64 = 1_700_000_000_000
    let fallback = ContactOutcome.unverifiable(reason: "membership cannot tell")

    func contact(prior: PriorMembership = .member, attempts: Int = 1, state: ContactState = .accepted) -> VerificationCandidate {
        VerificationCandidate(
            id: 7, key: "k", state: state, attempts: attempts, eventInstanceID: "e", requestID: "r", priorMember: prior, sentAt: sentAt)
    }

    func row(_ kind: HistoryEntryRow.Kind, at: Int64, message: String = "") -> HistoryEntryRow {
        HistoryEntryRow(kind: kind, at: at, status: kind == .entered ? "Complete" : "Failed", message: message)
    }

    @Test func anEntryAfterTheRequestConfirmsAnEarlierMember() {
        let finding = judge.decide(
            contact(), rows: [row(.entered, at: sentAt - 3_600_000), row(.entered, at: sentAt + 400)],
            completeUpTo: nil, now: sentAt + 20_000, fallback: fallback, jitter: 0)
        #expect(finding.outcome == .confirmed)
        #expect(finding.evidence?.contains("entered at") == true && !finding.provenAbsent)
    }

    @Test func anEntryWithinTheClockMarginBeforeTheRequestCountsAsAfterIt() {
        #expect(
            judge.decide(
                contact(), rows: [row(.entered, at: sentAt - 900)], completeUpTo: nil, now: sentAt + 20_000, fallback: fallback,
                jitter: 0
            ).outcome == .confirmed)
        #expect(
            judge.decide(
                contact(), rows: [row(.entered, at: sentAt - 1_100)], completeUpTo: nil, now: sentAt + 20_000, fallback: fallback,
                jitter: 0
            ).outcome == fallback, "an entry before the margin is an earlier one")
    }

    @Test func onlyEarlierEntriesAndAHistoryCompletePastTheSettleTimeProveAbsence() {
        let needed = sentAt + Self.settle + 1_000
        let finding = judge.decide(
            contact(), rows: [row(.entered, at: sentAt - 3_600_000)], completeUpTo: needed, now: needed + 5_000,
            fallback: fallback, jitter: 0)
        guard case .retry(_, let error, let refund, let duplicate) = finding.outcome else {
            Issue.record("expected a re-send, got \(finding.outcome)")
            return
        }
        #expect(error.contains("never entered") && !refund && !duplicate)
        #expect(finding.provenAbsent && finding.evidence?.contains("entered nobody") == true)
    }

    @Test func aRequestWithoutAnAnswerIsProvenAbsentOnlyPastItsLateArrival() {
        // Complete past the settle time, but not past the time a retransmitted request may still arrive: no proof yet.
        let settled = sentAt + Self.settle + 1_000
        let early = judge.decide(
            contact(state: .unknown), rows: [], completeUpTo: settled, now: settled + 5_000, fallback: fallback, jitter: 0)
        #expect(!early.provenAbsent)
        #expect(early.outcome == .recheck(at: settled + 5_000 + Self.late, note: early.outcome.recheckNote ?? "", counted: false))
        let late = judge.decide(
            contact(state: .unknown), rows: [], completeUpTo: settled + Self.late, now: settled + Self.late + 5_000, fallback: fallback,
            jitter: 0)
        #expect(late.provenAbsent)
        // An answered request (accepted) arrived by its answer: the late arrival does not apply.
        #expect(judge.decide(contact(), rows: [], completeUpTo: settled, now: settled + 5_000, fallback: fallback, jitter: 0).provenAbsent)
    }

    @Test func aHistoryNotYetCompleteWaitsWithoutCostingALook() {
        let needed = sentAt + Self.settle + 1_000
        let finding = judge.decide(contact(), rows: [], completeUpTo: needed - 4_000, now: sentAt + 15_000, fallback: fallback, jitter: 0)
        #expect(
            finding.outcome
                == .recheck(
                    at: sentAt + 15_000 + 4_000,
                    note: finding.outcome.recheckNote ?? "", counted: false))
        #expect(!finding.provenAbsent && finding.evidence == nil)
    }

    @Test func unknownFreshnessProvesNothing() {
        #expect(
            judge.decide(contact(), rows: [], completeUpTo: nil, now: sentAt + 3_600_000, fallback: fallback, jitter: 0).outcome == fallback
        )
    }

    @Test func aRefusedEntryIsTheVerdictNotAReason() {
        let finding = judge.decide(
            contact(), rows: [row(.refused, at: sentAt + 300, message: "re-entry is not allowed")],
            completeUpTo: sentAt + 60_000, now: sentAt + 70_000, fallback: fallback, jitter: 0)
        #expect(finding.outcome == .dead(reason: "the journey did not let it in: re-entry is not allowed"))
        #expect(!finding.provenAbsent)
    }

    @Test func aRefusalWaitsForTheHistoryToBeCompleteLikeAnAbsence() {
        // Another sender's refusal just before this request must not end it before this request's own row can show.
        let early = judge.decide(
            contact(), rows: [row(.refused, at: sentAt + 300, message: "re-entry is not allowed")],
            completeUpTo: sentAt + 5_000, now: sentAt + 6_000, fallback: fallback, jitter: 0)
        guard case .recheck(_, _, false) = early.outcome else {
            Issue.record("expected a wait, got \(early.outcome)")
            return
        }
    }

    @Test func aRowNotUnderstoodIsNeverTakenForAnAbsence() {
        let finding = judge.decide(
            contact(), rows: [HistoryEntryRow(kind: .unclassified, at: sentAt + 200, status: "Completed", message: "")],
            completeUpTo: sentAt + 600_000, now: sentAt + 700_000, fallback: fallback, jitter: 0)
        guard case .recheck(_, let note, true) = finding.outcome else {
            Issue.record("expected a counted look, got \(finding.outcome)")
            return
        }
        #expect(note.contains("'Completed'") && !finding.provenAbsent)
    }

    @Test func aRequestMayStillBeOnItsWayUntilItsDeadline() {
        var withDeadline = judge
        withDeadline.requestMillis = 30_000
        let justPastSettle = sentAt + Self.settle + 1_000
        #expect(
            judge.decide(contact(), rows: [], completeUpTo: justPastSettle, now: sentAt + 60_000, fallback: fallback, jitter: 0)
                .provenAbsent)
        #expect(
            !withDeadline.decide(contact(), rows: [], completeUpTo: justPastSettle, now: sentAt + 60_000, fallback: fallback, jitter: 0)
                .provenAbsent)
    }

    @Test func aFileThatCannotSayWhoseRowWhatStatusOrWhenIsUnreadable() throws {
        let settings = SFMCHistorySettings()
        func parse(_ text: String) throws -> HistoryRead {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString).csv").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let handle = try #require(FileHandle(forReadingAtPath: path))
            return try HistoryRead.parse(fd: handle.fileDescriptor, wanted: ["k"], anchors: [], definition: "DE1F-AB", settings: settings)
        }
        #expect(throws: SFMCJourneyHistory.Failure.self) { try parse("") }
        #expect(throws: SFMCJourneyHistory.Failure.self) {
            try parse("ContactKey,Status,TransactionTime\nk,Complete,2026-01-01T00:00:00Z\n")
        }
        let read = try parse(
            "ContactKey,Status,DefinitionId,ActivityType,EpochTimeInMilliseconds\n"
                + "k,Complete,de1f-ab,Trigger,1700000000000\n"
                + "k,Completed,DE1F-AB,trigger,1700000001000\n"
                + "k,Complete,other,trigger,1700000002000\n"
                + "k,Complete,DE1F-AB,emailv2,1700000003000\n")
        let rows = try #require(read.rows(of: "k", zoneMinutes: nil))
        #expect(
            rows.map(\.kind) == [.entered, .unclassified],
            "an id in another case is the same journey; another journey and other activities are not")
    }

    @Test func attemptsStillBoundAReSend() {
        let finding = judge.decide(
            contact(attempts: 8), rows: [], completeUpTo: sentAt + 60_000, now: sentAt + 70_000, fallback: fallback, jitter: 0)
        guard case .dead(let reason, _) = finding.outcome else {
            Issue.record("expected dead, got \(finding.outcome)")
            return
        }
        #expect(reason.hasPrefix("attempts used up (8)"))
    }

    @Test func aRequestOlderThanTheHistoryKeepsFallsBack() {
        #expect(
            judge.decide(
                contact(), rows: [], completeUpTo: sentAt + 40 * 86_400_000, now: sentAt + 40 * 86_400_000, fallback: fallback,
                jitter: 0
            ).outcome == fallback)
    }

    @Test func completenessIsTheLagAndBothMarginsBehindTheAsking() {
        #expect(judge.completeUpTo(askedAt: 100_000, lagMillis: 20_000) == 100_000 - 20_000 - 2_000 - 1_000)
    }
}

/// When a history row happened: said by the row itself, or read in a zone established from contacts whose entry is known.
@Suite struct SFMCHistoryTimeTests {
    @Test func epochAndOffsetsNeedNoZone() {
        #expect(SFMCHistoryTime.absolute(epoch: "1700000000123", text: "junk") == 1_700_000_000_123)
        #expect(SFMCHistoryTime.absolute(epoch: nil, text: "2023-11-14T22:13:20Z") == 1_700_000_000_000)
        #expect(SFMCHistoryTime.absolute(epoch: "", text: "2023-11-14T16:13:20-06:00") == 1_700_000_000_000)
        #expect(SFMCHistoryTime.absolute(epoch: nil, text: "2023-11-14T16:13:20") == nil, "no offset: only a zone can tell")
    }

    @Test func centralTimeWithoutAnOffsetReadsSixHoursLater() {
        #expect(SFMCHistoryTime.local("2023-11-14T16:13:20.000", minutes: -360) == 1_700_000_000_000)
        #expect(SFMCHistoryTime.offsetMinutes("-06:00") == -360)
        #expect(SFMCHistoryTime.offsetMinutes("UTC") == 0)
        #expect(SFMCHistoryTime.offsetMinutes("CST") == nil)
    }

    @Test func theZoneIsTheOneInWhichKnownEntriesFallBetweenRequestAndLook() {
        let sent: Int64 = 1_700_000_000_000
        let anchors = [SFMCHistoryTime.Anchor(key: "a", sentAt: sent, seenAt: sent + 5_000)]
        // Written in Central time: 16:13:22 there is 22:13:22 UTC, two seconds after the request.
        #expect(SFMCHistoryTime.establish(anchors: anchors, rows: ["a": ["2023-11-14T16:13:22.000"]], margin: 1_000) == -360)
        #expect(SFMCHistoryTime.establish(anchors: anchors, rows: ["a": ["2023-11-14T22:13:22.000"]], margin: 1_000) == 0)
        #expect(
            SFMCHistoryTime.establish(anchors: anchors, rows: ["a": ["2023-11-14T19:13:22.000"]], margin: 1_000) == nil, "no candidate fits"
        )
        #expect(SFMCHistoryTime.establish(anchors: anchors, rows: [:], margin: 1_000) == nil, "no row, no zone")
    }

    @Test func freshnessIsANumberOfSecondsWhateverItsFieldIsCalled() {
        #expect(SFMCJourneyHistory.lagSeconds(Array("1200".utf8)) == 1_200)
        #expect(SFMCJourneyHistory.lagSeconds(Array(#"{"freshnessInSeconds": 12}"#.utf8)) == 12)
        #expect(SFMCJourneyHistory.lagSeconds(Array(#"{"seconds": "30"}"#.utf8)) == 30)
        #expect(SFMCJourneyHistory.lagSeconds(Array(#"{"a": 1, "b": 2}"#.utf8)) == nil, "two numbers: which one?")
        #expect(SFMCJourneyHistory.lagSeconds(Array(#"{"status": "ok"}"#.utf8)) == nil)
        #expect(SFMCJourneyHistory.lagSeconds(Array("-5".utf8)) == nil)
    }
}

extension ContactOutcome {
    var recheckNote: String? {
        if case .recheck(_, let note, _) = self { return note }
        return nil
    }
}

/// The remote's clock, bounded by the Date headers of its answers.
@Suite struct RemoteClockTests {
    @Test func answersBoundTheOffsetAndAStepResetsIt() {
        let clock = RemoteClock()
        #expect(clock.bounds == nil, "nothing known before an answer")
        // The remote's clock is 30.4 s ahead. An answer sent at 10,000 and answered at 10,200 (local) is stamped with the
        // remote's second 40: it answered between 40,000 and 40,999.
        clock.record(dateHeader: "Thu, 01 Jan 1970 00:00:40 GMT", sentAt: 10_000, answeredAt: 10_200)
        #expect(clock.bounds! == (low: 40_000 - 10_200, high: 41_000 - 10_000))
        // Another, answered at a different phase of the second, narrows it.
        clock.record(dateHeader: "Thu, 01 Jan 1970 00:00:41 GMT", sentAt: 10_550, answeredAt: 10_620)
        let narrowed = clock.bounds!
        #expect(narrowed.low <= 30_400 && narrowed.high >= 30_400 && narrowed.high - narrowed.low < 1_000)
        // The remote's clock steps back a minute: the old answers disagree with the new and are dropped.
        clock.record(dateHeader: "Thu, 01 Jan 1970 00:00:00 GMT", sentAt: 20_000, answeredAt: 20_100)
        #expect(clock.bounds! == (low: -20_100, high: 1_000 - 20_000))
        clock.record(dateHeader: "not a date", sentAt: 0, answeredAt: 1)
        #expect(clock.bounds! == (low: -20_100, high: -19_000))
    }

    /// A fleet's daemon reads the database server's clock again and its own jumps 6.4 s forward (or the remote's steps
    /// back): a request sent before the step and looked at after must be read with the bounds of both sides of it. With
    /// the new bounds alone, it would seem to have reached the remote 5.5 s before it did, and the history would be
    /// taken as complete past it (an absence proven, the contact sent twice) 5.5 s too soon.
    @Test func aRequestSentBeforeAStepIsReadWithTheBoundsOfBothSides() {
        let clock = RemoteClock()
        // The remote's clock is 39.5 s behind this one: stamped second 60, answered between 60,500 and 60,600.
        clock.record(dateHeader: "Thu, 01 Jan 1970 00:01:00 GMT", sentAt: 100_000, answeredAt: 100_100)
        #expect(clock.bounds! == (low: -40_100, high: -39_000))
        // A request leaves at 120,000. Then this clock jumps 6.4 s forward: the remote is 45.9 s behind it now.
        clock.record(dateHeader: "Thu, 01 Jan 1970 00:01:24 GMT", sentAt: 130_000, answeredAt: 130_100)
        #expect(clock.bounds! == (low: -46_100, high: -45_000), "the latest answers count for what is sent now")
        #expect(clock.bounds(since: 131_000)! == clock.bounds!, "a request sent after the step was seen: the new bounds alone")
        let spanning = clock.bounds(since: 120_000)!
        #expect(spanning == (low: -46_100, high: -39_000))
        // It reached the remote at its 80,500: within what it is read as, at its earliest and its latest.
        #expect(120_000 + spanning.low <= 80_500 && 80_500 <= 120_000 + spanning.high)
        #expect(120_000 + clock.bounds!.high < 80_500, "the new bounds alone would read it too early")
    }

    @Test func anUncertainClockMakesAbsenceWaitLonger() {
        var settings = SFMCHistorySettings()
        settings.clockMarginMillis = 1_000
        settings.freshnessMarginMillis = 0
        let judge = SFMCHistoryEvidence(policy: OutcomePolicy(settleMillis: 10_000), settings: settings)
        let contact = VerificationCandidate(
            id: 1, key: "k", state: .accepted, attempts: 1, eventInstanceID: "e", requestID: "r", sentAt: 100_000)
        let complete: Int64 = 100_000 + 10_000 + 1_000
        #expect(judge.decide(contact, rows: [], completeUpTo: complete, now: 200_000, fallback: .unverifiable(), jitter: 0).provenAbsent)
        #expect(
            !judge.decide(
                contact, rows: [], completeUpTo: complete, now: 200_000, fallback: .unverifiable(), jitter: 0,
                clockSpreadMillis: 800
            ).provenAbsent, "the request may have been up to 0.8 s later on the remote's clock")
    }
}
