/// What a destination learned about one contact from the remote's answer, before policy turns it into an outcome.
public enum Verdict: Sendable, Equatable {
    /// Taken, with the remote's id for it when there is one.
    case accepted(eventInstanceID: String?)
    /// Provably not taken because of the contact's own request (transient member error, an unprocessed row): send again,
    /// and it costs an attempt.
    case notTaken(reason: String)
    /// Throttled (429): not taken, and it must not cost an attempt.
    case throttled(reason: String)
    /// Not taken because the destination, not the contact, is unwell (connection refused, no token, a 3xx or a 401
    /// after a refresh): send again once it is back, at no attempt's cost.
    case unavailable(reason: String)
    /// May or may not have been taken (5xx, timeout after sending, connection lost): look before re-sending.
    /// `destinationFault` for answers that blame the destination (503 with Retry-After): no attempt's cost.
    case ambiguous(reason: String, destinationFault: Bool = false)
    /// Will never be taken as it is (permanent 4xx, permanent member error).
    case permanent(reason: String)
    /// Seen at the destination (bulk ingest results, reconciliation).
    case confirmed
}
