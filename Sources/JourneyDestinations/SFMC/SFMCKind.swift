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

    public var settings: [Setting] { Self.all }

    public func connection(_ reader: any SettingsReader) throws -> any DestinationConnection {
        let edk = try reader.string(Self.eventDefinitionKey)
        if edk.contains(".") { throw reader.invalid(Self.eventDefinitionKey, "a key without a period (Marketing Cloud refuses periods)") }
        return Connection(
            entry: entry,
            settings: SFMCSettings(
                authURL: try reader.url(Self.authURL), restURL: try reader.url(Self.restURL), clientID: try reader.string(Self.clientId),
                clientSecret: try reader.secret(Self.clientSecret), accountID: try reader.optionalString(Self.accountId),
                eventDefinitionKey: edk, journeyKey: try reader.optionalString(Self.journeyKey),
                transientMemberErrorCodes: Set(try reader.stringList(Self.transientMemberErrorCodes)),
                history: try Self.history(reader)))
    }

    /// The journey-history settings (docs/remote-apis.md §6.2); nil with `journeyHistory: false`.
    static func history(_ reader: any SettingsReader) throws -> SFMCHistorySettings? {
        guard try reader.bool(Self.journeyHistory) else { return nil }
        var history = SFMCHistorySettings()
        history.enteredStatuses = Set(try reader.stringList(Self.historyEnteredStatuses))
        history.refusedStatuses = Set(try reader.stringList(Self.historyRefusedStatuses))
        history.entryActivityTypes = Set(try reader.stringList(Self.historyEntryActivityTypes).map { $0.lowercased() })
        if !history.enteredStatuses.isDisjoint(with: history.refusedStatuses) {
            throw reader.invalid(Self.historyRefusedStatuses, "statuses that are not also in historyEnteredStatuses")
        }
        history.clockMarginMillis = try reader.duration(Self.historyClockMargin)
        history.freshnessMarginMillis = try reader.duration(Self.historyFreshnessMargin)
        history.gatherMillis = try reader.duration(Self.lookGather)
        let zone = try reader.string(Self.historyTimeZone)
        if zone != "auto" {
            guard let minutes = SFMCHistoryTime.offsetMinutes(zone) else {
                throw reader.invalid(Self.historyTimeZone, "auto, UTC or an offset such as -06:00")
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
