import HTTPTypes
import JourneyQueue
import Logging

/// What every Marketing Cloud destination shares: one token provider for the pool, the request
/// runner, the outcome builder and the reconciliation looks.
struct SFMCClient: Sendable {
    let settings: SFMCSettings
    let tokens: TokenProvider
    let runner: BatchRequestRunner
    let builder: SubmissionBuilder
    let verifier: SFMCVerifier
    let inspector: SFMCJourneyInspector

    init(
        name: String, settings: SFMCSettings, legacyToken: Bool, asyncStatus: Bool, limits: DestinationLimits, policy: OutcomePolicy,
        caller: HTTPCaller, ledger: any AttemptLedger, clock: any WallClock, logger: Logger
    ) {
        self.settings = settings
        let source = SFMCTokenSource(
            settings: settings, legacy: legacyToken,
            requester: TokenRequester(
                destination: name, caller: caller, ledger: ledger, clock: clock, timeoutMillis: limits.timeoutMillis,
                secret: settings.clientSecret))
        let tokens = TokenProvider(clock: clock) { try await source.fetch() }
        self.tokens = tokens
        runner = BatchRequestRunner(caller: caller, clock: clock, tokens: tokens) { token in
            token.map { [.authorization: "Bearer \($0.value)"] } ?? [:]
        }
        builder = SubmissionBuilder(policy: policy, clock: clock)
        let calls = AuthorizedCaller(destination: name, caller: caller, tokens: tokens, clock: clock, timeoutMillis: limits.timeoutMillis)
        let inspector = SFMCJourneyInspector(settings: settings, calls: calls, legacyToken: legacyToken)
        self.inspector = inspector
        let history = settings.history.flatMap { history in
            settings.journeyKey.map { _ in
                SFMCJourneyHistory(
                    destination: name, settings: settings, history: history, policy: policy, calls: calls, inspector: inspector,
                    clock: clock, logger: logger, requestMillis: limits.timeoutMillis)
            }
        }
        verifier = SFMCVerifier(
            destination: name, settings: settings, policy: policy, calls: calls, clock: clock, asyncStatus: asyncStatus,
            history: history)
    }

    /// Sends one JSON request for a batch (token, write-ahead, one refresh on a 401).
    func post(_ batch: ClaimedBatch, path: String, body: String, ledger: any AttemptLedger, timeoutMillis: Int64) async throws
        -> BatchRequestOutcome
    {
        try await runner.run(
            batch.lease, ledger: ledger, method: .post, url: settings.restURL + path, contentType: "application/json; charset=UTF-8",
            body: Array(body.utf8), recordedBody: body, timeoutMillis: timeoutMillis)
    }

    /// Who of `keys` is already in the journey, before the first request (nil when the destination is set not to look,
    /// or when the journey history answers the same question: an entry row after the request is this entry, member
    /// before or not, so the look would cost calls and prove nothing the history does not).
    func priorMembers(_ keys: [String], batchID: Int64, ledger: any AttemptLedger) async throws -> PriorLook? {
        guard builder.policy.lookBeforeFirstSend else { return nil }
        if let history = verifier.history, await history.isReadable(ledger: ledger) { return nil }
        return try await verifier.priorMembers(keys, batchID: batchID, ledger: ledger)
    }
}
