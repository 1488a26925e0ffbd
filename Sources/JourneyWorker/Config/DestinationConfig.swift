import JourneyDestinations
import JourneyQueue
import Logging

/// One destination as the config file describes it, validated.
public struct DestinationConfig: Sendable {
    public var name: String
    public var kind: DestinationKind
    public var limits: DestinationLimits
    public var policy: OutcomePolicy
    /// The kind's own settings (hosts, credentials, journey): `SFMCKind.Connection`, `BulkIngestKind.Connection`, …
    public var connection: any DestinationConnection
    /// When the destination counts as unwell, and how long it pauses then.
    public var circuit: CircuitBreaker = CircuitBreaker()
    /// How long `work --until-drained` waits for a destination that stays unavailable before it gives up.
    public var outageLimitMillis: Int64 = 3_600_000
    /// How often the daemon asks whether the journey takes entries (0: never).
    public var journeyCheckMillis: Int64 = 300_000
    /// API calls a rolling day may hold (`dailyCallBudget`, or `annualCallQuota` / 365); nil: no budget.
    public var callBudgetPerDay: Int?

    /// The destination this config describes, wired to the shared HTTP client, the ledger and the clock.
    public func destination(
        caller: HTTPCaller, ledger: any AttemptLedger, clock: any WallClock,
        logger: Logger = Logger(label: "journeyq.destination")
    ) -> any Destination {
        connection.destination(
            DestinationContext(
                name: name, limits: limits, policy: policy, caller: caller, ledger: ledger, clock: clock,
                logger: logger))
    }

    /// Changes the kind's settings when they are of type `C` (tests and the demo set hosts and timings this way).
    public mutating func updateConnection<C: DestinationConnection>(_ type: C.Type, _ change: (inout C) -> Void) {
        guard var typed = connection as? C else { return }
        change(&typed)
        connection = typed
    }

    /// Whether the daemon watches this destination's journey.
    public var watchesJourney: Bool { kind.definition.watchesJourney && journeyCheckMillis > 0 }
}
