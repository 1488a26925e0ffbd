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
