/// Turns verdicts into outcomes: backoff with full jitter, attempts, settle times, bounded looks, and the policies for
/// destinations that cannot be asked.
public struct OutcomePolicy: Sendable {
    public var retry: RetryPolicy
    /// How long after a request the remote may still be entering contacts: no look before then.
    public var settleMillis: Int64
    /// How long after its deadline a request that got no answer may still reach the remote (a closed connection's bytes
    /// are still retransmitted by the kernel): no absence proves anything about it before then.
    public var lateArrivalMillis: Int64
    /// False for destinations that offer no way to look (Symplify): accepted contacts end `unverifiable`.
    public var verifiable: Bool
    /// Where there is no way to look, what an ambiguous outcome becomes.
    public var ambiguousWithoutVerification: AmbiguousPolicy
    /// Pause after a 429 that says nothing of how long (no `Retry-After`, no `retryAfter`).
    public var throttlePauseMillis: Int64
    /// Longest pause any remote answer may impose (`Retry-After`, `retryAfter`).
    public var maxPauseMillis: Int64
    /// Looks that could not decide before a contact ends `unverifiable` (never re-sent).
    public var verifyAttempts: Int
    /// Whether contactMembership lists contacts that already left the journey (the spec does not know): when it does,
    /// "not a member" proves that a contact never entered.
    public var membershipListsExited: Bool
    /// Contacts stay in the journey at least this long (0: unknown); a contact not seen sooner than this after its
    /// request never entered.
    public var minimumStayMillis: Int64
    /// Look for every contact before its first request, so that an earlier membership is not taken for this entry.
    public var lookBeforeFirstSend: Bool
    /// Backoff jitter (one draw per batch).
    public var jitter: any JitterSource = SystemJitter()

    /// Ambiguous outcomes at a destination that cannot be asked.
    public enum AmbiguousPolicy: String, Sendable, Codable {
        /// Send again (may enter the contact twice; the report counts these).
        case retry
        /// Give up with reason `ambiguous`.
        case dead
    }

    public init(
        retry: RetryPolicy = RetryPolicy(), settleMillis: Int64 = DestinationSettings.settle.defaultMillis,
        lateArrivalMillis: Int64 = DestinationSettings.lateArrival.defaultMillis, verifiable: Bool = true,
        ambiguousWithoutVerification: AmbiguousPolicy = .dead,
        throttlePauseMillis: Int64 = DestinationSettings.throttlePause.defaultMillis,
        maxPauseMillis: Int64 = DestinationSettings.maxPause.defaultMillis,
        verifyAttempts: Int = DestinationSettings.verifyAttempts.defaultInt,
        membershipListsExited: Bool = DestinationSettings.membershipListsExited.defaultBool,
        minimumStayMillis: Int64 = DestinationSettings.minimumStay.defaultMillis,
        lookBeforeFirstSend: Bool = DestinationSettings.lookBeforeFirstSend.defaultBool
    ) {
        self.retry = retry
        self.settleMillis = settleMillis
        self.lateArrivalMillis = lateArrivalMillis
        self.verifiable = verifiable
        self.ambiguousWithoutVerification = ambiguousWithoutVerification
        self.throttlePauseMillis = throttlePauseMillis
        self.maxPauseMillis = maxPauseMillis
        self.verifyAttempts = verifyAttempts
        self.membershipListsExited = membershipListsExited
        self.minimumStayMillis = minimumStayMillis
        self.lookBeforeFirstSend = lookBeforeFirstSend
    }

    /// The outcome for a contact that has had `attempts` tries, decided at `now`, with a jitter drawn from `random`.
    /// `throttledUntil` is when a throttled destination may be tried again.
    public func outcome<G: RandomNumberGenerator>(
        for verdict: Verdict, attempts: Int, now: Int64, throttledUntil: Int64? = nil,
        using random: inout G
    ) -> ContactOutcome {
        outcome(
            for: verdict, attempts: attempts, now: now, throttledUntil: throttledUntil, jitter: Double.random(in: 0..<1, using: &random))
    }

    /// The outcome with a given `jitter` (0 ≤ jitter < 1) of the backoff ceiling: callers pass one jitter for a whole
    /// batch, so that its contacts are retried together.
    public func outcome(for verdict: Verdict, attempts: Int, now: Int64, throttledUntil: Int64? = nil, jitter: Double) -> ContactOutcome {
        switch verdict {
        case .accepted(let id):
            return verifiable ? .accepted(eventInstanceID: id, verifyAfter: now + settleMillis) : .unverifiable()
        case .confirmed:
            return .confirmed
        case .throttled(let reason), .unavailable(let reason):
            return .retry(at: throttledUntil ?? now + retry.delay(afterAttempt: 1, jitter: jitter), error: reason, refundAttempt: true)
        case .notTaken(let reason):
            guard retry.allowsAnother(after: attempts) else { return .dead(reason: "attempts used up (\(attempts)): \(reason)") }
            return .retry(at: now + retry.delay(afterAttempt: attempts, jitter: jitter), error: reason, refundAttempt: false)
        case .ambiguous(let reason, let destinationFault):
            if verifiable { return .unknown(error: reason, verifyAfter: now + ambiguousLookDelayMillis, refundAttempt: destinationFault) }
            switch ambiguousWithoutVerification {
            case .dead: return .dead(reason: "ambiguous: \(reason)", ambiguous: true)
            case .retry:
                guard retry.allowsAnother(after: attempts) else {
                    return .dead(reason: "attempts used up (\(attempts)): \(reason)", ambiguous: true)
                }
                return .retry(
                    at: now + retry.delay(afterAttempt: attempts, jitter: jitter), error: "possible duplicate: \(reason)",
                    refundAttempt: false, possibleDuplicate: true)
            }
        case .permanent(let reason):
            return .dead(reason: reason)
        }
    }

    /// How long after a request that ended without an answer saying what was taken (a timeout, a lost connection, a 5xx,
    /// an abandoned lease) its contacts wait for their first look: the request may still arrive for `lateArrivalMillis`
    /// and be entered for `settleMillis` after that, and a look before then that finds nobody proves nothing.
    public var ambiguousLookDelayMillis: Int64 { settleMillis + lateArrivalMillis }

    /// A look that could not decide: look again after a backoff, or, after `verifyAttempts` such looks, give up as
    /// `unverifiable` with the last reason. A throttled look (`counted: false`) waits for `at` and costs nothing.
    public func undecided(looks: Int, reason: String, now: Int64, at: Int64? = nil, counted: Bool = true, jitter: Double) -> ContactOutcome
    {
        guard counted else { return .recheck(at: at ?? now + retry.baseDelayMillis, note: reason, counted: false) }
        if looks + 1 >= verifyAttempts {
            return .unverifiable(reason: "not verifiable after \(looks + 1) looks: \(reason)")
        }
        let backoff = now + max(retry.delay(afterAttempt: looks + 1, jitter: jitter), 100)
        return .recheck(at: max(at ?? backoff, backoff), note: reason)
    }

    /// Whether "not a member" at `now` proves that a request started at `sentAt` put nobody in the journey: only when
    /// membership lists contacts that left, or when the look comes before anyone could have left.
    public func absenceProvesNoEntry(sentAt: Int64?, now: Int64) -> Bool {
        if membershipListsExited { return true }
        guard minimumStayMillis > 0, let sentAt else { return false }
        return now < sentAt + minimumStayMillis
    }

    /// A pause a remote asked for, clamped to `maxPauseMillis` (never in the past).
    public func clampedPause(until: Int64, now: Int64) -> Int64 {
        min(max(until, now), now + maxPauseMillis)
    }
}
