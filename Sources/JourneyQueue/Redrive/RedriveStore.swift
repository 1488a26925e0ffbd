/// The operator's way back for contacts that ended dead or expired: a write, kept apart from what reports read.
public protocol RedriveStore: Sendable {
    /// Moves dead contacts back to `queued` (attempts reset); only those whose reason contains `reason`, if given.
    /// A contact whose last request may have been taken (ambiguous) becomes `unknown` instead: it is looked for
    /// before anything is sent again. A contact that is live again under the same key is skipped.
    /// Every redriven contact is looked for afresh before it is sent (its membership before the first request is asked
    /// again). A key with a newer confirmed or unverifiable row at the destination is skipped. Where the destination
    /// cannot be asked who entered (`lookable` false: Symplify), an ambiguous contact is queued as the operator chose and
    /// counted as a possible duplicate.
    func redrive(destination: String, reason: String?, lookable: Bool) async throws -> RedriveSummary
    /// Moves expired contacts back to `queued` with a new `notAfter` (nil: none), ready at once or at their
    /// `notBefore`. They were never sent, so nothing is in doubt; a key live again, or with a newer confirmed or
    /// unverifiable row, is skipped.
    func redriveExpired(destination: String, notAfter: Int64?) async throws -> RedriveSummary
}
