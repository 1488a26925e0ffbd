import JourneyQueue

/// A row of the journey history that records an entry of this contact into this journey, one it refused, or one of an
/// entry activity whose status says neither (which must keep journeyq from calling the contact absent).
struct HistoryEntryRow: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case entered
        /// Could not enter (re-entry not allowed, the journey not running): the row's message says why.
        case refused
        /// A status in neither `historyEnteredStatuses` nor `historyRefusedStatuses`: not understood.
        case unclassified
    }

    var kind: Kind
    var at: Int64
    var status: String
    var message: String
}

/// What the journey history proves of one contact's last request (issue 23), as one pure decision: an entry after the
/// request confirms it (a member before or not); no entry, with the history complete past the latest moment the remote
/// may still enter the request's contacts, proves it entered nobody, so it may be sent again; a refused entry is the
/// verdict then (never re-sent in a loop). A row that is not understood proves nothing. Everything else waits for the
/// history to catch up, or falls back to what membership alone allows.
struct SFMCHistoryEvidence: Sendable {
    let policy: OutcomePolicy
    let settings: SFMCHistorySettings
    /// How long after its write-ahead record a request may still be on its way (the destination's timeout).
    var requestMillis: Int64 = 0
    /// The history is kept 30 days; a request older than that less a day is beyond what it can prove.
    static let retentionMillis: Int64 = 29 * 86_400_000

    /// A decision and what it rests on, for the contact's record.
    struct Finding: Sendable, Equatable {
        var outcome: ContactOutcome
        var evidence: String?
        /// The history proved that the request entered nobody: the contact is sent again (counted).
        var provenAbsent = false
    }

    /// The time from which the history is complete, given when it was asked and the lag the freshness endpoint reported.
    func completeUpTo(askedAt: Int64, lagMillis: Int64) -> Int64 {
        askedAt - max(lagMillis, 0) - settings.freshnessMarginMillis - settings.clockMarginMillis
    }

    /// How far the history must be complete before no entry proves a request sent at `sentAt` (the remote's time at its
    /// earliest; `clockSpreadMillis` more at its latest) entered nobody: past the latest moment it may have arrived (its
    /// deadline; for a request that got no answer, `unanswered`, the late arrival after that), the settle time after that,
    /// and the clock margin.
    func needed(sentAt: Int64, clockSpreadMillis: Int64, unanswered: Bool) -> Int64 {
        sentAt + clockSpreadMillis + requestMillis + (unanswered ? policy.lateArrivalMillis : 0) + policy.settleMillis
            + settings.clockMarginMillis
    }

    /// `rows` are this contact's entry rows in this journey (any time); `completeUpTo` is nil when the history's
    /// freshness is unknown. The contact's request time, the rows and `completeUpTo` are in the remote's time; `now` is
    /// this host's (the outcome's times are). `clockSpreadMillis` is how uncertain the request's remote time is (it is
    /// given at its earliest). `fallback` is what membership alone allows (unverifiable).
    func decide(
        _ contact: VerificationCandidate, rows: [HistoryEntryRow], completeUpTo: Int64?, now: Int64, fallback: ContactOutcome,
        jitter: Double, clockSpreadMillis: Int64 = 0
    ) -> Finding {
        guard let sentAt = contact.sentAt, now - sentAt < Self.retentionMillis else { return Finding(outcome: fallback) }
        let since = sentAt - settings.clockMarginMillis
        let after = rows.filter { $0.at >= since }
        if let entered = after.filter({ $0.kind == .entered }).min(by: { $0.at < $1.at }) {
            return Finding(
                outcome: .confirmed,
                evidence: "journey history: entered at \(ISOTime.string(entered.at)) (status \(entered.status)), "
                    + "after the request at \(ISOTime.string(sentAt))")
        }
        if let odd = after.first(where: { $0.kind == .unclassified }) {
            // An entry activity whose status is not understood may be this entry: it is never taken for an absence.
            let reason =
                "journey history: a row of status '\(String(odd.status.prefix(60)))' after the request is neither entered nor refused "
                + "(historyEnteredStatuses, historyRefusedStatuses)"
            return Finding(outcome: policy.undecided(looks: contact.looks, reason: reason, now: now, jitter: jitter))
        }
        // An `unknown` contact's request got no answer that says it arrived: it may have arrived late.
        let needed = needed(sentAt: sentAt, clockSpreadMillis: clockSpreadMillis, unanswered: contact.state == .unknown)
        guard let completeUpTo else { return Finding(outcome: fallback) }
        guard completeUpTo >= needed else {
            // Not there yet: look again once the history should have caught up. Waiting is the remote's pace, not a look.
            let note =
                "waiting for the journey history to be complete past \(ISOTime.string(needed)) "
                + "(complete to \(ISOTime.string(completeUpTo)))"
            return Finding(outcome: .recheck(at: now + max(needed - completeUpTo, 1_000), note: note, counted: false))
        }
        // Complete, and no entry: the request entered nobody. A refusal recorded for it is the verdict; else it goes again.
        if let refused = after.filter({ $0.kind == .refused }).max(by: { $0.at < $1.at }) {
            let why = refused.message.isEmpty ? "status \(refused.status)" : String(refused.message.prefix(200))
            let evidence = "journey history: could not enter at \(ISOTime.string(refused.at)): \(why)"
            return Finding(outcome: .dead(reason: "the journey did not let it in: \(why)"), evidence: evidence)
        }
        let evidence =
            "journey history: the request at \(ISOTime.string(sentAt)) entered nobody (no entry from \(ISOTime.string(since)) "
            + "to \(ISOTime.string(completeUpTo)), complete to then); sent again"
        let outcome = policy.outcome(
            for: .notTaken(reason: "never entered (journey history complete past the request shows no entry)"),
            attempts: contact.attempts, now: now, jitter: jitter)
        return Finding(outcome: outcome, evidence: evidence, provenAbsent: true)
    }
}
