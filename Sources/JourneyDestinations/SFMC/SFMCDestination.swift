import Foundation
import JourneyQueue
import Logging

/// A Marketing Cloud destination: one of three ways into a journey (`entry`) over one client, whose token, looks
/// (contactMembership, async status), journey watch and preflight the three share.
public struct SFMCDestination: VerifyingDestination {
    /// The endpoint contacts enter by.
    public enum Entry: String, Sendable {
        /// `POST /interaction/v1/async/events`: batch entry, an answer per member (docs/remote-apis.md §3).
        case asyncEvents = "sfmc-async-events"
        /// `POST /interaction-experimental/v1/batchcontactevents`: one GUID a batch, nothing per contact (docs/remote-apis.md §4).
        case batchContactEvents = "sfmc-batchcontactevents"
        /// `POST /interaction/v1/events`: one contact a request (docs/remote-apis.md §2).
        case events = "sfmc-events"
    }

    public let name: String
    public let entry: Entry
    public let limits: DestinationLimits
    public let policy: OutcomePolicy
    let client: SFMCClient
    public var kind: String { entry.rawValue }
    /// With the history, looks gather (`lookGatherSeconds`) before a download.
    public var verificationGatherMillis: Int64 { client.verifier.history?.history.gatherMillis ?? 0 }
    public var verificationBatchSize: Int {
        client.verifier.history == nil ? SFMCVerifier.contactsPerVerification : SFMCVerifier.contactsPerHistoryLook
    }
    /// Shared by the pool: cached, renewed before expiry, one request in flight.
    public var tokens: TokenProvider { client.tokens }

    /// A destination with its own token provider (legacy tokens for `batchcontactevents`) and membership verifier;
    /// `events` claims one contact a request whatever the configured batch size.
    public init(
        name: String, entry: Entry, settings: SFMCSettings, limits: DestinationLimits, policy: OutcomePolicy, caller: HTTPCaller,
        ledger: any AttemptLedger, clock: any WallClock, logger: Logger = Logger(label: "journeyq.destination")
    ) {
        var limits = limits
        if entry == .events { limits.batchSize = 1 }
        self.name = name
        self.entry = entry
        self.limits = limits
        self.policy = policy
        client = SFMCClient(
            name: name, settings: settings, legacyToken: entry == .batchContactEvents, asyncStatus: entry == .asyncEvents,
            limits: limits, policy: policy, caller: caller, ledger: ledger, clock: clock, logger: logger)
    }

    public func submit(_ batch: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission {
        switch entry {
        case .asyncEvents: try await SFMCAsyncEventsEntry.submit(batch, client: client, limits: limits, ledger: ledger)
        case .batchContactEvents:
            try await SFMCBatchContactEventsEntry.submit(batch, client: client, limits: limits, ledger: ledger)
        case .events: try await SFMCEventsEntry.submit(batch, client: client, limits: limits, ledger: ledger)
        }
    }

    public func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification {
        try await client.verifier.verify(batch, ledger: ledger)
    }

    public func priorMembers(_ keys: [String], batchID: Int64, ledger: any AttemptLedger) async throws -> PriorLook? {
        try await client.priorMembers(keys, batchID: batchID, ledger: ledger)
    }

    public func preflight(ledger: any AttemptLedger) async -> [PreflightCheck] {
        var checks = await client.inspector.preflight(tokens: client.tokens, ledger: ledger)
        // Whether the journey history can be read: the evidence that decides where membership cannot.
        if checks.allSatisfy({ ($0.name != "credentials" && $0.name != "legacy token") || $0.result == .passed }) {
            checks.append(
                await client.verifier.history?.preflight(ledger: ledger)
                    ?? PreflightCheck("journey history readable", .unknown, "not used (journeyHistory: false, or no journeyKey)"))
        }
        return checks
    }

    public func watchJourney(ledger: any AttemptLedger) async -> JourneyWatch? {
        await client.inspector.watch(ledger: ledger)
    }
}
