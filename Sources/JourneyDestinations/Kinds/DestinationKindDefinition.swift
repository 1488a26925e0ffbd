import JourneyQueue
import Logging

/// Everything journeyq knows about one kind of destination: its name in a config, its batch limits, what it can
/// prove, and how its connection is read and its destination built. `DestinationKind.registered` lists them.
public protocol DestinationKindDefinition: Sendable {
    /// The name a config's `kind:` gives (`sfmc-async-events`, …).
    var name: String { get }
    /// Contacts per request: the default, and the largest the remote takes.
    var batchSizes: (default: Int, max: Int) { get }
    /// Whether the remote can be asked who entered; contacts of a kind that cannot end `unverifiable` once accepted.
    var verifiable: Bool { get }
    /// Whether the remote can say if the journey takes entries (the daemon's journey watch).
    var watchesJourney: Bool { get }
    /// What the report calls the ids the remote gives for a request (`requestIds`, `jobs`, …).
    var remoteIDsLabel: String { get }
    /// The kind's own settings, in the order the README lists them.
    var settings: [Setting] { get }
    /// Reads the kind's own settings from its section of the config.
    func connection(_ reader: any SettingsReader) throws -> any DestinationConnection
}

/// A kind's connection settings as the config gave them: it builds the destination.
public protocol DestinationConnection: Sendable {
    /// The destination these settings describe, wired to the shared HTTP client, the ledger and the clock.
    func destination(_ context: DestinationContext) -> any Destination
}

/// What every destination is built with, whatever its kind.
public struct DestinationContext: Sendable {
    /// The destination's name in the config.
    public var name: String
    /// Batch size, rate, concurrency, timeout and lease.
    public var limits: DestinationLimits
    /// Retry, settle time, looks and pauses.
    public var policy: OutcomePolicy
    /// The shared HTTP client behind the destination's gate.
    public var caller: HTTPCaller
    /// Where every request is written before it leaves.
    public var ledger: any AttemptLedger
    public var clock: any WallClock
    /// For what a destination learns once and an operator must know (a permission it lacks).
    public var logger: Logger

    public init(
        name: String, limits: DestinationLimits, policy: OutcomePolicy, caller: HTTPCaller, ledger: any AttemptLedger, clock: any WallClock,
        logger: Logger = Logger(label: "journeyq.destination")
    ) {
        self.logger = logger
        self.name = name
        self.limits = limits
        self.policy = policy
        self.caller = caller
        self.ledger = ledger
        self.clock = clock
    }
}

/// Reads one destination's settings from the config, each through its `Setting` (key, default, range, deprecated
/// spelling); the loader implements it and names file, line and key in its errors.
public protocol SettingsReader {
    /// A non-empty string, or nil when the key is absent.
    func optionalString(_ setting: Setting) throws -> String?
    /// A text or choice: its default when absent, an error when absent without one.
    func string(_ setting: Setting) throws -> String
    /// An integer within the setting's range: its default when absent, an error when absent without one.
    func int(_ setting: Setting) throws -> Int
    /// A number within the setting's range; its default when absent.
    func double(_ setting: Setting) throws -> Double
    /// A duration (`30s`, `5m`) within the setting's range, in milliseconds; its default when absent.
    func duration(_ setting: Setting) throws -> Int64
    /// true or false; its default when absent.
    func bool(_ setting: Setting) throws -> Bool
    /// A list of strings; its default when absent.
    func stringList(_ setting: Setting) throws -> [String]
    /// An http(s) URL that journeyq may send to (plain http only for loopback).
    func url(_ setting: Setting) throws -> String
    /// A credential inline, through `KEYEnv` or `KEYFile`; its value never appears in an error.
    func secret(_ setting: Setting) throws -> Secret
    /// The error for a key whose value is not what was expected.
    func invalid(_ setting: Setting, _ expected: String) -> any Error
}
