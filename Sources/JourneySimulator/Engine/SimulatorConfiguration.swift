/// Everything about the sandbox that the spec leaves unknown, as settings with the spec's suggested defaults.
public struct SimulatorConfiguration: Sendable {
    /// Seeds every random decision (faults, drops, latency, ids): the same seed and the same request order give the same run.
    public var seed: UInt64 = 1
    /// Accepted SFMC client credentials (installed package).
    public var clientID = "sim-client-id"
    public var clientSecret = "sim-client-secret"
    /// Legacy package credentials for `/v1/requestToken`.
    public var legacyClientID = "sim-legacy-client-id"
    public var legacyClientSecret = "sim-legacy-client-secret"
    /// Symplify customer and API token.
    public var symplifyCustomerID = "4711"
    public var symplifyToken = "sim-symplify-token"
    /// Salesforce connected-app credentials for Bulk API 2.0.
    public var salesforceClientID = "sim-sf-client-id"
    public var salesforceClientSecret = "sim-sf-client-secret"

    /// `expires_in` of `/v2/token` (spec: 1079 s seen in captures).
    public var tokenTTLSeconds: Int64 = 1079
    /// `expiresIn` of the legacy token ([INFER] about an hour).
    public var legacyTokenTTLSeconds: Int64 = 3600
    /// Salesforce session lifetime.
    public var salesforceTokenTTLSeconds: Int64 = 7200
    /// HTTP status of a successful `/interaction/v1/async/events` ([UNKNOWN]; default 202).
    public var asyncSuccessStatus = 202
    /// HTTP status of a successful `/interaction/v1/events` (reference page: 201).
    public var eventsSuccessStatus = 201
    /// Members per `/async/events` request.
    public var asyncMemberLimit = 100
    /// Records per batchcontactevents request (practitioner report: 500).
    public var batchContactEventsLimit = 500
    /// Whether batchcontactevents refuses v2 tokens (the blog says it does).
    public var batchContactEventsNeedsLegacyToken = true
    /// Keys per contactMembership request.
    public var membershipKeyLimit = 50
    /// Default `$pageSize` of the async status endpoint.
    public var statusPageSize = 50
    /// Largest Bulk API upload, in bytes (≈100 MB raw).
    public var bulkUploadLimitBytes = 100 * 1024 * 1024
    /// Rows per page of a Bulk result file, paged with `Sforce-Locator` ([UNKNOWN] for ingest results); 0: one page.
    public var bulkResultPageRows = 0
    /// Rows per simulated second of Bulk job processing.
    public var bulkRowsPerSecond = 50_000
    /// Accepted contacts enter after a delay drawn from this range (milliseconds), measured on the simulator's clock.
    /// Until then the async status endpoint lists them as `queued`.
    public var entryDelayMillis: ClosedRange<Int64> = 200...1_000
    /// Contact keys that are members of every Marketing Cloud journey when the sandbox starts (an earlier run, another
    /// producer). Their membership is not an entry: `/_sim/journeys` counts only entries made while the sandbox runs.
    public var priorMembers: Set<String> = []
    /// How long an entered contact stays in its journey before it leaves (milliseconds); nil: it never leaves.
    public var exitAfterMillis: ClosedRange<Int64>?
    /// Whether contactMembership still lists contacts that have left ([UNKNOWN] in the spec, §6.1).
    public var membershipListsExited = false
    /// The journeys behind the endpoints.
    public var journeys: [SimulatedJourney] = SimulatedJourney.defaults
    /// What a Marketing Cloud entry endpoint answers for a journey that takes no entries (Draft, Stopped): nil answers
    /// as usual while nobody enters ([UNKNOWN], docs/remote-apis.md §7: the practitioners' report); a status refuses with the §0
    /// envelope.
    public var notRunningStatus: Int?
    /// Salesforce fields that Bulk ingest refuses (`sf__Error`), to exercise failed results.
    public var bulkRejectedEmailSuffix = "@invalid.example"
    public var faults = FaultProfile.none
    /// Every look endpoint (contactMembership, async status, journey history and its freshness, Bulk job state and results)
    /// answers 500 over this span, in milliseconds after the sandbox started (`--look-outage SECONDS[@AFTER]`).
    public var lookOutageMillis: ClosedRange<Int64>?
    /// How late the journey history has a row (milliseconds, drawn per row); the freshness endpoint reports the most.
    public var historyLagMillis: ClosedRange<Int64> = 0...0
    /// The journey history download answers 403 (the package lacks the scope).
    public var historyForbidden = false
    /// The download leaves out `EpochTimeInMilliseconds` even when asked, so that only `TransactionTime` (Central time
    /// without an offset) tells when a row happened.
    public var historyOmitsEpoch = false
    /// The async status listing leaves out its `count` (the spec shows one, but no source says it is always there).
    public var statusOmitsCount = false

    public init() {}
}

/// How a journey lets a contact in again (SFMC's `entryMode`).
public enum EntryMode: String, Sendable, Codable {
    /// No re-entry: a contact enters once, ever.
    case onceAndDone = "OnceAndDone"
    /// Re-entry at any time: every accepted event is another entry.
    case multipleEntries = "MultipleEntries"
    /// Re-entry only after exiting: at most one instance at a time (contacts here never exit).
    case singleEntryAcrossAllVersions = "SingleEntryAcrossAllVersions"
}

/// A journey's operating state: only running journeys take new contacts.
public enum JourneyState: String, Sendable, Codable {
    case running = "Running"
    case draft = "Draft"
    case stopped = "Stopped"
    /// An older version after a republish: keeps its contacts, takes no new ones.
    case unpublished = "Unpublished"

    /// The `status` the interactions API reports (docs/remote-apis.md §6.4): a running journey is `Published`.
    public var apiStatus: String { self == .running ? "Published" : rawValue }

    /// From an API status or a state's own name.
    public init?(apiStatus: String) {
        switch apiStatus {
        case "Published", "Running": self = .running
        case "Draft": self = .draft
        case "Stopped": self = .stopped
        case "Unpublished": self = .unpublished
        default: return nil
        }
    }
}

/// One journey of the sandbox, reached through one destination kind.
public struct SimulatedJourney: Sendable {
    /// The destination kind whose endpoint feeds this journey (`sfmc-async-events`, …): the truth is grouped by it.
    public var destination: String
    /// Journey key (`definitionKey` in contactMembership), Symplify journey id, or Bulk object name.
    public var key: String
    /// Event definition key bound to the journey (SFMC only).
    public var eventDefinitionKey: String?
    public var state: JourneyState
    public var entryMode: EntryMode
    /// Entry data extension fields; nil accepts any data.
    public var fields: Set<String>?

    public init(
        destination: String, key: String, eventDefinitionKey: String?, state: JourneyState = .running,
        entryMode: EntryMode = .multipleEntries, fields: Set<String>? = nil
    ) {
        self.destination = destination
        self.key = key
        self.eventDefinitionKey = eventDefinitionKey
        self.state = state
        self.entryMode = entryMode
        self.fields = fields
    }

    /// One journey per destination kind, re-entry any time, so that a duplicate send shows up as a second entry.
    public static let defaults: [SimulatedJourney] = [
        SimulatedJourney(destination: "sfmc-async-events", key: "journey-async", eventDefinitionKey: "APIEvent-async"),
        SimulatedJourney(destination: "sfmc-batchcontactevents", key: "journey-bce", eventDefinitionKey: "APIEvent-bce"),
        SimulatedJourney(destination: "sfmc-events", key: "journey-events", eventDefinitionKey: "APIEvent-events"),
        SimulatedJourney(destination: "symplify-batchtrigger", key: "1001", eventDefinitionKey: nil),
        SimulatedJourney(destination: "salesforce-bulk-ingest", key: "Contact", eventDefinitionKey: nil),
    ]
}

/// Fault rates, each a probability per request (or per accepted contact for silent drops).
public struct FaultProfile: Sendable, Equatable {
    /// 429 with errorcode 50100 and `Retry-After`.
    public var throttleWithRetryAfter = 0.0
    /// 429 with errorcode 50200 and no `Retry-After`.
    public var throttleBlocked = 0.0
    /// 500 before the request is processed (nothing taken).
    public var serverError = 0.0
    /// 500 after the request was processed (contacts taken).
    public var serverErrorAfterTaken = 0.0
    /// The request is processed, then the answer is held past the client's timeout.
    public var timeoutAfterTaken = 0.0
    /// The request is held past the client's timeout without being processed (a dropped connection).
    public var dropBeforeTaken = 0.0
    /// The request is taken `lateSeconds` after it came, when its client has given up on it (see `FaultDecision.takenLate`).
    public var takenLate = 0.0
    /// How long after it came a `taken_late` request is taken: longer than the client's timeout, so that it arrives
    /// after the deadline, as a retransmission does once a cut link comes back.
    public var lateSeconds: Double = 7
    /// A valid token is revoked before its expiry (the next call gets 401).
    public var tokenRevocation = 0.0
    /// An accepted contact silently never enters.
    public var silentDrop = 0.0
    /// Per-member transient error (`errorcode` from `transientMemberErrorCode`) in async batches.
    public var memberTransientError = 0.0
    /// Share of reconciliation looks (contactMembership, async status) answered 500.
    public var lookFault = 0.0
    /// Share of journey-history downloads answered 500 or cut off halfway through the file.
    public var historyFault = 0.0
    /// 429 whose `Retry-After` or body `retryAfter` is absurd (`1e16`, `nan`, negative, a date in year 9999, text).
    public var absurdThrottle = 0.0
    /// 307 to another origin (from entry endpoints, uploads, and the token endpoints): a client that follows it
    /// carries its token or secret there.
    public var redirect = 0.0
    /// Token endpoints answer lifetimes that are huge, negative, zero or not numbers.
    public var absurdTokenLifetime = false
    /// Latency added to every answer, uniform in this range (milliseconds).
    public var latencyMillis: ClosedRange<Int> = 0...0
    /// How long a held answer is held (seconds): longer than any sane client timeout.
    public var holdSeconds: Double = 30
    /// Holds the first entry and look requests until this many requests are in flight at once (or `holdSeconds`
    /// passed), then answers everything as usual: shows whether a client really opens as many requests as it
    /// allows itself, however slowly its machine gets them out.
    public var gatherInFlight: Int?
    /// `Retry-After` seconds of a 50100 throttle.
    public var retryAfterSeconds = 1
    /// Member errorcode of a transient member error ([UNKNOWN]; 10000 is the only code the docs show).
    public var transientMemberErrorCode = "10000"
    /// Faults the first requests to an endpoint meet, in order, before any is drawn (keyed as the sandbox's request
    /// counts name endpoints, e.g. `POST /interaction/v1/async/events`): a test that needs a fault to hit a request of
    /// one kind gets it whatever order a loaded machine sends the others in.
    public var scripted: [String: [FaultDecision]] = [:]

    public init() {}

    /// No faults at all.
    public static let none = FaultProfile()

    /// `--faults hostile`: the realistic mix, plus absurd numbers, redirects and token lifetimes no API should send, and
    /// requests taken after their client gave up (as after a partition).
    public static var hostile: FaultProfile {
        var profile = realistic
        profile.absurdThrottle = 0.02
        profile.redirect = 0.01
        profile.takenLate = 0.005
        profile.absurdTokenLifetime = true
        return profile
    }

    /// The documented mix of `--faults realistic`: every fault at a low rate, 5–40 ms latency.
    public static var realistic: FaultProfile {
        var profile = FaultProfile()
        profile.throttleWithRetryAfter = 0.03
        profile.throttleBlocked = 0.01
        profile.serverError = 0.01
        profile.serverErrorAfterTaken = 0.01
        profile.timeoutAfterTaken = 0.01
        profile.dropBeforeTaken = 0.005
        profile.tokenRevocation = 0.005
        profile.silentDrop = 0.02
        profile.memberTransientError = 0.01
        profile.historyFault = 0.02
        profile.latencyMillis = 5...40
        profile.holdSeconds = 12
        return profile
    }
}
