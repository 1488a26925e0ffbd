/// Per-destination limits that keep journeyq a polite client (promise 5).
public struct DestinationLimits: Sendable, Equatable {
    /// Contacts per request (or per file or job).
    public var batchSize: Int
    /// Requests started per second, across the destination's pool.
    public var requestsPerSecond: Double
    /// Requests in flight at once.
    public var concurrency: Int
    /// Time allowed for one request's answer, in milliseconds.
    public var timeoutMillis: Int64
    /// Lease on a claimed batch; renewed while its request is in flight.
    public var leaseMillis: Int64
    /// When contacts may enter (nil: at any time). Looks and reconciliation ignore it: they enter nobody.
    public var sendWindow: SendWindow?

    public init(
        batchSize: Int, requestsPerSecond: Double, concurrency: Int, timeoutMillis: Int64, leaseMillis: Int64,
        sendWindow: SendWindow? = nil
    ) {
        self.sendWindow = sendWindow
        self.batchSize = batchSize
        self.requestsPerSecond = requestsPerSecond
        self.concurrency = concurrency
        self.timeoutMillis = timeoutMillis
        self.leaseMillis = leaseMillis
    }
}

/// What one submission came to: an outcome per contact, the final ledger answer, and whether to pause.
public struct Submission: Sendable {
    public var settlements: [Settlement]
    /// The last request's answer (earlier ones are already in the ledger).
    public var result: AttemptResult?
    /// The destination is throttled until this time (epoch ms): no request before it.
    public var pauseUntil: Int64?

    public init(settlements: [Settlement], result: AttemptResult?, pauseUntil: Int64? = nil) {
        self.settlements = settlements
        self.result = result
        self.pauseUntil = pauseUntil
    }
}

/// One remote system that contacts are delivered to. Implementations write every request to the ledger
/// before it leaves (`AttemptLedger.beginAttempt`) and never throw for a remote's answer: they classify it.
public protocol Destination: Sendable {
    /// The configured name.
    var name: String { get }
    /// The kind (`sfmc-async-events`, …).
    var kind: String { get }
    var limits: DestinationLimits { get }
    var policy: OutcomePolicy { get }

    /// Sends one claimed batch and classifies the answer. Throws only for store faults (a lost lease).
    func submit(_ batch: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission

    /// Checks this destination against its remote (`journeyq check`); nothing where the remote offers nothing to check.
    func preflight(ledger: any AttemptLedger) async -> [PreflightCheck]

    /// Whether its journey takes entries now (the daemon's journey watch); nil where the remote cannot say.
    func watchJourney(ledger: any AttemptLedger) async -> JourneyWatch?
}

/// What one reconciliation look came to.
public struct Verification: Sendable {
    public var settlements: [Settlement]
    /// The destination answered 429: no request before this time.
    public var pauseUntil: Int64?

    public init(settlements: [Settlement], pauseUntil: Int64? = nil) {
        self.settlements = settlements
        self.pauseUntil = pauseUntil
    }
}

/// A destination that can be asked who really entered. Looks go to the ledger like submissions.
public protocol VerifyingDestination: Destination {
    /// Contacts leased for one reconciliation look (Marketing Cloud: 100, asked about in contactMembership calls of 50 keys).
    var verificationBatchSize: Int { get }

    /// After a look that leased fewer than `verificationBatchSize`, how long to let more contacts come due before the
    /// next, so that one call serves many (a remote that answers for thousands a call is worth waiting a moment for).
    var verificationGatherMillis: Int64 { get }

    /// Looks for the contacts at the remote and decides each one: confirmed, queued again, dead, unverifiable or recheck.
    func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification

    /// Which of `keys` are in the journey before any request of this run carried them (an earlier run, another
    /// producer), so that their membership is not taken for this entry. nil where membership proves nothing anyway.
    func priorMembers(_ keys: [String], batchID: Int64, ledger: any AttemptLedger) async throws -> PriorLook?
}

extension VerifyingDestination {
    public var verificationGatherMillis: Int64 { 0 }

    public func priorMembers(_ keys: [String], batchID: Int64, ledger: any AttemptLedger) async throws -> PriorLook? { nil }
}

/// What a look before the first request found.
public enum PriorLook: Sendable, Equatable {
    /// The keys that are members now; every other key asked about is not.
    case members(Set<String>)
    /// The look proved nothing; `throttledUntil` when the remote asked for a pause. A look that failed because the
    /// destination was down or throttled (`countsAsLook` false) uses up nothing of the contacts' `verifyAttempts`.
    case failed(reason: String, throttledUntil: Int64?, countsAsLook: Bool)
}
