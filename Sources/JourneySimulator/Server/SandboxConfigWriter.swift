import Foundation

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

/// The journeyq config that points one destination of every kind at a running sandbox, as values: written as YAML
/// (with comments) or as JSON (which scripts load, change as data and write back; JSON is YAML too).
public struct SandboxConfig: Sendable {
    /// A scalar of the config: text (quoted in YAML when it would read as a number or a flag) or a number.
    public enum Scalar: Sendable, Equatable {
        case text(String)
        case number(String)
    }

    /// One destination: its name and its keys in order.
    public struct Entry: Sendable {
        public var name: String
        public var settings: [(key: String, value: Scalar)]
        /// A comment above the keys it explains (YAML only).
        public var note: String?
    }

    public var baseURL: String
    public var destinations: [Entry]

    /// The config for a sandbox at `baseURL` (no trailing slash).
    public init(baseURL: String, configuration: SimulatorConfiguration, timing: SandboxTiming = SandboxTiming()) {
        self.baseURL = baseURL
        // Durations carry their unit; whole milliseconds are exact for every timing the demo and the tests ask for.
        func duration(_ value: Double) -> Scalar {
            let millis = Int64((value * 1_000).rounded())
            return .text(millis % 1_000 == 0 ? "\(millis / 1_000)s" : "\(millis)ms")
        }
        // On this machine nothing arrives late but what the sandbox takes late on purpose (`taken_late`, counted from
        // when the request came, whatever the client's timeout): the late arrival covers that, not the minutes a real
        // network's retransmissions may take.
        let faults = configuration.faults
        let takesLate = faults.takenLate > 0 || faults.scripted.values.contains { $0.contains(.takenLate) }
        let lateArrival = takesLate ? (faults.lateSeconds + Double(faults.latencyMillis.upperBound) / 1_000 + 1).rounded(.up) : 1
        func timeouts(_ standard: Double) -> [(String, Scalar)] {
            [("timeout", duration(timing.timeoutSeconds ?? standard)), ("lateArrival", duration(lateArrival))]
                + (timing.throttlePauseSeconds.map { [("throttlePause", duration($0))] } ?? [])
        }
        func journey(_ destination: String) -> SimulatedJourney? { configuration.journeys.first { $0.destination == destination } }
        let history: [(String, Scalar)] = [("historyClockMargin", .text("1s")), ("historyFreshnessMargin", .text("1s"))]
        let historyNote = "The sandbox shares this machine's clock, so its journey history needs no margin for clocks that differ."
        func sfmc(_ kind: String, legacy: Bool, batchSize: Int?, rate: Int, concurrency: Int, edk: String, key: String) -> Entry {
            let journey = journey(kind)
            var settings: [(String, Scalar)] = [
                ("kind", .text(kind)), ("authURL", .text(baseURL)), ("restURL", .text(baseURL)),
                ("clientId", .text(legacy ? configuration.legacyClientID : configuration.clientID)),
                ("clientSecret", .text(legacy ? configuration.legacyClientSecret : configuration.clientSecret)),
                ("eventDefinitionKey", .text(journey?.eventDefinitionKey ?? edk)), ("journeyKey", .text(journey?.key ?? key)),
            ]
            if let batchSize { settings.append(("batchSize", .number("\(batchSize)"))) }
            settings += [("requestsPerSecond", .number("\(rate)")), ("concurrency", .number("\(concurrency)"))]
            settings += timeouts(5) + [("settle", .text("2s"))] + history
            return Entry(name: kind, settings: settings, note: historyNote)
        }
        var bulk: [(String, Scalar)] = [
            ("kind", .text("salesforce-bulk-ingest")), ("loginURL", .text(baseURL)), ("clientId", .text(configuration.salesforceClientID)),
            ("clientSecret", .text(configuration.salesforceClientSecret)),
            ("object", .text(journey("salesforce-bulk-ingest")?.key ?? "Contact")),
            ("operation", .text("upsert")), ("externalIdFieldName", .text("ContactKey__c")), ("batchSize", .number("10000")),
            ("requestsPerSecond", .number("10")), ("concurrency", .number("1")),
        ]
        bulk += timeouts(10)
        if let poll = timing.bulkPollSeconds { bulk.append(("poll", duration(poll))) }
        if let settle = timing.bulkSettleSeconds { bulk.append(("settle", duration(settle))) }
        destinations = [
            sfmc(
                "sfmc-async-events", legacy: false, batchSize: configuration.asyncMemberLimit, rate: 200, concurrency: 4,
                edk: "APIEvent-async", key: "journey-async"),
            sfmc(
                "sfmc-batchcontactevents", legacy: true, batchSize: configuration.batchContactEventsLimit, rate: 50, concurrency: 2,
                edk: "APIEvent-bce",
                key: "journey-bce"),
            sfmc("sfmc-events", legacy: false, batchSize: nil, rate: 200, concurrency: 8, edk: "APIEvent-events", key: "journey-events"),
            Entry(
                name: "symplify-batchtrigger",
                settings: [
                    ("kind", .text("symplify-batchtrigger")), ("baseURL", .text(baseURL)),
                    ("customerId", .text(configuration.symplifyCustomerID)),
                    ("token", .text(configuration.symplifyToken)), ("journeyId", .number(journey("symplify-batchtrigger")?.key ?? "1001")),
                    ("batchSize", .number("1000")), ("requestsPerSecond", .number("5")), ("concurrency", .number("1")),
                ] + timeouts(5) + [("ambiguousOutcome", .text("dead"))]),
            Entry(name: "salesforce-bulk-ingest", settings: bulk),
        ]
    }

    /// YAML, with a comment saying where it came from.
    public var yaml: String {
        var lines = [
            "# journeyq config for the sandbox at \(baseURL), written by `journeyq simulate --write-config`.",
            "# Every destination is named after its kind and works as is against the sandbox.",
            "# lateArrival is the sandbox's, on this machine: against a real remote leave it out (the default is 2m).",
            "destinations:",
        ]
        for entry in destinations {
            lines.append("  \(entry.name):")
            if let note = entry.note { lines.append("    # \(note)") }
            for (key, value) in entry.settings { lines.append("    \(key): \(Self.yaml(value))") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON, one destination a line.
    public var json: String {
        let entries = destinations.map { entry in
            "    " + Self.json(.text(entry.name)) + ": {"
                + entry.settings.map { Self.json(.text($0.key)) + ": " + Self.json($0.value) }.joined(separator: ", ") + "}"
        }
        return "{\n  \"destinations\": {\n" + entries.joined(separator: ",\n") + "\n  }\n}\n"
    }

    private static func yaml(_ value: Scalar) -> String {
        switch value {
        case .number(let text): return text
        case .text(let text):
            // Quoted where YAML would read a number, a flag or null instead of the text.
            let plain = Double(text) == nil && !["true", "false", "yes", "no", "null", "~", ""].contains(text.lowercased())
            return plain ? text : json(value)
        }
    }

    private static func json(_ value: Scalar) -> String {
        switch value {
        case .number(let text): return text
        case .text(let text):
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
    }
}

/// Writes the sandbox's config.
public enum SandboxConfigWriter {
    /// YAML text for a sandbox at `baseURL` (no trailing slash).
    public static func yaml(baseURL: String, configuration: SimulatorConfiguration, timing: SandboxTiming = SandboxTiming()) -> String {
        SandboxConfig(baseURL: baseURL, configuration: configuration, timing: timing).yaml
    }
}
