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
        return Connection(entry: entry, settings: SFMCSettings(
            authURL: try reader.url("authURL"), restURL: try reader.url("restURL"), clientID: try reader.string("clientId"),
            clientSecret: try reader.secret("clientSecret"), accountID: try reader.optionalString("accountId"), eventDefinitionKey: edk,
            journeyKey: try reader.optionalString("journeyKey"),
            transientMemberErrorCodes: Set(try reader.stringList("transientMemberErrorCodes", default: ["10000"]))))
    }

    /// A Marketing Cloud destination's settings and the entry its contacts go in by.
    public struct Connection: DestinationConnection {
        public var entry: SFMCDestination.Entry
        public var settings: SFMCSettings

        public func destination(_ context: DestinationContext) -> any Destination {
            SFMCDestination(name: context.name, entry: entry, settings: settings, limits: context.limits, policy: context.policy,
                            caller: context.caller, ledger: context.ledger, clock: context.clock)
        }
    }
}
