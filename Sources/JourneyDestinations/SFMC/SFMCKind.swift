import JourneyQueue

/// Marketing Cloud's three entries as destination kinds: one connection's settings, an entry each.
public struct SFMCKind: DestinationKindDefinition {
    public let entry: SFMCDestination.Entry

    public var name: String { entry.rawValue }
    public var batchSizes: (default: Int, max: Int) {
        switch entry {
        case .asyncEvents: (100, 100)
        case .batchContactEvents: (500, 10_000)
        case .events: (1, 1)
        }
    }
    public var verifiable: Bool { true }
    public var watchesJourney: Bool { true }
    public var remoteIDsLabel: String {
        switch entry {
        case .asyncEvents: "requestIds"
        case .batchContactEvents: "batch GUIDs"
        case .events: "events"
        }
    }

    public func connection(_ reader: any SettingsReader) throws -> any DestinationConnection {
        let edk = try reader.string("eventDefinitionKey")
        if edk.contains(".") { throw reader.invalid("eventDefinitionKey", "a key without a period (Marketing Cloud refuses periods)") }
        return Connection(
            entry: entry,
            settings: SFMCSettings(
                authURL: try reader.url("authURL"), restURL: try reader.url("restURL"), clientID: try reader.string("clientId"),
                clientSecret: try reader.secret("clientSecret"), accountID: try reader.optionalString("accountId"), eventDefinitionKey: edk,
                journeyKey: try reader.optionalString("journeyKey"),
                transientMemberErrorCodes: Set(try reader.stringList("transientMemberErrorCodes", default: ["10000"])),
                history: try Self.history(reader)))
    }

    /// The journey-history settings (docs/remote-apis.md §6.2); nil with `journeyHistory: false`.
    static func history(_ reader: any SettingsReader) throws -> SFMCHistorySettings? {
        guard try reader.bool("journeyHistory", default: true) else { return nil }
        var history = SFMCHistorySettings()
        history.enteredStatuses = Set(try reader.stringList("historyEnteredStatuses", default: history.enteredStatuses.sorted()))
        history.refusedStatuses = Set(try reader.stringList("historyRefusedStatuses", default: history.refusedStatuses.sorted()))
        history.entryActivityTypes = Set(
            try reader.stringList("historyEntryActivityTypes", default: history.entryActivityTypes.sorted()).map { $0.lowercased() })
        if !history.enteredStatuses.isDisjoint(with: history.refusedStatuses) {
            throw reader.invalid("historyRefusedStatuses", "statuses that are not also in historyEnteredStatuses")
        }
        history.clockMarginMillis = Int64(try reader.double("historyClockMarginSeconds", default: 60, in: 0...3_600) * 1000)
        history.freshnessMarginMillis = Int64(try reader.double("historyFreshnessMarginSeconds", default: 60, in: 0...86_400) * 1000)
        history.gatherMillis = Int64(try reader.double("lookGatherSeconds", default: 10, in: 0...600) * 1000)
        let zone = try reader.string("historyTimeZone", default: "auto")
        if zone != "auto" {
            guard let minutes = SFMCHistoryTime.offsetMinutes(zone) else {
                throw reader.invalid("historyTimeZone", "auto, UTC or an offset such as -06:00")
            }
            history.timeZoneMinutes = minutes
        }
        return history
    }

    /// A Marketing Cloud destination's settings and the entry its contacts go in by.
    public struct Connection: DestinationConnection {
        public var entry: SFMCDestination.Entry
        public var settings: SFMCSettings

        public func destination(_ context: DestinationContext) -> any Destination {
            SFMCDestination(
                name: context.name, entry: entry, settings: settings, limits: context.limits, policy: context.policy,
                caller: context.caller, ledger: context.ledger, clock: context.clock, logger: context.logger)
        }
    }
}
