import JourneyQueue

/// `symplify-batchtrigger`: Symplify's batch trigger, which offers no way to look who entered.
public struct SymplifyBatchTriggerKind: DestinationKindDefinition {
    public static let name = "symplify-batchtrigger"
    public var name: String { Self.name }
    public var batchSizes: (default: Int, max: Int) { (1_000, 1_000_000) }
    public var verifiable: Bool { false }
    public var watchesJourney: Bool { false }
    public var remoteIDsLabel: String { "remote ids" }

    public func connection(_ reader: any SettingsReader) throws -> any DestinationConnection {
        Connection(
            baseURL: try reader.url("baseURL"), customerID: try reader.string("customerId"), token: try reader.secret("token"),
            journeyID: try reader.int("journeyId", default: nil, in: 1...Int.max))
    }

    /// The Symplify account, its token and the journey contacts start.
    public struct Connection: DestinationConnection {
        public var baseURL: String
        public var customerID: String
        public var token: Secret
        public var journeyID: Int

        public func destination(_ context: DestinationContext) -> any Destination {
            SymplifyBatchTriggerDestination(
                name: context.name, baseURL: baseURL, customerID: customerID, token: token, journeyID: journeyID,
                limits: context.limits, policy: context.policy, caller: context.caller, clock: context.clock)
        }
    }
}
