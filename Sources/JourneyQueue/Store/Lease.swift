/// Proof that a worker holds a claimed batch; every later write for the batch must present it.
public struct Lease: Sendable, Equatable, Hashable {
    public var batchID: Int64
    public var token: String
    public var destination: String
    /// Epoch milliseconds after which the lease is void.
    public var until: Int64
    /// Beyond a request's deadline, how long the write-ahead keeps the lease (the answer's settle needs a moment).
    public static let requestMarginMillis: Int64 = 1_000

    /// The least `lease_until` a write-ahead at `now` leaves for a request of `timeoutMillis` (nil: no deadline known).
    public static func outliving(now: Int64, timeoutMillis: Int64?) -> Int64? {
        timeoutMillis.map { now + $0 + requestMarginMillis }
    }

    public init(batchID: Int64, token: String, destination: String, until: Int64) {
        self.batchID = batchID
        self.token = token
        self.destination = destination
        self.until = until
    }
}

/// One contact handed to a worker in a claimed batch.
public struct ClaimedContact: Sendable, Equatable {
    public var id: Int64
    public var key: String
    public var dataJSON: String
    /// Attempts including the one this claim counts.
    public var attempts: Int
    /// What a look before the first request found; nil when nobody has looked yet.
    public var priorMember: PriorMembership?
    /// Looks that could not decide since the contact was last sent (a failed look before the first request counts).
    public var looks: Int
    /// The contact's `notAfter`: never sent after it (epoch milliseconds).
    public var notAfter: Int64?

    public init(
        id: Int64, key: String, dataJSON: String, attempts: Int, priorMember: PriorMembership? = nil, looks: Int = 0,
        notAfter: Int64? = nil
    ) {
        self.notAfter = notAfter
        self.id = id
        self.key = key
        self.dataJSON = dataJSON
        self.attempts = attempts
        self.priorMember = priorMember
        self.looks = looks
    }
}

/// Whether a contact was already in the journey before journeyq's first request for it: membership
/// seen later proves this run's entry only for contacts that were not.
public enum PriorMembership: Int, Sendable, Equatable, Codable {
    case notMember = 0
    case member = 1
    /// The look failed as often as allowed: treated like a member (membership cannot prove this entry).
    case unknown = 2
}

/// A batch claimed for submission: the lease and its contacts.
public struct ClaimedBatch: Sendable, Equatable {
    public var lease: Lease
    public var contacts: [ClaimedContact]

    public init(lease: Lease, contacts: [ClaimedContact]) {
        self.lease = lease
        self.contacts = contacts
    }
}

/// A contact handed to reconciliation: what journeyq knows of its last submission.
public struct VerificationCandidate: Sendable, Equatable {
    public var id: Int64
    public var key: String
    /// `accepted` or `unknown`.
    public var state: ContactState
    public var attempts: Int
    public var eventInstanceID: String?
    /// The remote's id of the last submission (`requestId`, batch GUID, job id).
    public var requestID: String?
    /// Looks that could not decide since the last request.
    public var looks: Int
    /// Membership before the first request (nil: never looked, as at a destination that does not look first).
    public var priorMember: PriorMembership?
    /// Start of the last request that may have carried the contact (epoch ms).
    public var sentAt: Int64?

    public init(
        id: Int64, key: String, state: ContactState, attempts: Int, eventInstanceID: String?, requestID: String?,
        looks: Int = 0, priorMember: PriorMembership? = nil, sentAt: Int64? = nil
    ) {
        self.id = id
        self.key = key
        self.state = state
        self.attempts = attempts
        self.eventInstanceID = eventInstanceID
        self.requestID = requestID
        self.looks = looks
        self.priorMember = priorMember
        self.sentAt = sentAt
    }
}

/// Contacts due for a reconciliation look, under a lease like a submission batch.
public struct VerificationBatch: Sendable, Equatable {
    public var lease: Lease
    public var contacts: [VerificationCandidate]

    public init(lease: Lease, contacts: [VerificationCandidate]) {
        self.lease = lease
        self.contacts = contacts
    }
}
