import JourneyQueue

/// For a destination that offers no way to look (Symplify): contacts left `unknown` (a worker died mid-upload)
/// are settled by the destination's ambiguous-outcome setting, dead or sent again, instead of waiting for a look
/// that can never come.
struct AmbiguityResolver: VerifyingDestination {
    let wrapped: any Destination
    let clock: any WallClock

    var name: String { wrapped.name }
    var kind: String { wrapped.kind }
    var limits: DestinationLimits { wrapped.limits }
    var policy: OutcomePolicy { wrapped.policy }
    var verificationBatchSize: Int { 500 }

    func submit(_ batch: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission {
        try await wrapped.submit(batch, ledger: ledger)
    }

    /// Why such a contact is dead (or sent again) without a look: the operator reads it and decides.
    static let unknownUpload =
        "the request that carried it may have been taken (its worker stopped or its answer was lost after it left) "
        + "and the destination offers no way to look; `journeyq redrive` sends it again if you choose (a possible duplicate)"

    func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification {
        let jitter = policy.jitter.next()
        let now = clock.nowMillis()
        return Verification(
            settlements: batch.contacts.map { contact in
                let outcome: ContactOutcome =
                    contact.state == .accepted
                    ? .unverifiable()
                    : policy.outcome(for: .ambiguous(reason: Self.unknownUpload), attempts: contact.attempts, now: now, jitter: jitter)
                return Settlement(contactID: contact.id, outcome: outcome)
            })
    }
}
