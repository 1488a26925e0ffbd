import JourneyDestinations
import JourneyQueue

/// One destination as the config file describes it, validated.
public struct DestinationConfig: Sendable {
    /// Kind-specific connection settings.
    public enum Connection: Sendable {
        case sfmc(SFMCSettings)
        case symplify(baseURL: String, customerID: String, token: Secret, journeyID: Int)
        case bulk(loginURL: String, clientID: String, clientSecret: Secret, object: String, operation: String,
                  externalIDFieldName: String?, apiVersion: String)
    }

    public var name: String
    public var kind: DestinationKind
    public var limits: DestinationLimits
    public var policy: OutcomePolicy
    public var connection: Connection
    /// How often a bulk job is polled, in milliseconds.
    public var pollMillis: Int64
    /// When the destination counts as unwell, and how long it pauses then.
    public var circuit: CircuitBreaker = CircuitBreaker()
    /// How long `work --until-drained` waits for a destination that stays unavailable before it gives up.
    public var outageLimitMillis: Int64 = 3_600_000
    /// How often the daemon asks whether the journey takes entries (0: never).
    public var journeyCheckMillis: Int64 = 300_000
}

/// The five kinds of DESIGN.md, with their batch limits.
public enum DestinationKind: String, Sendable, CaseIterable {
    case sfmcAsyncEvents = "sfmc-async-events"
    case sfmcBatchContactEvents = "sfmc-batchcontactevents"
    case sfmcEvents = "sfmc-events"
    case symplifyBatchTrigger = "symplify-batchtrigger"
    case salesforceBulkIngest = "salesforce-bulk-ingest"

    /// (default, largest allowed) contacts per request.
    var batchSizes: (default: Int, max: Int) {
        switch self {
        case .sfmcAsyncEvents: (100, 100)
        case .sfmcBatchContactEvents: (500, 10_000)
        case .sfmcEvents: (1, 1)
        case .symplifyBatchTrigger: (1_000, 1_000_000)
        case .salesforceBulkIngest: (10_000, 1_000_000)
        }
    }

    public var isSFMC: Bool { self == .sfmcAsyncEvents || self == .sfmcBatchContactEvents || self == .sfmcEvents }
}
