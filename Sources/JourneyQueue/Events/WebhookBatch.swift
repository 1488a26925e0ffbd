import Foundation

/// Events claimed for one webhook endpoint, sent as one message: every try of it carries the same message id and the
/// same events.
public struct WebhookBatch: Sendable, Equatable {
    public var endpoint: String
    /// The Standard Webhooks `webhook-id`: the same on every re-delivery of this batch.
    public var messageID: String
    public var events: [QueueEvent]
    /// The endpoint's cursor before the batch, and the batch's last position (the cursor once it is delivered).
    public var from: EventPosition
    public var to: EventPosition
    /// Which try this is (1 for the first).
    public var attempt: Int
    /// When the first try of this batch was claimed (epoch ms).
    public var since: Int64

    public init(
        endpoint: String, messageID: String, events: [QueueEvent], from: EventPosition, to: EventPosition, attempt: Int, since: Int64
    ) {
        self.endpoint = endpoint
        self.messageID = messageID
        self.events = events
        self.from = from
        self.to = to
        self.attempt = attempt
        self.since = since
    }

    /// A new message id: random, so that no other batch can ever carry it (ids derived from a range could repeat if a
    /// crash lost the record of a batch and its range was formed again with other events).
    public static func newMessageID() -> String {
        "msg_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}

/// One webhook endpoint's delivery as the store holds it.
public struct WebhookState: Sendable, Equatable {
    public var endpoint: String
    /// Events delivered, and the messages that carried them.
    public var delivered: Int64
    public var deliveries: Int64
    public var lastDeliveredAt: Int64?
    /// Tries of the batch in hand (a try cut short by a crash counts), since when the endpoint fails, and the last failure.
    public var attempts: Int
    public var failingSince: Int64?
    public var lastError: String?
    public var nextAttemptAt: Int64
    /// When it was parked (it failed longer than its parkAfter); nil when it is delivering.
    public var parkedAt: Int64?
    /// Events waiting for it (the batch in hand included), and the oldest one's time.
    public var undelivered: Int64
    public var oldestUndeliveredAt: Int64?
    public var retiredAt: Int64?

    public init(
        endpoint: String, delivered: Int64 = 0, deliveries: Int64 = 0, lastDeliveredAt: Int64? = nil, attempts: Int = 0,
        failingSince: Int64? = nil, lastError: String? = nil, nextAttemptAt: Int64 = 0, parkedAt: Int64? = nil,
        undelivered: Int64 = 0, oldestUndeliveredAt: Int64? = nil, retiredAt: Int64? = nil
    ) {
        self.endpoint = endpoint
        self.delivered = delivered
        self.deliveries = deliveries
        self.lastDeliveredAt = lastDeliveredAt
        self.attempts = attempts
        self.failingSince = failingSince
        self.lastError = lastError
        self.nextAttemptAt = nextAttemptAt
        self.parkedAt = parkedAt
        self.undelivered = undelivered
        self.oldestUndeliveredAt = oldestUndeliveredAt
        self.retiredAt = retiredAt
    }

    /// delivering, failing or parked.
    public var status: String { parkedAt != nil ? "parked" : (failingSince != nil ? "failing" : "delivering") }
}
