/// An ingest request's idempotency key and the response to record with it.
public struct IdempotencyRecord: Sendable {
    public var key: String
    /// The answer to store, made from what the enqueue did, inside its transaction.
    public var response: @Sendable (EnqueueSummary) -> String

    public init(key: String, response: @escaping @Sendable (EnqueueSummary) -> String) {
        self.key = key
        self.response = response
    }
}
