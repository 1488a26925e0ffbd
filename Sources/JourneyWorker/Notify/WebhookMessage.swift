import JourneyQueue

/// The body of one webhook message: the Standard Webhooks envelope (`type`, `timestamp`, `data`) around a batch of
/// events. Every try of a batch carries the same events; `timestamp` is when the batch was first formed, so the body
/// is the same on every try too (only the `webhook-timestamp` header, which is signed, says when the try was sent).
public enum WebhookMessage {
    /// The envelope's type.
    public static let type = "journeyq.events"

    public static func body(_ batch: WebhookBatch) -> [UInt8] {
        var text = "{\"type\":\"\(type)\",\"timestamp\":\(JSONText.string(ISOTime.string(batch.since))),\"data\":{\"endpoint\":"
        text += JSONText.string(batch.endpoint) + ",\"events\":["
        text += batch.events.map(\.json).joined(separator: ",")
        text += "]}}"
        return Array(text.utf8)
    }
}
