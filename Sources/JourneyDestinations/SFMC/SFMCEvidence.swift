import JourneyQueue

/// What the async status endpoint says of the entry a contact's last request made (docs/remote-apis.md §3.1).
enum EntryStatus: Sendable, Equatable {
    /// Taken, not yet processed into the journey: wait.
    case queued
    /// Processed. Not proof of entry by itself: a silently dropped entry is "processed" too.
    case processed
    /// Not queued, with the member error: not entered.
    case errored(code: String, message: String)
    /// The remote has no record of it (for a lost answer: the request was not taken).
    case noRecord
    /// The destination has no status endpoint (batchcontactevents, single events).
    case unsupported
}

/// Decides one contact from the evidence Marketing Cloud gives, so that nobody is confirmed without evidence tied to
/// this run's request and nobody is sent again who may have entered:
/// - "a member now" confirms only a contact that was not a member before journeyq's first request for it;
/// - "queued" waits; "errored" and "no record of a lost request" allow a re-send;
/// - "processed" but not a member proves an entry was dropped only if membership lists contacts that left (or the look
///   came before anyone could leave); otherwise the journey history decides where it is read, and without it the contact
///   is unverifiable, never re-sent.
struct SFMCEvidence: Sendable {
    let policy: OutcomePolicy
    let transientCodes: Set<String>
    /// Whether the journey history is read: what membership cannot decide goes to it instead of ending unverifiable.
    var readsHistory = false

    enum Decision: Equatable {
        case outcome(ContactOutcome)
        /// Membership alone cannot decide: ask the status endpoint.
        case needsStatus
        /// Membership cannot tell this entry from an earlier one, or "never entered" from "entered and left": the journey
        /// history decides; `fallback` is what membership alone allows.
        case needsHistory(fallback: ContactOutcome)
    }

    func decide(_ contact: VerificationCandidate, isMember: Bool, status: EntryStatus?, now: Int64, jitter: Double) -> Decision {
        let membershipIsThisEntry = contact.priorMember == .notMember || (contact.priorMember == nil && !policy.lookBeforeFirstSend)
        if isMember && membershipIsThisEntry { return .outcome(.confirmed) }
        guard let status else { return .needsStatus }
        func resend(_ reason: String) -> Decision {
            .outcome(policy.outcome(for: .notTaken(reason: reason), attempts: contact.attempts, now: now, jitter: jitter))
        }
        func doubt(_ reason: String) -> Decision {
            readsHistory ? .needsHistory(fallback: .unverifiable(reason: reason)) : .outcome(.unverifiable(reason: reason))
        }
        let memberBefore = "was in the journey before this run's first request, so membership cannot tell this entry from the earlier one"
        switch status {
        case .queued:
            return .outcome(
                policy.undecided(
                    looks: contact.looks, reason: "still queued at the remote", now: now,
                    at: now + max(policy.settleMillis / 2, 500), jitter: jitter))
        case .errored(let code, let message):
            let reason = "member errorcode \(code): \(message)"
            let verdict: Verdict = transientCodes.contains(code) ? .notTaken(reason: reason) : .permanent(reason: reason)
            return .outcome(policy.outcome(for: verdict, attempts: contact.attempts, now: now, jitter: jitter))
        case .noRecord:
            if contact.eventInstanceID != nil {
                return .outcome(
                    policy.undecided(
                        looks: contact.looks, reason: "the status endpoint has no record of eventInstanceId \(contact.eventInstanceID!)",
                        now: now, jitter: jitter))
            }
            return resend("the request's answer was lost and the remote has no record of it: not taken")
        case .processed:
            if !membershipIsThisEntry { return doubt("processed by the remote, but the contact \(memberBefore)") }
            if policy.absenceProvesNoEntry(sentAt: contact.sentAt, now: now) {
                return resend("processed by the remote but never entered the journey (dropped)")
            }
            return doubt(
                "processed by the remote but not in the journey: dropped, or entered and already left "
                    + "(set membershipListsExited or minimumStaySeconds to tell them apart)")
        case .unsupported:
            if isMember { return doubt("a member, but the contact \(memberBefore)") }
            if policy.absenceProvesNoEntry(sentAt: contact.sentAt, now: now) {
                return resend("unconfirmed: not in the journey \(policy.settleMillis / 1000) s after the last request")
            }
            return doubt(
                "not in the journey after the settle time: never entered, or entered and already left "
                    + "(set membershipListsExited or minimumStaySeconds to tell them apart)")
        }
    }

    /// One status for several records of the same contact: anything still queued wins (never re-send while the remote
    /// may still enter it), then processed, then errored.
    static func combine(_ statuses: [EntryStatus]) -> EntryStatus {
        if statuses.contains(.queued) { return .queued }
        if statuses.contains(.processed) { return .processed }
        return statuses.first { if case .errored = $0 { true } else { false } } ?? .noRecord
    }
}
