import JourneyDestinations
import JourneyQueue
import JourneyRuntime

/// One `notify:` entry: where outcomes are posted, which ones, and how hard to try.
public struct WebhookConfig: Sendable {
    /// The endpoint's name in the API, the dashboard and the metrics (default: the URL's host).
    public var name: String
    public var url: String
    /// Which events and destinations it is told of (nil: all).
    public var filter: EventFilter
    /// Signs with the endpoint's secret (`whsec_` and base64, or any text of 24 bytes or more).
    public var signer: WebhookSigner
    /// Events per message, at most 1,000.
    public var batchSize: Int
    /// A try's deadline.
    public var timeoutMillis: Int64
    /// The longest wait between tries (they start at 1 s and double).
    public var maxBackoffMillis: Int64
    /// How long an endpoint may fail before its events are parked until an operator redelivers them.
    public var parkAfterMillis: Int64

    public init(
        name: String, url: String, filter: EventFilter = .all, signer: WebhookSigner, batchSize: Int = NotifySettings.batchSize.defaultInt,
        timeoutMillis: Int64 = NotifySettings.timeout.defaultMillis, maxBackoffMillis: Int64 = NotifySettings.maxBackoff.defaultMillis,
        parkAfterMillis: Int64 = NotifySettings.parkAfter.defaultMillis
    ) {
        self.name = name
        self.url = url
        self.filter = filter
        self.signer = signer
        self.batchSize = batchSize
        self.timeoutMillis = timeoutMillis
        self.maxBackoffMillis = maxBackoffMillis
        self.parkAfterMillis = parkAfterMillis
    }

    /// What `serve` shows of it.
    public var endpoint: WebhookEndpoint { WebhookEndpoint(name: name, origin: RedactedURL.origin(url), filter: filter) }
}
