/// One ledger row, for a contact's timeline.
public struct LedgerEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var purpose: String
    public var attemptNumber: Int
    public var method: String
    public var url: String
    public var requestBody: String
    public var startedAt: Int64
    public var status: Int?
    public var responseHeaders: String?
    public var responseBody: String?
    public var remoteID: String?
    public var latencyMillis: Int64?
    public var errorClass: String?
    /// The OpenTelemetry trace of the request, when it was traced.
    public var traceID: String?

    public init(
        id: Int64, purpose: String, attemptNumber: Int, method: String, url: String, requestBody: String, startedAt: Int64,
        status: Int?, responseHeaders: String?, responseBody: String?, remoteID: String?, latencyMillis: Int64?, errorClass: String?,
        traceID: String? = nil
    ) {
        self.id = id
        self.purpose = purpose
        self.attemptNumber = attemptNumber
        self.method = method
        self.url = url
        self.requestBody = requestBody
        self.startedAt = startedAt
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.remoteID = remoteID
        self.latencyMillis = latencyMillis
        self.errorClass = errorClass
        self.traceID = traceID
    }
}
