/// The outbox as readers use it: the events feed, and the delivery state of each webhook endpoint.
///
/// Webhook delivery is at least once: a batch is claimed (the events after the endpoint's cursor, fixed once chosen and
/// named by a message id), posted, then recorded as delivered (the cursor moves past it) or failed (tried again later
/// with the same events and the same message id). A worker that dies between the post and the record leaves the batch
/// pending; whoever claims it next sends it again, unchanged.
public protocol EventOutbox: Sendable {
    /// Up to `limit` events after `after` (nil: from the oldest kept), oldest first, that `filter` keeps. Only events
    /// that can no longer be overtaken are returned, so a reader that pages on with the last position sees every event
    /// once, in order, however verdicts keep arriving.
    func events(after: EventPosition?, limit: Int, filter: EventFilter) async throws -> [QueueEvent]

    /// Registers the configured endpoints (a new one starts at the end of the outbox: it is told what happens from now
    /// on; a retired one is taken back). Returns the registered endpoints not among `names`: they keep their events
    /// from retention until an operator retires them (another worker may still have them in its config).
    @discardableResult
    func ensureWebhooks(_ names: [String]) async throws -> [String]

    /// An operator's word that `endpoint` is gone for good: it no longer holds events back from retention. Returns its
    /// state before, nil if no such endpoint.
    func retireWebhook(endpoint: String) async throws -> WebhookState?

    /// Claims `endpoint` for `owner` until `now + leaseMillis` and returns its batch: the pending one if a delivery is
    /// unfinished, else up to `limit` new events that `filter` keeps. nil when nothing is to be sent now: the endpoint
    /// is parked, held by another owner, waiting for its next try, or has nothing new (its cursor then moves past
    /// events the filter skips).
    func claimWebhookBatch(endpoint: String, owner: String, filter: EventFilter, limit: Int, leaseMillis: Int64) async throws
        -> WebhookBatch?

    /// Records the batch as taken by the endpoint: its cursor moves past it. False if the batch was no longer this
    /// owner's (its lease passed and another worker took it over): nothing is changed.
    @discardableResult
    func webhookDelivered(_ batch: WebhookBatch, owner: String) async throws -> Bool

    /// Records a failed try: the next at `nextAttemptAt`; the endpoint is parked when it has failed since longer than
    /// `parkAfterMillis`. Returns the state after the failure.
    @discardableResult
    func webhookFailed(_ batch: WebhookBatch, owner: String, error: String, nextAttemptAt: Int64, parkAfterMillis: Int64) async throws
        -> WebhookState?

    /// Unparks `endpoint` and makes its next try due now. Returns its state before, nil if no such endpoint.
    func redeliverWebhook(endpoint: String) async throws -> WebhookState?

    /// Every registered endpoint's state, with how many events wait for it (that `filters` keeps for it) and since when.
    func webhookStates(filters: [String: EventFilter]) async throws -> [WebhookState]
}
