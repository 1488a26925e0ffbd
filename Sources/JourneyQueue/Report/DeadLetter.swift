/// The operator's read side of the store: reports, timelines, exports, redrive.
/// One dead letter, as the API and the dashboard list them.
public struct DeadLetter: Sendable, Codable, Equatable {
    /// The keyset cursor: list the next page `after` the last id seen.
    public var id: Int64
    public var contactKey: String
    public var reason: String
    /// The last answer or failure recorded for the contact.
    public var lastError: String?
    public var attempts: Int
    public var requestID: String?
    /// When it died (epoch ms).
    public var updatedAt: Int64

    public init(id: Int64, contactKey: String, reason: String, lastError: String?, attempts: Int, requestID: String?, updatedAt: Int64) {
        self.id = id
        self.contactKey = contactKey
        self.reason = reason
        self.lastError = lastError
        self.attempts = attempts
        self.requestID = requestID
        self.updatedAt = updatedAt
    }
}
