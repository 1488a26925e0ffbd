import JourneyQueue

/// `salesforce-bulk-ingest`: Bulk API 2.0 ingest jobs, whose results say which rows were taken.
public struct BulkIngestKind: DestinationKindDefinition {
    public static let name = "salesforce-bulk-ingest"
    public var name: String { Self.name }
    public var batchSizes: (default: Int, max: Int) { (10_000, 1_000_000) }
    public var verifiable: Bool { true }
    public var watchesJourney: Bool { false }
    public var remoteIDsLabel: String { "jobs" }

    public func connection(_ reader: any SettingsReader) throws -> any DestinationConnection {
        let operation = try reader.string("operation", default: "insert")
        guard ["insert", "upsert"].contains(operation) else { throw reader.invalid("operation", "insert or upsert") }
        let external = try reader.optionalString("externalIdFieldName")
        if operation == "upsert" && external == nil { throw reader.invalid("externalIdFieldName", "a field name (required for upsert)") }
        return Connection(
            loginURL: try reader.url("loginURL"), clientID: try reader.string("clientId"), clientSecret: try reader.secret("clientSecret"),
            object: try reader.string("object", default: "Contact"), operation: operation, externalIDFieldName: external,
            apiVersion: try reader.string("apiVersion", default: "v61.0"),
            pollMillis: Int64(try reader.double("pollSeconds", default: 2, in: 0.05...3_600) * 1000),
            jobTimeoutMillis: Int64(try reader.double("jobTimeoutSeconds", default: 86_400, in: 60...604_800) * 1000))
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
        public var jobTimeoutMillis: Int64 = 86_400_000

        public func destination(_ context: DestinationContext) -> any Destination {
            BulkIngestDestination(
                name: context.name, loginURL: loginURL, clientID: clientID, clientSecret: clientSecret, object: object,
                operation: operation, externalIDFieldName: externalIDFieldName, apiVersion: apiVersion, limits: context.limits,
                policy: context.policy, pollMillis: pollMillis, jobTimeoutMillis: jobTimeoutMillis, caller: context.caller,
                ledger: context.ledger, clock: context.clock)
        }
    }
}
