/// An ingest request's idempotency key and the response to record with it.
public struct IdempotencyRecord {
    public var key: String
    public var response: (EnqueueSummary) -> String

    public init(key: String, response: @escaping (EnqueueSummary) -> String) {
        self.key = key
        self.response = response
    }
}
