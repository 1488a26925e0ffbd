import JourneyQueue

/// A webhook endpoint as `serve` shows it: its name, where it posts (the origin only: a URL may carry a grant), and
/// which events it is told of.
public struct WebhookEndpoint: Sendable, Equatable {
    public var name: String
    public var origin: String
    public var filter: EventFilter

    public init(name: String, origin: String, filter: EventFilter) {
        self.name = name
        self.origin = origin
        self.filter = filter
    }
}
