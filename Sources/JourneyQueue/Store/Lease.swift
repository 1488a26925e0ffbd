/// Proof that a worker holds a claimed batch; every later write for the batch must present it.
public struct Lease: Sendable, Equatable, Hashable {
    public var batchID: Int64
    public var token: String
    public var destination: String
    /// Epoch milliseconds after which the lease is void.
    public var until: Int64

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

    public init(id: Int64, key: String, dataJSON: String, attempts: Int) {
        self.id = id
        self.key = key
        self.dataJSON = dataJSON
        self.attempts = attempts
    }
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

    public init(id: Int64, key: String, state: ContactState, attempts: Int, eventInstanceID: String?, requestID: String?) {
        self.id = id
        self.key = key
        self.state = state
        self.attempts = attempts
        self.eventInstanceID = eventInstanceID
        self.requestID = requestID
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
