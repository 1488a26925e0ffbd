/// Why a request was made: the ledger keeps submissions, reconciliation looks and token requests apart.
public enum AttemptPurpose: String, Sendable, Codable {
    case submit
    case reconcile
    case token
}

/// What a request was for, as an account's API quota counts it: finer than `AttemptPurpose`.
public enum CallPurpose: String, Sendable, Codable, CaseIterable {
    /// A request that carries contacts (or creates, uploads, closes the job that does).
    case submission
    /// Is the contact in the journey already, before its first request?
    case lookBefore = "look-before"
    /// Reconciliation: membership, status, the journey history, a job's results.
    case lookAfter = "look-after"
    case token
    /// The journey's description: does it exist, take entries, which definition id (check, journey watch).
    case journeyCheck = "journey-check"

    /// What a request of `purpose` is for when nothing finer is said.
    public init(_ purpose: AttemptPurpose) {
        switch purpose {
        case .submit: self = .submission
        case .reconcile: self = .lookAfter
        case .token: self = .token
        }
    }
}

/// The request half of a ledger row, written before the request leaves (write-ahead).
public struct AttemptStart: Sendable, Equatable {
    public var purpose: AttemptPurpose
    public var method: String
    public var url: String
    /// The body as sent, with secrets already redacted.
    public var requestBody: String
    public var startedAt: Int64
    /// Whether the request may carry the batch's contacts (they move to `sending`). False for a request on the batch's
    /// behalf that takes nobody (Symplify's trigger asks for an upload URL; nothing starts until the file is uploaded):
    /// a worker that dies after it leaves its contacts `claimed`, to be queued again, not in doubt.
    public var takesContacts: Bool
    /// What the request was for, as the quota counts it.
    public var call: CallPurpose
    /// The OpenTelemetry trace the request belongs to (32 hex digits), when it was traced: `show` prints it, so that a
    /// ledger row leads to its spans.
    public var traceID: String?
    /// How long the request may take (its deadline, from the write-ahead). The write-ahead extends the batch's lease to
    /// outlive it, so that no recovery makes its contacts lookable while it could still be arriving.
    public var timeoutMillis: Int64?

    public init(
        purpose: AttemptPurpose, method: String, url: String, requestBody: String, startedAt: Int64, takesContacts: Bool = true,
        call: CallPurpose? = nil, timeoutMillis: Int64? = nil
    ) {
        self.timeoutMillis = timeoutMillis
        self.call = call ?? CallPurpose(purpose)
        self.purpose = purpose
        self.method = method
        self.url = url
        self.requestBody = requestBody
        self.startedAt = startedAt
        self.takesContacts = takesContacts
    }
}

/// The answer half of a ledger row.
public struct AttemptResult: Sendable, Equatable {
    public var attemptID: Int64
    /// HTTP status, nil when no answer came.
    public var status: Int?
    /// Headers that matter (`Retry-After`, request ids), never `Authorization`.
    public var headers: [String: String]
    public var responseBody: String
    /// `requestId`, batch GUID or job id the remote gave.
    public var remoteID: String?
    public var latencyMillis: Int64
    /// A short, closed class of failure (`timeout`, `http_429`, `connect`), nil on success.
    public var errorClass: String?
    public var finishedAt: Int64

    public init(
        attemptID: Int64, status: Int?, headers: [String: String], responseBody: String, remoteID: String?,
        latencyMillis: Int64, errorClass: String?, finishedAt: Int64
    ) {
        self.attemptID = attemptID
        self.status = status
        self.headers = headers
        self.responseBody = responseBody
        self.remoteID = remoteID
        self.latencyMillis = latencyMillis
        self.errorClass = errorClass
        self.finishedAt = finishedAt
    }
}

extension AttemptResult {
    /// The headers as the ledger keeps them: a JSON object, keys sorted; nil when there are none.
    public var headersJSON: String? {
        headers.isEmpty ? nil : JSONText.object(headers.sorted { $0.key < $1.key }.map { Field($0.key, .string($0.value)) })
    }
}

/// How much of a request or answer body the ledger keeps. A body past the bound (a Bulk CSV, a Symplify file, a
/// large answer) is kept as a note of its size: the contacts it carried are in the queue under the batch, and a ledger
/// write must never fail because a body is large after contacts were sent.
public enum LedgerBody {
    /// 8 MiB: far below SQLite's row limit.
    public static let maxBytes = 8 << 20

    /// `body`, or a note of its size when it is past the bound.
    public static func bounded(_ body: String) -> String {
        let count = body.utf8.count
        return count <= maxBytes
            ? body : "<\(count) bytes, not kept in the ledger (more than \(maxBytes)); the batch's contacts are in the queue>"
    }
}
