import JourneyQueue

/// `salesforce-bulk-ingest`: Bulk API 2.0 ingest jobs, whose results say which rows were taken.
public struct BulkIngestKind: DestinationKindDefinition {
    public static let name = "salesforce-bulk-ingest"
    public var name: String { Self.name }
    public var batchSizes: (default: Int, max: Int) { (10_000, 1_000_000) }
    public var verifiable: Bool { true }
    public var watchesJourney: Bool { false }
    public var remoteIDsLabel: String { "jobs" }

    public var settings: [Setting] {
        [
            Self.loginURL, Self.clientId, Self.clientSecret, Self.object, Self.operation, Self.externalIdFieldName, Self.apiVersion,
            Self.poll,
            Self.jobTimeout,
        ]
    }

    public static let loginURL = Setting("loginURL", .url, "the org's login host")
    public static let clientId = Setting("clientId", .text(default: nil), "the connected app's consumer key", defaultNote: "required")
    public static let clientSecret = Setting("clientSecret", .secret, "the connected app's consumer secret")
    public static let object = Setting("object", .text(default: "Contact"), "the sObject rows are inserted into")
    public static let operation = Setting("operation", .choice(default: "insert", among: ["insert", "upsert"]), "the ingest operation")
    public static let externalIdFieldName = Setting(
        "externalIdFieldName", .text(default: nil), "the external id field that carries the contact key (required for `upsert`)")
    public static let apiVersion = Setting("apiVersion", .text(default: "v61.0"), "the REST API version")
    public static let poll = Setting(
        "poll", .duration(default: 2_000, range: 50...3_600_000), "how often a job's state is asked", legacy: .seconds("pollSeconds"))
    public static let jobTimeout = Setting(
        "jobTimeout", .duration(default: 86_400_000, range: 60_000...604_800_000),
        "how long a job may stay in progress (the remote's pace) before looks at it count against `verifyAttempts`",
        legacy: .seconds("jobTimeoutSeconds"))

    public func connection(_ reader: any SettingsReader) throws -> any DestinationConnection {
        let operation = try reader.string(Self.operation)
        let external = try reader.optionalString(Self.externalIdFieldName)
        if operation == "upsert" && external == nil { throw reader.invalid(Self.externalIdFieldName, "a field name (required for upsert)") }
        return Connection(
            loginURL: try reader.url(Self.loginURL), clientID: try reader.string(Self.clientId),
            clientSecret: try reader.secret(Self.clientSecret), object: try reader.string(Self.object), operation: operation,
            externalIDFieldName: external, apiVersion: try reader.string(Self.apiVersion), pollMillis: try reader.duration(Self.poll),
            jobTimeoutMillis: try reader.duration(Self.jobTimeout))
    }

    /// The org's login, the object and operation, and how often a job is polled.
    public struct Connection: DestinationConnection {
        public var loginURL: String
        public var clientID: String
        public var clientSecret: Secret
        public var object: String
        public var operation: String
        public var externalIDFieldName: String?
        public var apiVersion: String
        /// How often a job is polled, in milliseconds.
        public var pollMillis: Int64
        /// How long a job may stay in progress (the remote's pace, not a failed look) before looks at it count.
        public var jobTimeoutMillis: Int64 = BulkIngestKind.jobTimeout.defaultMillis

        public func destination(_ context: DestinationContext) -> any Destination {
            BulkIngestDestination(
                name: context.name, loginURL: loginURL, clientID: clientID, clientSecret: clientSecret, object: object,
                operation: operation, externalIDFieldName: externalIDFieldName, apiVersion: apiVersion, limits: context.limits,
                policy: context.policy, pollMillis: pollMillis, jobTimeoutMillis: jobTimeoutMillis, caller: context.caller,
                ledger: context.ledger, clock: context.clock)
        }
    }
}
