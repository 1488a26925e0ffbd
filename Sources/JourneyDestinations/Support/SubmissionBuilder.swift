import JourneyQueue

/// Turns verdicts into a `Submission` with the destination's policy, the same way for every kind.
struct SubmissionBuilder {
    let policy: OutcomePolicy
    let clock: any WallClock

    /// Every contact of the batch gets the same verdict.
    func uniform(_ verdict: Verdict, batch: ClaimedBatch, result: AttemptResult?, pauseUntil: Int64? = nil) -> Submission {
        perContact(batch.contacts.map { ($0, verdict) }, result: result, pauseUntil: pauseUntil)
    }

    func perContact(_ verdicts: [(ClaimedContact, Verdict)], result: AttemptResult?, pauseUntil: Int64? = nil) -> Submission {
        // One jitter for the whole batch: contacts that failed together are retried together.
        let jitter = policy.jitter.next()
        let now = clock.nowMillis()
        let settlements = verdicts.map { contact, verdict in
            Settlement(
                contactID: contact.id,
                outcome: policy.outcome(
                    for: verdict, attempts: contact.attempts, now: now,
                    throttledUntil: pauseUntil, jitter: jitter))
        }
        return Submission(settlements: settlements, result: result, pauseUntil: pauseUntil)
    }

    /// The ledger answer for an HTTP answer.
    func result(_ answer: HTTPAnswer, attemptID: Int64, remoteID: String?, errorClass: String?) -> AttemptResult {
        .answered(answer, attemptID: attemptID, remoteID: remoteID, errorClass: errorClass, at: clock.nowMillis())
    }

    func result(_ failure: TransportFailure, attemptID: Int64) -> AttemptResult {
        .failed(failure, attemptID: attemptID, at: clock.nowMillis())
    }

    /// The common handling of everything but a 2xx body: transport failures, missing tokens, error statuses.
    /// Returns nil for a 2xx answer, which the destination reads itself.
    func nonSuccess(_ outcome: BatchRequestOutcome, batch: ClaimedBatch) -> Submission? {
        switch outcome {
        case .noToken(let failure):
            // A credentials problem is not the contacts' fault: no attempt is burnt; the gate holds the destination.
            return uniform(.unavailable(reason: failure.description), batch: batch, result: nil)
        case .notSent(let failure):
            return uniform(.unavailable(reason: failure.message), batch: batch, result: nil)
        case .failed(let failure, let attemptID):
            return uniform(StatusClassifier.verdict(for: failure), batch: batch, result: result(failure, attemptID: attemptID))
        case .answered(let answer, let attemptID):
            guard let verdict = StatusClassifier.verdict(for: answer) else { return nil }
            return uniform(
                verdict, batch: batch, result: result(answer, attemptID: attemptID, remoteID: nil, errorClass: nil),
                pauseUntil: pauseFor(verdict, answer))
        }
    }

    /// When a throttled answer lets the contacts come back (nil for every other verdict).
    func pauseFor(_ verdict: Verdict, _ answer: HTTPAnswer) -> Int64? {
        guard case .throttled = verdict else { return nil }
        return StatusClassifier.throttledUntil(answer, now: clock.nowMillis(), policy: policy)
    }
}
