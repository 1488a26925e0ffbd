/// One preflight check of a destination against the real remote (`journeyq check`, and the daemon's journey watch).
public struct PreflightCheck: Sendable, Codable, Equatable {
    public enum Result: String, Sendable, Codable {
        case passed, failed
        /// The remote offers no way to know (reported as such, not as a failure).
        case unknown
    }

    public var name: String
    public var result: Result
    public var detail: String
    /// What to do about a failure.
    public var advice: String?

    public init(_ name: String, _ result: Result, _ detail: String, advice: String? = nil) {
        self.name = name
        self.result = result
        self.detail = detail
        self.advice = advice
    }
}

/// Whether a destination's journey takes entries now, as the daemon's journey watch learns it.
public enum JourneyWatch: Sendable, Equatable {
    case takesEntries
    /// Draft, Stopped, Unpublished: hold the destination until it takes entries again.
    case notTakingEntries(reason: String)
    /// The configured journey does not exist, or its trigger uses another event definition key: send nothing.
    case misconfigured(reason: String)
    /// The look failed: nothing changes.
    case unknown(reason: String)
}

extension Destination {
    public func preflight(ledger: any AttemptLedger) async -> [PreflightCheck] { [] }
    public func watchJourney(ledger: any AttemptLedger) async -> JourneyWatch? { nil }
}

/// A ledger that keeps nothing: `journeyq check` talks to the remotes without a queue.
public struct DiscardingLedger: AttemptLedger {
    public init() {}
    public func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) async throws -> Int64 { 0 }
    public func finishAttempt(_ result: AttemptResult) async throws {}
    public func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws {}
    public func release(_ lease: Lease, _ contacts: [ClaimedContact], reason: String) async throws {}
    public func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64
    { 0 }
}
