/// What producers are told: a contact's final verdict, or a destination paused or resumed. Written by the store in the
/// transaction that made it (the outbox), read by the events feed and the webhook deliveries.
public struct QueueEvent: Sendable, Equatable {
    /// Where the event sits in the outbox's order; the feed's cursor.
    public var position: EventPosition
    public var type: EventType
    public var destination: String
    /// When it happened (epoch ms).
    public var at: Int64
    public var contactKey: String?
    public var state: ContactState?
    /// Why a contact ended as it did (not for confirmed), or why a destination is paused.
    public var reason: String?
    public var eventInstanceID: String?
    public var requestID: String?
    public var attempts: Int?
    /// Who paused: operator, health (the destination is unavailable or its journey takes no entries) or looks.
    public var cause: String?
    /// A pause's end (epoch ms); nil until resumed.
    public var until: Int64?

    public init(
        position: EventPosition, type: EventType, destination: String, at: Int64, contactKey: String? = nil, state: ContactState? = nil,
        reason: String? = nil, eventInstanceID: String? = nil, requestID: String? = nil, attempts: Int? = nil, cause: String? = nil,
        until: Int64? = nil
    ) {
        self.position = position
        self.type = type
        self.destination = destination
        self.at = at
        self.contactKey = contactKey
        self.state = state
        self.reason = reason
        self.eventInstanceID = eventInstanceID
        self.requestID = requestID
        self.attempts = attempts
        self.cause = cause
        self.until = until
    }

    /// The event as the feed and the webhooks carry it: one JSON object, its keys in a fixed order.
    public var json: String {
        var fields = [
            "\"id\":\(JSONText.string(position.text))", "\"type\":\(JSONText.string(type.rawValue))",
            "\"at\":\(JSONText.string(ISOTime.string(at)))", "\"destination\":\(JSONText.string(destination))",
        ]
        if let contactKey { fields.append("\"contactKey\":\(JSONText.string(contactKey))") }
        if let state { fields.append("\"state\":\(JSONText.string(state.description))") }
        if let attempts { fields.append("\"attempts\":\(attempts)") }
        if let eventInstanceID { fields.append("\"eventInstanceId\":\(JSONText.string(eventInstanceID))") }
        if let requestID { fields.append("\"requestId\":\(JSONText.string(requestID))") }
        if let cause { fields.append("\"cause\":\(JSONText.string(cause))") }
        if let reason { fields.append("\"reason\":\(JSONText.string(reason))") }
        if type == .destinationPaused { fields.append("\"until\":\(until.map { JSONText.string(ISOTime.string($0)) } ?? "null")") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// The kinds of event.
public enum EventType: String, Sendable, CaseIterable, Codable {
    case contactConfirmed = "contact.confirmed"
    case contactUnverifiable = "contact.unverifiable"
    case contactDead = "contact.dead"
    case contactExpired = "contact.expired"
    case destinationPaused = "destination.paused"
    case destinationResumed = "destination.resumed"
}
