import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyRuntime
import Yams

/// Reads the YAML (or JSON) config and validates every key, naming file, line and key on error.
public struct ConfigLoader {
    public let file: String
    let environment: [String: String]
    /// The keys whose credential is written in the file itself (`clientSecret: …`), as the loader met them.
    final class InlineSecrets: @unchecked Sendable {
        var keys: [String] = []
    }
    let inlineSecrets = InlineSecrets()
    /// What the file should say differently (a deprecated key, a duration without its unit), as the loader met it.
    final class Warnings: @unchecked Sendable {
        var lines: [String] = []
    }
    let warnings = Warnings()

    func warn(line: Int?, _ message: String) {
        warnings.lines.append("\(file)\(line.map { ":\($0)" } ?? ""): \(message)")
    }

    /// A loader for `file`; credentials named by `…Env` keys are read from `environment`.
    public init(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.file = file
        self.environment = environment
    }

    /// Loads and validates the file's destinations.
    public func load() throws -> [DestinationConfig] {
        try loadAll().destinations
    }

    /// Loads and validates the whole file: destinations and the `http:` section.
    public func loadAll() throws -> JourneyConfig {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigError(file: file, line: nil, key: "(file)", expected: "a readable UTF-8 file (\(error.localizedDescription))")
        }
        return try loadAll(text: text)
    }

    func load(text: String) throws -> [DestinationConfig] {
        try loadAll(text: text).destinations
    }

    func loadAll(text: String) throws -> JourneyConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw syntaxError(error, text: text)
        }
        guard let root, let top = root.mapping else {
            throw ConfigError(file: file, line: 1, key: "(top)", expected: "a mapping with 'destinations'")
        }
        for key in top.keys where !["destinations", "http", "retention", "notify", "tracing"].contains(key.string ?? "") {
            throw ConfigError(
                file: file, line: line(key), key: key.string ?? "?",
                expected: "unknown key; the top level has 'destinations', 'http', 'retention', 'notify' and 'tracing'")
        }
        guard let destinations = top["destinations"], let entries = destinations.mapping, !entries.isEmpty else {
            throw ConfigError(file: file, line: line(root), key: "destinations", expected: "a mapping of destination names to settings")
        }
        let configs = try entries.map { key, value in
            guard let name = key.string, !name.isEmpty else {
                throw ConfigError(file: file, line: line(key), key: "destinations", expected: "destination names are strings")
            }
            return try destination(name: name, node: value)
        }
        var config = JourneyConfig(
            destinations: configs, http: try top["http"].map(http),
            retention: try top["retention"].map(retention) ?? RetentionPolicy(),
            notify: try top["notify"].map { try notify($0, destinations: configs.map(\.name)) } ?? [],
            tracing: try top["tracing"].map(tracing))
        config.inlineSecretKeys = inlineSecrets.keys
        config.warnings = warnings.lines
        return config
    }

    /// `retention: {contacts: 30d, ledger: 30d, every: 10m}`; an age of `keep` keeps that kind for good.
    private func retention(_ node: Node) throws -> RetentionPolicy {
        let reader = try MappingReader(loader: self, path: "retention", node: node)
        let policy = RetentionPolicy(
            contactsMillis: try reader.keepableDuration(RetentionSettings.contacts),
            ledgerMillis: try reader.keepableDuration(RetentionSettings.ledger),
            idempotencyMillis: try reader.keepableDuration(RetentionSettings.idempotencyKeys),
            intervalMillis: try reader.duration(RetentionSettings.every))
        try reader.rejectUnknown()
        return policy
    }

    /// `30d`, `12h`, `15m`, `90s`, `500ms` (or a bare number of seconds) in milliseconds.
    static func durationMillis(_ text: String) -> Int64? {
        var unitless = false
        return SettingDuration.millis(text, unitless: &unitless)
    }

    private func http(_ node: Node) throws -> HTTPConfig {
        let reader = try MappingReader(loader: self, path: "http", node: node)
        var config = HTTPConfig()
        let listen = try reader.string(HTTPSettings.listen)
        guard let parsed = HTTPConfig.parseListen(listen) else { throw reader.error("listen", "HOST:PORT, such as 127.0.0.1:8080") }
        (config.host, config.port) = parsed
        if let keys = reader.section(HTTPSettings.apiKeys) {
            guard case .sequence = keys else { throw reader.error("apiKeys", "a list of {name, role, sha256}") }
            config.apiKeys = try keys.array().enumerated().map { index, item in
                let entry = try MappingReader(loader: self, path: "http.apiKeys[\(index)]", node: item)
                let role = HTTPConfig.Role(rawValue: try entry.string(HTTPSettings.APIKey.role))!
                let hash = try entry.string(HTTPSettings.APIKey.sha256)
                guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                    throw entry.error("sha256", "64 hex digits (journeyq apikey prints them)")
                }
                let key = HTTPConfig.APIKey(name: try entry.string(HTTPSettings.APIKey.name), role: role, sha256: hash)
                try entry.rejectUnknown()
                return key
            }
        }
        if let tls = try reader.child(HTTPSettings.tls) {
            config.tls = HTTPConfig.TLS(
                certificateFile: try tls.string(HTTPSettings.TLSFiles.certificateFile),
                privateKeyFile: try tls.string(HTTPSettings.TLSFiles.privateKeyFile))
            try tls.rejectUnknown()
        }
        if reader.has(HTTPSettings.metricsRequireKey) { config.metricsRequireKeySetting = try reader.bool(HTTPSettings.metricsRequireKey) }
        config.idleTimeoutSeconds = Double(try reader.duration(HTTPSettings.idleTimeout)) / 1_000
        config.maxBodyBytes = try reader.int(HTTPSettings.maxBodyBytes)
        config.headerTimeoutSeconds = Double(try reader.duration(HTTPSettings.headerTimeout)) / 1_000
        config.handshakeTimeoutSeconds = Double(try reader.duration(HTTPSettings.handshakeTimeout)) / 1_000
        config.maxConnections = try reader.int(HTTPSettings.maxConnections)
        config.maxIngests = try reader.int(HTTPSettings.maxIngests)
        config.maxIngestsPerKey = try reader.int(HTTPSettings.maxIngestsPerKey)
        config.maxRecordsPerRequest = try reader.int(HTTPSettings.maxRecordsPerRequest)
        try reader.rejectUnknown()
        if config.tls == nil && !HTTPConfig.isLoopback(config.host) {
            throw reader.error("listen", "a loopback address, unless http.tls is configured (plain HTTP only on loopback)")
        }
        return config
    }

    private func line(_ node: Node) -> Int? { node.mark.map { $0.line } }

    /// A YAML syntax error as file, line, column, key and problem. Yams' own description quotes the offending line,
    /// which may hold a secret: only the key before its colon is kept from it.
    func syntaxError(_ error: any Error, text: String) -> ConfigError {
        let advice = "valid YAML or JSON (quote a value that starts with @, `, !, &, *, %, |, > or contains ': ')"
        guard let yaml = error as? YamlError else { return ConfigError(file: file, line: nil, key: "(syntax)", expected: advice) }
        switch yaml {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(
                file: file, line: mark.line, column: mark.column, key: Self.key(onLine: mark.line, of: text) ?? "(syntax)",
                expected: "\(advice): \(problem)")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { text.utf8.prefix($0).filter { $0 == UInt8(ascii: "\n") }.count + 1 }
            return ConfigError(file: file, line: line, key: "(encoding)", expected: "UTF-8 text: \(problem)")
        default:
            return ConfigError(file: file, line: nil, key: "(syntax)", expected: advice)
        }
    }

    /// The key a line sets (`  clientSecret: …` → `clientSecret`), when it looks like one; never the value.
    static func key(onLine line: Int, of text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count, let colon = lines[line - 1].firstIndex(of: ":") else { return nil }
        let key = lines[line - 1][..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "-\"' "))
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-."))
        guard !key.isEmpty, key.count <= 100, key.unicodeScalars.allSatisfy(allowed.contains) else { return nil }
        return key
    }

    private func destination(name: String, node: Node) throws -> DestinationConfig {
        typealias Settings = DestinationSettings
        let reader = try MappingReader(loader: self, path: "destinations.\(name)", node: node)
        let kindName = try reader.string(Settings.kind)
        guard let kind = DestinationKind(rawValue: kindName) else {
            throw reader.error("kind", "one of \(DestinationKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let sizes = kind.definition.batchSizes
        let limits = DestinationLimits(
            batchSize: try reader.int(Settings.batchSize, default: sizes.default, in: 1...sizes.max),
            requestsPerSecond: try reader.double(Settings.requestsPerSecond), concurrency: try reader.int(Settings.concurrency),
            timeoutMillis: try reader.duration(Settings.timeout), leaseMillis: try reader.duration(Settings.lease),
            sendWindow: try reader.child(Settings.sendWindow).map(sendWindow))
        // A lease is renewed every third of its length: one that stopped being renewed just before a request was written
        // ahead still has two thirds left, and the request must end within them.
        if limits.timeoutMillis * 3 > limits.leaseMillis * 2 {
            throw reader.invalid(
                Settings.lease,
                "at least 1.5 × timeout (\(SettingDuration.text(limits.timeoutMillis * 3 / 2)) here), "
                    + "so that a request ends before a lease that stopped being renewed runs out")
        }
        let retry = try reader.child(Settings.retry)
        let retryPolicy = RetryPolicy(
            maxAttempts: try retry?.int(Settings.Retry.maxAttempts) ?? Settings.Retry.maxAttempts.defaultInt,
            baseDelayMillis: try retry?.duration(Settings.Retry.baseDelay) ?? Settings.Retry.baseDelay.defaultMillis,
            maxDelayMillis: try retry?.duration(Settings.Retry.maxDelay) ?? Settings.Retry.maxDelay.defaultMillis)
        try retry?.rejectUnknown()
        let ambiguous = OutcomePolicy.AmbiguousPolicy(rawValue: try reader.string(Settings.ambiguousOutcome))!
        let policy = OutcomePolicy(
            retry: retryPolicy, settleMillis: try reader.duration(Settings.settle),
            lateArrivalMillis: try reader.duration(Settings.lateArrival), verifiable: kind.definition.verifiable,
            ambiguousWithoutVerification: ambiguous, throttlePauseMillis: try reader.duration(Settings.throttlePause),
            maxPauseMillis: try reader.duration(Settings.maxPause), verifyAttempts: try reader.int(Settings.verifyAttempts),
            membershipListsExited: try reader.bool(Settings.membershipListsExited),
            minimumStayMillis: try reader.duration(Settings.minimumStay),
            lookBeforeFirstSend: try reader.bool(Settings.lookBeforeFirstSend))
        let circuitReader = try reader.child(Settings.circuit)
        let circuit = CircuitBreaker(
            failureThreshold: try circuitReader?.int(Settings.Circuit.failureThreshold) ?? Settings.Circuit.failureThreshold.defaultInt,
            baseMillis: try circuitReader?.duration(Settings.Circuit.base) ?? Settings.Circuit.base.defaultMillis,
            maxMillis: try circuitReader?.duration(Settings.Circuit.max) ?? Settings.Circuit.max.defaultMillis,
            probeTimeoutMillis: max(limits.timeoutMillis * 3, 10_000))
        try circuitReader?.rejectUnknown()
        let outageLimitMillis = try reader.duration(Settings.outageLimit)
        let journeyCheckMillis = try reader.duration(Settings.journeyCheck)
        let daily = try reader.optionalInt(Settings.dailyCallBudget)
        let annual = try reader.optionalInt(Settings.annualCallQuota)
        if daily != nil && annual != nil {
            throw reader.invalid(Settings.annualCallQuota, "either dailyCallBudget or annualCallQuota, not both")
        }
        // A key of another kind is refused as unknown: only the kind's own settings are read.
        let connection = try kind.definition.connection(reader)
        try reader.rejectUnknown()
        var config = DestinationConfig(
            name: name, kind: kind, limits: limits, policy: policy, connection: connection,
            circuit: circuit, outageLimitMillis: outageLimitMillis, journeyCheckMillis: journeyCheckMillis)
        config.callBudgetPerDay = daily ?? annual.map { $0 / 365 }
        return config
    }
}
