import JourneyDestinations
import JourneyQueue

/// Builds the destinations a config names.
public enum DestinationFactory {
    /// A kind the config accepts but this build cannot deliver to.
    public struct Unsupported: Error, CustomStringConvertible {
        public var name: String
        public var kind: DestinationKind
        public var description: String { "destination '\(name)': kind \(kind.rawValue) is not supported by this build of journeyq" }
    }

    /// The destination a config describes, wired to the shared HTTP client, the ledger and the clock.
    public static func make(_ config: DestinationConfig, caller: HTTPCaller, ledger: any AttemptLedger, clock: any Clock) throws -> any Destination {
        switch (config.kind, config.connection) {
        case (.sfmcAsyncEvents, .sfmc(let settings)), (.sfmcBatchContactEvents, .sfmc(let settings)), (.sfmcEvents, .sfmc(let settings)):
            guard let entry = SFMCDestination.Entry(rawValue: config.kind.rawValue) else { throw Unsupported(name: config.name, kind: config.kind) }
            return SFMCDestination(name: config.name, entry: entry, settings: settings, limits: config.limits, policy: config.policy,
                                   caller: caller, ledger: ledger, clock: clock)
        case (.symplifyBatchTrigger, .symplify(let baseURL, let customerID, let token, let journeyID)):
            return SymplifyBatchTriggerDestination(name: config.name, baseURL: baseURL, customerID: customerID, token: token, journeyID: journeyID,
                                                   limits: config.limits, policy: config.policy, caller: caller, clock: clock)
        case (.salesforceBulkIngest, .bulk(let loginURL, let clientID, let clientSecret, let object, let operation, let external, let apiVersion)):
            return BulkIngestDestination(name: config.name, loginURL: loginURL, clientID: clientID, clientSecret: clientSecret, object: object,
                                         operation: operation, externalIDFieldName: external, apiVersion: apiVersion, limits: config.limits,
                                         policy: config.policy, pollMillis: config.pollMillis, caller: caller, ledger: ledger, clock: clock)
        default:
            throw Unsupported(name: config.name, kind: config.kind)
        }
    }
}
