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

/// Reads one destination's settings from the config; the loader implements it and names file, line and key in its errors.
public protocol SettingsReader {
    /// A non-empty string, or nil when the key is absent.
    func optionalString(_ key: String) throws -> String?
    /// A non-empty string; `fallback` when absent, an error when absent without one.
    func string(_ key: String, default fallback: String?) throws -> String
    /// An integer within `range`; `fallback` when absent, an error when absent without one.
    func int(_ key: String, default fallback: Int?, in range: ClosedRange<Int>) throws -> Int
    /// A number within `range`; `fallback` when absent.
    func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws -> Double
    /// true or false; `fallback` when absent.
    func bool(_ key: String, default fallback: Bool) throws -> Bool
    /// A list of strings; `fallback` when absent.
    func stringList(_ key: String, default fallback: [String]) throws -> [String]
    /// An http(s) URL that journeyq may send to (plain http only for loopback).
    func url(_ key: String) throws -> String
    /// A credential inline or through `KEYEnv`; its value never appears in an error.
    func secret(_ key: String) throws -> Secret
    /// The error for a key whose value is not what was expected.
    func invalid(_ key: String, _ expected: String) -> any Error
}

extension SettingsReader {
    /// A required string.
    public func string(_ key: String) throws -> String { try string(key, default: nil) }
}
