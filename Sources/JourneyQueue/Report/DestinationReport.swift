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
    /// Every state by name, zero included (the contract of docs/ARCHITECTURE.md).
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
    /// What a worker last reported of the look endpoints: failing, so looks wait (their circuit is open) and cost
    /// nobody a look.
    public var lookOutage: DestinationPause?
    /// Contacts queued until the send window opens for them, and when it first does (epoch ms).
    public var waitingForWindow: Int = 0
    public var nextWindowOpening: Int64?
    /// Re-sends made because the journey history proved that the contact's request entered nobody.
    public var provenAbsent: Int = 0
    /// Requests made, by what they were for (`CallPurpose`), and per 100 contacts enqueued (with `"all"`).
    public var calls: [String: Int] = [:]
    public var callsPer100Contacts: [String: Double]?

    /// Sets `calls` and `callsPer100Contacts` from the ledger's counts (`funnel.enqueued` contacts).
    public mutating func setCalls(_ counted: [CallPurpose: Int]) {
        calls = Dictionary(uniqueKeysWithValues: counted.map { ($0.key.rawValue, $0.value) })
        callsPer100Contacts = CallRates.per100(counted, contacts: funnel.enqueued)
    }

    public init(
        name: String, kind: String?, counts: [String: Int], funnel: Funnel, retries: Int, deadReasons: [String: Int],
        requests: Int, throttled: Int, looks: Int, possibleDuplicates: Int, latency: Latency?, contactsPerSecond: Double,
        requestsPerSecond: Double, throughput: [Bucket], bucketMillis: Int64, recentRemoteIDs: [String]
    ) {
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
