/// Timings that differ from the written config's defaults (the demo's shorter ones); nil keeps a default.
public struct SandboxTiming: Sendable {
    public var timeoutSeconds: Double?
    public var throttlePauseSeconds: Double?
    public var bulkPollSeconds: Double?
    public var bulkSettleSeconds: Double?

    public init(
        timeoutSeconds: Double? = nil, throttlePauseSeconds: Double? = nil, bulkPollSeconds: Double? = nil, bulkSettleSeconds: Double? = nil
    ) {
        self.timeoutSeconds = timeoutSeconds
        self.throttlePauseSeconds = throttlePauseSeconds
        self.bulkPollSeconds = bulkPollSeconds
        self.bulkSettleSeconds = bulkSettleSeconds
    }
}

/// Writes the journeyq config that points one destination of every kind at a running sandbox.
public enum SandboxConfigWriter {
    /// YAML text for a sandbox at `baseURL` (no trailing slash).
    public static func yaml(baseURL: String, configuration: SimulatorConfiguration, timing: SandboxTiming = SandboxTiming()) -> String {
        func seconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
        func timeout(_ standard: Double) -> String {
            "timeoutSeconds: \(seconds(timing.timeoutSeconds ?? standard))"
                + (timing.throttlePauseSeconds.map { "\n    throttlePauseSeconds: \(seconds($0))" } ?? "")
        }
        let bulkExtra =
            (timing.bulkPollSeconds.map { "\n    pollSeconds: \(seconds($0))" } ?? "")
            + (timing.bulkSettleSeconds.map { "\n    settleSeconds: \(seconds($0))" } ?? "")
        func journey(_ destination: String) -> SimulatedJourney? { configuration.journeys.first { $0.destination == destination } }
        let async = journey("sfmc-async-events"), bce = journey("sfmc-batchcontactevents"), events = journey("sfmc-events")
        let symplify = journey("symplify-batchtrigger"), bulk = journey("salesforce-bulk-ingest")
        return """
            # journeyq config for the sandbox at \(baseURL), written by `journeyq simulate --write-config`.
            # Every destination is named after its kind and works as is against the sandbox.
            destinations:
              sfmc-async-events:
                kind: sfmc-async-events
                authURL: \(baseURL)
                restURL: \(baseURL)
                clientId: \(configuration.clientID)
                clientSecret: \(configuration.clientSecret)
                eventDefinitionKey: \(async?.eventDefinitionKey ?? "APIEvent-async")
                journeyKey: \(async?.key ?? "journey-async")
                batchSize: \(configuration.asyncMemberLimit)
                requestsPerSecond: 200
                concurrency: 4
                \(timeout(5))
                settleSeconds: 2
                # The sandbox shares this machine's clock, so its journey history needs no margin for clocks that differ.
                historyClockMarginSeconds: 1
                historyFreshnessMarginSeconds: 1
              sfmc-batchcontactevents:
                kind: sfmc-batchcontactevents
                authURL: \(baseURL)
                restURL: \(baseURL)
                clientId: \(configuration.legacyClientID)
                clientSecret: \(configuration.legacyClientSecret)
                eventDefinitionKey: \(bce?.eventDefinitionKey ?? "APIEvent-bce")
                journeyKey: \(bce?.key ?? "journey-bce")
                batchSize: \(configuration.batchContactEventsLimit)
                requestsPerSecond: 50
                concurrency: 2
                \(timeout(5))
                settleSeconds: 2
                # The sandbox shares this machine's clock, so its journey history needs no margin for clocks that differ.
                historyClockMarginSeconds: 1
                historyFreshnessMarginSeconds: 1
              sfmc-events:
                kind: sfmc-events
                authURL: \(baseURL)
                restURL: \(baseURL)
                clientId: \(configuration.clientID)
                clientSecret: \(configuration.clientSecret)
                eventDefinitionKey: \(events?.eventDefinitionKey ?? "APIEvent-events")
                journeyKey: \(events?.key ?? "journey-events")
                requestsPerSecond: 200
                concurrency: 8
                \(timeout(5))
                settleSeconds: 2
                # The sandbox shares this machine's clock, so its journey history needs no margin for clocks that differ.
                historyClockMarginSeconds: 1
                historyFreshnessMarginSeconds: 1
              symplify-batchtrigger:
                kind: symplify-batchtrigger
                baseURL: \(baseURL)
                customerId: "\(configuration.symplifyCustomerID)"
                token: \(configuration.symplifyToken)
                journeyId: \(symplify?.key ?? "1001")
                batchSize: 1000
                requestsPerSecond: 5
                concurrency: 1
                \(timeout(5))
                ambiguousOutcome: dead
              salesforce-bulk-ingest:
                kind: salesforce-bulk-ingest
                loginURL: \(baseURL)
                clientId: \(configuration.salesforceClientID)
                clientSecret: \(configuration.salesforceClientSecret)
                object: \(bulk?.key ?? "Contact")
                operation: upsert
                externalIdFieldName: ContactKey__c
                batchSize: 10000
                requestsPerSecond: 10
                concurrency: 1
                \(timeout(10))\(bulkExtra)

            """
    }
}
