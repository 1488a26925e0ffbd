/// What a destination learned about one contact from the remote's answer, before policy turns it into an outcome.
public enum Verdict: Sendable, Equatable {
    /// Taken, with the remote's id for it when there is one.
    case accepted(eventInstanceID: String?)
    /// Provably not taken (connection refused, transient member error, 401 after a refresh): safe to send again.
    case notTaken(reason: String)
    /// Throttled (429): not taken, and it must not cost an attempt.
    case throttled(reason: String)
    /// May or may not have been taken (5xx, timeout after sending, connection lost): look before re-sending.
    case ambiguous(reason: String)
    /// Will never be taken as it is (permanent 4xx, permanent member error).
    case permanent(reason: String)
    /// Seen at the destination (bulk ingest results, reconciliation).
    case confirmed
}

/// Turns verdicts into outcomes: backoff with full jitter, attempts, settle times, policies for destinations that cannot be asked.
public struct OutcomePolicy: Sendable {
    public var retry: RetryPolicy
    /// How long after a request the remote may still be entering contacts: no look before then.
    public var settleMillis: Int64
    /// False for destinations that offer no way to look (Symplify): accepted contacts end `unverifiable`.
    public var verifiable: Bool
    /// Where there is no way to look, what an ambiguous outcome becomes.
    public var ambiguousWithoutVerification: AmbiguousPolicy
    /// Pause after a 429 that says nothing of how long (no `Retry-After`, no `retryAfter`).
    public var throttlePauseMillis: Int64

    /// Ambiguous outcomes at a destination that cannot be asked.
    public enum AmbiguousPolicy: String, Sendable, Codable {
        /// Send again (may enter the contact twice; the report counts these).
        case retry
        /// Give up with reason `ambiguous`.
        case dead
    }

    public init(retry: RetryPolicy = RetryPolicy(), settleMillis: Int64 = 60_000, verifiable: Bool = true,
                ambiguousWithoutVerification: AmbiguousPolicy = .dead, throttlePauseMillis: Int64 = 10_000) {
        self.retry = retry
        self.settleMillis = settleMillis
        self.verifiable = verifiable
        self.ambiguousWithoutVerification = ambiguousWithoutVerification
        self.throttlePauseMillis = throttlePauseMillis
    }

    /// The outcome for a contact that has had `attempts` tries, decided at `now`, with a jitter drawn from `random`.
    /// `throttledUntil` is when a throttled destination may be tried again.
    public func outcome<G: RandomNumberGenerator>(for verdict: Verdict, attempts: Int, now: Int64, throttledUntil: Int64? = nil,
                                                  using random: inout G) -> ContactOutcome {
        outcome(for: verdict, attempts: attempts, now: now, throttledUntil: throttledUntil, jitter: Double.random(in: 0..<1, using: &random))
    }

    /// The outcome with a given `jitter` (0 ≤ jitter < 1) of the backoff ceiling: callers pass one jitter for a whole
    /// batch, so that its contacts are retried together.
    public func outcome(for verdict: Verdict, attempts: Int, now: Int64, throttledUntil: Int64? = nil, jitter: Double) -> ContactOutcome {
        switch verdict {
        case .accepted(let id):
            return verifiable ? .accepted(eventInstanceID: id, verifyAfter: now + settleMillis) : .unverifiable
        case .confirmed:
            return .confirmed
        case .throttled(let reason):
            return .retry(at: throttledUntil ?? now + retry.delay(afterAttempt: 1, jitter: jitter), error: reason, refundAttempt: true)
        case .notTaken(let reason):
            guard retry.allowsAnother(after: attempts) else { return .dead(reason: "attempts used up (\(attempts)): \(reason)") }
            return .retry(at: now + retry.delay(afterAttempt: attempts, jitter: jitter), error: reason, refundAttempt: false)
        case .ambiguous(let reason):
            if verifiable { return .unknown(error: reason, verifyAfter: now + settleMillis) }
            switch ambiguousWithoutVerification {
            case .dead: return .dead(reason: "ambiguous: \(reason)")
            case .retry:
                guard retry.allowsAnother(after: attempts) else { return .dead(reason: "attempts used up (\(attempts)): \(reason)") }
                return .retry(at: now + retry.delay(afterAttempt: attempts, jitter: jitter), error: "possible duplicate: \(reason)", refundAttempt: false)
            }
        case .permanent(let reason):
            return .dead(reason: reason)
        }
    }
}
