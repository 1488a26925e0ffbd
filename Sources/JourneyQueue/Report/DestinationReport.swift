/// Everything the reports show about one destination, read in one go from the store.
public struct DestinationReport: Sendable, Codable, Equatable {
    /// Stages of the funnel: enqueued → submitted → accepted by the remote → confirmed.
    public struct Funnel: Sendable, Codable, Equatable {
        public var enqueued: Int
        public var submitted: Int
        public var accepted: Int
        public var confirmed: Int
        public var unverifiable: Int
        public var dead: Int

        public init(enqueued: Int, submitted: Int, accepted: Int, confirmed: Int, unverifiable: Int, dead: Int) {
            self.enqueued = enqueued
            self.submitted = submitted
            self.accepted = accepted
            self.confirmed = confirmed
            self.unverifiable = unverifiable
            self.dead = dead
        }
    }

    /// Request latency percentiles of submissions, in milliseconds.
    public struct Latency: Sendable, Codable, Equatable {
        public var p50: Int64
        public var p95: Int64
        public var p99: Int64

        public init(p50: Int64, p95: Int64, p99: Int64) {
            self.p50 = p50
            self.p95 = p95
            self.p99 = p99
        }
    }

    /// Contacts that reached a final state in one bucket of time (`bucketMillis` long).
    public struct Bucket: Sendable, Codable, Equatable {
        /// Epoch ms of the minute's start.
        public var minute: Int64
        public var confirmed: Int
        public var unverifiable: Int
        public var dead: Int

        public init(minute: Int64, confirmed: Int, unverifiable: Int, dead: Int) {
            self.minute = minute
            self.confirmed = confirmed
            self.unverifiable = unverifiable
            self.dead = dead
        }
    }

    public var name: String
    public var kind: String?
    /// Every state by name, zero included (the contract of DESIGN.md).
    public var counts: [String: Int]
    public var funnel: Funnel
    /// Extra attempts beyond the first, over all contacts.
    public var retries: Int
    /// Dead contacts by reason, most frequent first.
    public var deadReasons: [String: Int]
    /// Submission requests, and those answered 429 (each one paused the destination).
    public var requests: Int
    public var throttled: Int
    /// Reconciliation looks made.
    public var looks: Int
    /// Contacts re-sent after an ambiguous answer where no look was possible (Symplify with retry).
    public var possibleDuplicates: Int
    public var latency: Latency?
    /// Contacts settled per second over the span of the work, and requests per second.
    public var contactsPerSecond: Double
    public var requestsPerSecond: Double
    public var throughput: [Bucket]
    /// Width of one throughput bucket.
    public var bucketMillis: Int64
    /// Remote ids of the last submissions (job ids, batch GUIDs, request ids), newest first, at most 20.
    public var recentRemoteIDs: [String]
    /// Submissions the remote gave an id to (Bulk jobs, batchcontactevents GUIDs, async requestIds).
    public var remoteBatches: Int = 0
    /// File uploads (`PUT`: Symplify files, Bulk CSVs) answered 2xx, and those that were not.
    public var uploads: Int = 0
    public var uploadsFailed: Int = 0
    /// Unverifiable contacts by reason, most frequent first.
    public var unverifiableReasons: [String: Int] = [:]
    /// An operator's pause, if one holds.
    public var pause: DestinationPause?
    /// What a worker last reported: the destination unavailable, or its journey not taking entries.
    public var health: DestinationPause?

    public init(name: String, kind: String?, counts: [String: Int], funnel: Funnel, retries: Int, deadReasons: [String: Int],
                requests: Int, throttled: Int, looks: Int, possibleDuplicates: Int, latency: Latency?, contactsPerSecond: Double,
                requestsPerSecond: Double, throughput: [Bucket], bucketMillis: Int64, recentRemoteIDs: [String]) {
        self.name = name
        self.kind = kind
        self.counts = counts
        self.funnel = funnel
        self.retries = retries
        self.deadReasons = deadReasons
        self.requests = requests
        self.throttled = throttled
        self.looks = looks
        self.possibleDuplicates = possibleDuplicates
        self.latency = latency
        self.contactsPerSecond = contactsPerSecond
        self.requestsPerSecond = requestsPerSecond
        self.throughput = throughput
        self.bucketMillis = bucketMillis
        self.recentRemoteIDs = recentRemoteIDs
    }
}

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

    public init(destination: String, key: String, state: String, attempts: Int, lastError: String?, deadReason: String?,
                eventInstanceID: String?, requestID: String?, enqueuedAt: Int64, updatedAt: Int64, dataJSON: String) {
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

    public init(id: Int64, purpose: String, attemptNumber: Int, method: String, url: String, requestBody: String, startedAt: Int64,
                status: Int?, responseHeaders: String?, responseBody: String?, remoteID: String?, latencyMillis: Int64?, errorClass: String?) {
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
    }
}

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

/// What a redrive moved.
public struct RedriveSummary: Sendable, Equatable, Codable {
    /// Dead contacts back in `queued`.
    public var queued: Int
    /// Dead contacts whose last request may have been taken: `unknown`, to be looked for first.
    public var toLookFor: Int

    public init(queued: Int = 0, toLookFor: Int = 0) {
        self.queued = queued
        self.toLookFor = toLookFor
    }

    public var total: Int { queued + toLookFor }
}

public protocol ReportingStore: Sendable {
    /// Full reports, for one destination or all, counting contacts enqueued (and requests made) since `since` (epoch ms).
    func reports(destination: String?, since: Int64?) throws -> [DestinationReport]
    /// Contacts by destination name and enqueue order, optionally one destination and one state; `body` is called per row, in
    /// pages of short read transactions, so that large exports stream and a slow reader never holds the WAL open.
    func eachContact(destination: String?, state: ContactState?, since: Int64?, _ body: (ContactRow) throws -> Void) throws
    /// A contact's rows (one per destination) and every ledger row of the batches it was in.
    func timeline(contactKey: String) throws -> [(ContactRow, [LedgerEntry])]
    /// Moves dead contacts back to `queued` (attempts reset); only those whose reason contains `reason`, if given.
    /// A contact whose last request may have been taken (ambiguous) becomes `unknown` instead: it is looked for
    /// before anything is sent again. A contact that is live again under the same key is skipped.
    func redrive(destination: String, reason: String?) throws -> RedriveSummary

    /// Dead letters of a destination in id order, those whose reason contains `reason`, after the id `after`
    /// (keyset paging: each page costs the same however deep).
    func deadLetters(destination: String, reason: String?, after: Int64?, limit: Int) throws -> [DeadLetter]

    /// Contacts whose key is `text` (or starts with it, with `prefix`), across destinations, at most `limit`.
    func searchContacts(_ text: String, prefix: Bool, limit: Int) throws -> [ContactRow]

    /// Whether the database takes a write now (a readiness probe).
    func probeWritable() throws
    /// The bytes the store takes on disk: its file and its write-ahead log (nil where that means nothing).
    func storageBytes() -> (database: Int64, wal: Int64)?
}

extension ReportingStore {
    public func storageBytes() -> (database: Int64, wal: Int64)? { nil }
}
