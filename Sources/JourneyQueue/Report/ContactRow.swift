/// One contact as the CSV report and `show` see it.
public struct ContactRow: Sendable, Codable, Equatable {
    public var destination: String
    public var key: String
    public var state: String
    public var attempts: Int
    public var lastError: String?
    public var deadReason: String?
    public var eventInstanceID: String?
    public var requestID: String?
    public var enqueuedAt: Int64
    public var updatedAt: Int64
    public var dataJSON: String
    /// What decided the verdict beyond membership: the journey-history rows, or the window in which it held no entry.
    public var evidence: String?
    /// The contact's own limits (epoch ms): not claimed before `notBefore`, never sent after `notAfter`.
    public var notBefore: Int64?
    public var notAfter: Int64?
    /// While queued: when it may be claimed next, and why it waits (`sendWindow`, `notBefore`, or nil for a retry).
    public var availableAt: Int64?
    public var waitingFor: String?
    /// When its data was erased on request (epoch ms); its key, states, ids and times stay as the proof.
    public var erasedAt: Int64?

    /// Why a queued contact waits, by the store's `wait_cause`.
    public static func waitingFor(cause: Int?) -> String? {
        switch cause.map(String.init) {
        case StateCode.waitWindow: "sendWindow"
        case StateCode.waitNotBefore: "notBefore"
        default: nil
        }
    }

    public init(
        destination: String, key: String, state: String, attempts: Int, lastError: String?, deadReason: String?,
        eventInstanceID: String?, requestID: String?, enqueuedAt: Int64, updatedAt: Int64, dataJSON: String
    ) {
        self.destination = destination
        self.key = key
        self.state = state
        self.attempts = attempts
        self.lastError = lastError
        self.deadReason = deadReason
        self.eventInstanceID = eventInstanceID
        self.requestID = requestID
        self.enqueuedAt = enqueuedAt
        self.updatedAt = updatedAt
        self.dataJSON = dataJSON
    }
}
