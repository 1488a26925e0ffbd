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
        return config
    }

    /// `retention: {contacts: 30d, ledger: 30d, every: 10m}`; an age of `keep` keeps that kind for good.
    private func retention(_ node: Node) throws -> RetentionPolicy {
        let reader = try MappingReader(loader: self, path: "retention", node: node)
        var policy = RetentionPolicy()
        func age(_ key: String, keepable: Bool) throws -> Int64?? {
            guard let text = try reader.optionalString(key) else { return .none }
            if keepable && text == "keep" { return .some(nil) }
            guard let millis = Self.durationMillis(text), millis > 0 else {
                throw reader.error(key, keepable ? "an age such as 30d, 12h, 15m or 90s, or keep" : "a duration such as 10m or 30s")
            }
            return .some(millis)
        }
        if let contacts = try age("contacts", keepable: true) { policy.contactsMillis = contacts }
        if let ledger = try age("ledger", keepable: true) { policy.ledgerMillis = ledger }
        if let keys = try age("idempotencyKeys", keepable: true) { policy.idempotencyMillis = keys }
        if let every = try age("every", keepable: false), let every { policy.intervalMillis = every }
        try reader.rejectUnknown()
        return policy
    }

    /// `30d`, `12h`, `15m`, `90s` (or a plain number of seconds) in milliseconds.
    static func durationMillis(_ text: String) -> Int64? {
        let units: [Character: Double] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        var number = Substring(text)
        var scale = 1.0
        if let last = text.last, let unit = units[last] {
            number = text.dropLast()
            scale = unit
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * scale < 3_650 * 86_400 else { return nil }
        return Int64(value * scale * 1000)
    }

    private func http(_ node: Node) throws -> HTTPConfig {
        let reader = try MappingReader(loader: self, path: "http", node: node)
        var config = HTTPConfig()
        if let listen = try reader.optionalString("listen") {
            guard let parsed = HTTPConfig.parseListen(listen) else { throw reader.error("listen", "HOST:PORT, such as 127.0.0.1:8080") }
            (config.host, config.port) = parsed
        }
        if let keys = reader.value("apiKeys") {
            guard case .sequence = keys else { throw reader.error("apiKeys", "a list of {name, role, sha256}") }
            config.apiKeys = try keys.array().enumerated().map { index, item in
                let entry = try MappingReader(loader: self, path: "http.apiKeys[\(index)]", node: item)
                let roleName = try entry.string("role")
                guard let role = HTTPConfig.Role(rawValue: roleName) else { throw entry.error("role", "ingest, read or operate") }
                let hash = try entry.string("sha256")
                guard hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                    throw entry.error("sha256", "64 hex digits (journeyq apikey prints them)")
                }
                let key = HTTPConfig.APIKey(name: try entry.string("name"), role: role, sha256: hash)
                try entry.rejectUnknown()
                return key
            }
        }
        if let tls = try reader.child("tls") {
            config.tls = HTTPConfig.TLS(
                certificateFile: try tls.string("certificateFile"), privateKeyFile: try tls.string("privateKeyFile"))
            try tls.rejectUnknown()
        }
        if reader.mapping["metricsRequireKey"] != nil {
            config.metricsRequireKeySetting = try reader.bool("metricsRequireKey", default: false)
        }
        config.idleTimeoutSeconds = try reader.double("idleTimeoutSeconds", default: 60, in: 1...3_600)
        config.maxBodyBytes = try reader.int("maxBodyBytes", default: 64 << 20, in: 1_024...(1 << 31))
        config.headerTimeoutSeconds = try reader.double("headerTimeoutSeconds", default: 10, in: 1...600)
        config.handshakeTimeoutSeconds = try reader.double("handshakeTimeoutSeconds", default: 10, in: 1...600)
        config.maxConnections = try reader.int("maxConnections", default: 1_024, in: 16...1_000_000)
        config.maxIngests = try reader.int("maxIngests", default: 8, in: 1...1_024)
        config.maxIngestsPerKey = try reader.int("maxIngestsPerKey", default: 4, in: 1...1_024)
        config.maxRecordsPerRequest = try reader.int("maxRecordsPerRequest", default: 500_000, in: 1...100_000_000)
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
        let reader = try MappingReader(loader: self, path: "destinations.\(name)", node: node)
        let kindName = try reader.string("kind")
        guard let kind = DestinationKind(rawValue: kindName) else {
            throw reader.error("kind", "one of \(DestinationKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let sizes = kind.definition.batchSizes
        let batchSize = try reader.int("batchSize", default: sizes.default, in: 1...sizes.max)
        let limits = DestinationLimits(
            batchSize: batchSize,
            requestsPerSecond: try reader.double("requestsPerSecond", default: 10, in: 0.01...100_000),
            concurrency: try reader.int("concurrency", default: 2, in: 1...256),
            timeoutMillis: Int64(try reader.double("timeoutSeconds", default: 10, in: 0.05...3_600) * 1000),
            leaseMillis: Int64(try reader.double("leaseSeconds", default: 60, in: 1...86_400) * 1000),
            sendWindow: try reader.child("sendWindow").map(sendWindow))
        // A lease is renewed every third of its length: one that stopped being renewed just before a request was written
        // ahead still has two thirds left, and the request must end within them.
        if limits.timeoutMillis * 3 > limits.leaseMillis * 2 {
            let least = Double(limits.timeoutMillis * 3 / 2) / 1000
            throw reader.invalid(
                "leaseSeconds",
                "at least 1.5 × timeoutSeconds (\(least.formatted(.number.grouping(.never))) here), so that a request ends before a lease "
                    + "that stopped being renewed runs out")
        }
        let retry = try reader.child("retry")
        let retryPolicy = RetryPolicy(
            maxAttempts: try retry?.int("maxAttempts", default: 8, in: 1...1_000) ?? 8,
            baseDelayMillis: Int64(try retry?.int("baseDelayMillis", default: 1_000, in: 1...86_400_000) ?? 1_000),
            maxDelayMillis: Int64(try retry?.int("maxDelayMillis", default: 300_000, in: 1...86_400_000) ?? 300_000))
        try retry?.rejectUnknown()
        let ambiguousText = try reader.string("ambiguousOutcome", default: "dead")
        guard let ambiguous = OutcomePolicy.AmbiguousPolicy(rawValue: ambiguousText) else {
            throw reader.error("ambiguousOutcome", "retry or dead")
        }
        let policy = OutcomePolicy(
            retry: retryPolicy, settleMillis: Int64(try reader.double("settleSeconds", default: 60, in: 0...86_400) * 1000),
            verifiable: kind.definition.verifiable, ambiguousWithoutVerification: ambiguous,
            throttlePauseMillis: Int64(try reader.double("throttlePauseSeconds", default: 10, in: 0.01...3_600) * 1000),
            maxPauseMillis: Int64(try reader.double("maxPauseSeconds", default: 900, in: 1...86_400) * 1000),
            verifyAttempts: try reader.int("verifyAttempts", default: 10, in: 1...1_000),
            membershipListsExited: try reader.bool("membershipListsExited", default: false),
            minimumStayMillis: Int64(try reader.double("minimumStaySeconds", default: 0, in: 0...31_536_000) * 1000),
            lookBeforeFirstSend: try reader.bool("lookBeforeFirstSend", default: true))
        let circuitReader = try reader.child("circuit")
        let circuit = CircuitBreaker(
            strikeThreshold: try circuitReader?.int("failureThreshold", default: 5, in: 1...1_000) ?? 5,
            baseMillis: Int64((try circuitReader?.double("baseSeconds", default: 1, in: 0.01...3_600) ?? 1) * 1000),
            maxMillis: Int64((try circuitReader?.double("maxSeconds", default: 60, in: 0.01...86_400) ?? 60) * 1000),
            probeTimeoutMillis: max(limits.timeoutMillis * 3, 10_000))
        try circuitReader?.rejectUnknown()
        let outageLimitMillis = Int64(try reader.double("outageLimitSeconds", default: 3_600, in: 1...31_536_000) * 1000)
        let journeyCheckMillis = Int64(try reader.double("journeyCheckSeconds", default: 300, in: 0...86_400) * 1000)
        let daily =
            reader.value("dailyCallBudget") == nil ? nil : try reader.int("dailyCallBudget", default: nil, in: 1...1_000_000_000_000)
        let annual =
            reader.value("annualCallQuota") == nil ? nil : try reader.int("annualCallQuota", default: nil, in: 365...1_000_000_000_000)
        if daily != nil && annual != nil { throw reader.invalid("annualCallQuota", "either dailyCallBudget or annualCallQuota, not both") }
        let connection = try kind.definition.connection(reader)
        try reader.rejectUnknown()
        var config = DestinationConfig(
            name: name, kind: kind, limits: limits, policy: policy, connection: connection,
            circuit: circuit, outageLimitMillis: outageLimitMillis, journeyCheckMillis: journeyCheckMillis)
        config.callBudgetPerDay = daily ?? annual.map { $0 / 365 }
        return config
    }

    /// Reads one mapping's keys, remembering which were read so that typos are refused.
    final class MappingReader: SettingsReader {
        let loader: ConfigLoader
        let path: String
        let node: Node
        let mapping: Node.Mapping
        var read: Set<String> = []

        init(loader: ConfigLoader, path: String, node: Node) throws {
            guard let mapping = node.mapping else {
                throw ConfigError(file: loader.file, line: node.mark?.line, key: path, expected: "a mapping of settings")
            }
            self.loader = loader
            self.path = path
            self.node = node
            self.mapping = mapping
        }

        func error(_ key: String, _ expected: String) -> ConfigError {
            ConfigError(file: loader.file, line: (mapping[key] ?? node).mark?.line, key: "\(path).\(key)", expected: expected)
        }

        func invalid(_ key: String, _ expected: String) -> any Error { error(key, expected) }

        func value(_ key: String) -> Node? {
            read.insert(key)
            return mapping[key]
        }

        func optionalString(_ key: String) throws -> String? {
            guard let node = value(key) else { return nil }
            guard case .scalar = node, let text = node.string, !text.isEmpty else { throw error(key, "a non-empty string") }
            return text
        }

        func string(_ key: String, default fallback: String? = nil) throws -> String {
            if let text = try optionalString(key) { return text }
            if let fallback { return fallback }
            throw error(key, "a non-empty string (required)")
        }

        func bool(_ key: String, default fallback: Bool) throws -> Bool {
            guard let node = value(key) else { return fallback }
            guard let flag = node.bool else { throw error(key, "true or false") }
            return flag
        }

        func stringList(_ key: String, default fallback: [String]) throws -> [String] {
            guard let node = value(key) else { return fallback }
            guard case .sequence = node else { throw error(key, "a list of strings") }
            return try node.array().map { item in
                guard let text = item.string else { throw error(key, "a list of strings") }
                return text
            }
        }

        func int(_ key: String, default fallback: Int?, in range: ClosedRange<Int>) throws -> Int {
            guard let node = value(key) else {
                if let fallback { return fallback }
                throw error(key, "an integer (required)")
            }
            guard let number = node.int, range.contains(number) else {
                throw error(key, "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
            guard let node = value(key) else { return fallback }
            guard let number = node.float ?? node.int.map(Double.init), range.contains(number) else {
                throw error(key, "a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        func url(_ key: String) throws -> String {
            let text = try string(key)
            if let problem = HTTPCaller.checkScheme(text) { throw error(key, problem) }
            return text
        }

        /// `KEY: value` inline, `KEYEnv: NAME` naming an environment variable, or `KEYFile: PATH` naming a file that
        /// holds it (a relative path is read from systemd's `$CREDENTIALS_DIRECTORY` when set, so that `LoadCredential=`
        /// hands secrets over without the config holding them). The value never appears in an error.
        func secret(_ key: String) throws -> Secret {
            let given = [
                (key, try optionalString(key)), (key + "Env", try optionalString(key + "Env")),
                (key + "File", try optionalString(key + "File")),
            ]
            .compactMap { name, value in value.map { (name, $0) } }
            guard given.count == 1, let (name, value) = given.first else {
                if given.isEmpty {
                    throw error(key, "a credential: inline, by environment variable name (\(key)Env) or in a file (\(key)File)")
                }
                throw error(given[1].0, "only one of \(key), \(key)Env and \(key)File")
            }
            switch name {
            case key:
                loader.inlineSecrets.keys.append("\(path).\(key)")
                return Secret(value)
            case key + "Env":
                guard let found = loader.environment[value], !found.isEmpty else {
                    throw error(name, "the name of a set environment variable; '\(value)' is not set")
                }
                return Secret(found)
            default:
                return Secret(try readSecretFile(value, key: name))
            }
        }

        private func readSecretFile(_ path: String, key: String) throws -> String {
            let credentials = loader.environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }
            let resolved: String
            if path.hasPrefix("/") {
                resolved = path
            } else if let credentials {
                resolved = credentials + "/" + path
            } else {
                resolved = URL(fileURLWithPath: loader.file).deletingLastPathComponent().appendingPathComponent(path).path
            }
            guard let data = FileManager.default.contents(atPath: resolved) else {
                let hint =
                    credentials == nil && !path.hasPrefix("/") ? " (relative to the config's folder: no $CREDENTIALS_DIRECTORY is set)" : ""
                throw error(key, "a readable file holding the credential; cannot read '\(resolved)'\(hint)")
            }
            // Files made with `echo` end in a newline that is not part of the secret.
            var text = String(decoding: data, as: UTF8.self)
            while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
            guard !text.isEmpty, !text.contains("\n") else {
                throw error(key, "a file holding one credential on one line; '\(resolved)' is empty or has several lines")
            }
            return text
        }

        func child(_ key: String) throws -> MappingReader? {
            guard let node = value(key) else { return nil }
            return try MappingReader(loader: loader, path: "\(path).\(key)", node: node)
        }

        func rejectUnknown() throws {
            for key in mapping.keys {
                guard let name = key.string, read.contains(name) else {
                    throw ConfigError(file: loader.file, line: key.mark?.line, key: "\(path).\(key.string ?? "?")", expected: "unknown key")
                }
            }
        }
    }
}
