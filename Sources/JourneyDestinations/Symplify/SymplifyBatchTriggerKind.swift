import JourneyQueue

/// `symplify-batchtrigger`: Symplify's batch trigger, which offers no way to look who entered.
public struct SymplifyBatchTriggerKind: DestinationKindDefinition {
    public static let name = "symplify-batchtrigger"
    public var name: String { Self.name }
    public var batchSizes: (default: Int, max: Int) { (1_000, 1_000_000) }
    public var verifiable: Bool { false }
    public var watchesJourney: Bool { false }
    public var remoteIDsLabel: String { "remote ids" }

    public var settings: [Setting] { [Self.baseURL, Self.customerId, Self.token, Self.journeyId] }

    public static let baseURL = Setting("baseURL", .url, "the REST host")
    public static let customerId = Setting("customerId", .text(default: nil), "the Symplify account", defaultNote: "required")
    public static let token = Setting("token", .secret, "the account's API token")
    public static let journeyId = Setting(
        "journeyId", .integer(default: nil, range: 1...Int.max), "the journey contacts start", defaultNote: "required")

    public func connection(_ reader: any SettingsReader) throws -> any DestinationConnection {
        Connection(
            baseURL: try reader.url(Self.baseURL), customerID: try reader.string(Self.customerId), token: try reader.secret(Self.token),
            journeyID: try reader.int(Self.journeyId))
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
