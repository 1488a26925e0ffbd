import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyRuntime
import Testing

@testable import JourneyWorker

/// One destination's keys in order, as values: each test changes a value, a key or the set of keys, never config text.
/// A value that starts with a newline is a nested mapping written on the lines below its key.
struct DestinationEntries {
    var name: String
    var entries: [(key: String, value: String)]

    /// With `key` set to `value`, in its place (appended when absent), so that every other key keeps its line.
    func setting(_ key: String, _ value: String) -> DestinationEntries {
        var copy = self
        if let index = copy.entries.firstIndex(where: { $0.key == key }) {
            copy.entries[index].value = value
        } else {
            copy.entries.append((key, value))
        }
        return copy
    }

    /// With `key` written as `newKey`, in its place.
    func renaming(_ key: String, to newKey: String) -> DestinationEntries {
        var copy = self
        if let index = copy.entries.firstIndex(where: { $0.key == key }) { copy.entries[index].key = newKey }
        return copy
    }

    /// Without `key`.
    func removing(_ key: String) -> DestinationEntries {
        var copy = self
        copy.entries.removeAll { $0.key == key }
        return copy
    }

    /// The config holding this one destination.
    var yaml: String {
        "destinations:\n  \(name):\n" + entries.map { "    \($0.key): \($0.value)" }.joined(separator: "\n")
    }
}

@Suite struct ConfigLoaderTests {
    let main = DestinationEntries(
        name: "main",
        entries: [
            ("kind", "sfmc-async-events"), ("authURL", "https://abc.auth.marketingcloudapis.com"),
            ("restURL", "https://abc.rest.marketingcloudapis.com/"), ("clientId", "id"), ("clientSecretEnv", "SFMC_SECRET"),
            ("eventDefinitionKey", "APIEvent-1"), ("batchSize", "50"), ("retry", "\n      maxAttempts: 4"),
        ])
    var good: String { main.yaml }

    func load(_ text: String, environment: [String: String] = ["SFMC_SECRET": "s3cret"]) throws -> [DestinationConfig] {
        try ConfigLoader(file: "c.yaml", environment: environment).load(text: text)
    }

    func message(_ text: String, environment: [String: String] = ["SFMC_SECRET": "s3cret"]) -> String {
        do {
            _ = try load(text, environment: environment)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsADestinationWithDefaults() throws {
        let configs = try load(good)
        #expect(configs.count == 1)
        #expect(configs[0].limits.batchSize == 50)
        #expect(configs[0].limits.concurrency == 2)
        #expect(configs[0].policy.retry.maxAttempts == 4)
        guard let settings = (configs[0].connection as? SFMCKind.Connection)?.settings else {
            Issue.record("expected SFMC settings"); return
        }
        #expect(settings.clientSecret.value == "s3cret")
        #expect(settings.restURL == "https://abc.rest.marketingcloudapis.com")
        #expect("\(settings.clientSecret)" == "<redacted>")
    }

    @Test func eachKindReadsItsOwnSettingsThroughItsDefinition() throws {
        let crm = DestinationEntries(
            name: "crm",
            entries: [
                ("kind", "salesforce-bulk-ingest"), ("loginURL", "https://login.salesforce.com"), ("clientId", "id"), ("clientSecret", "s"),
                ("operation", "upsert"), ("externalIdFieldName", "Key__c"), ("poll", "500ms"),
            ])
        let configs = try load(crm.yaml)
        let connection = try #require(configs[0].connection as? BulkIngestKind.Connection)
        #expect(connection.pollMillis == 500)
        #expect(connection.externalIDFieldName == "Key__c")
        #expect(configs[0].limits.batchSize == 10_000, "the kind's default batch size")
        #expect(!configs[0].watchesJourney)
        #expect(
            message(crm.removing("externalIdFieldName").yaml)
                == "c.yaml:3: destinations.crm.externalIdFieldName: a field name (required for upsert)")
        // A setting of another kind is a typo here, not silently ignored.
        #expect(message(main.setting("poll", "1s").yaml) == "c.yaml:12: destinations.main.poll: unknown key")
        #expect(try load(good)[0].watchesJourney)
        #expect(DestinationKind.remoteIDsLabel("salesforce-bulk-ingest") == "jobs")
        #expect(DestinationKind.remoteIDsLabel("carrier-pigeon") == "remote ids")
    }

    @Test func namesFileLineKeyAndExpectation() {
        #expect(
            message(main.setting("batchSize", "500").yaml)
                == "c.yaml:9: destinations.main.batchSize: an integer from 1 to 100")
        #expect(
            message(main.setting("kind", "carrier-pigeon").yaml).hasPrefix(
                "c.yaml:3: destinations.main.kind: one of sfmc-async-events"))
        #expect(
            message(main.renaming("batchSize", to: "batchSise").yaml)
                == "c.yaml:9: destinations.main.batchSise: unknown key")
        #expect(
            message(main.setting("restURL", "http://abc.rest.marketingcloudapis.com/").yaml)
                == "c.yaml:5: destinations.main.restURL: 'http://abc.rest.marketingcloudapis.com' must use https "
                + "(plain http is accepted only for loopback addresses)"
        )
        #expect(
            message(main.setting("eventDefinitionKey", "API.Event").yaml).hasPrefix(
                "c.yaml:8: destinations.main.eventDefinitionKey"))
    }

    @Test func aMissingSecretIsNamedButNeverShown() {
        let text = message(good, environment: [:])
        #expect(text == "c.yaml:7: destinations.main.clientSecretEnv: the name of a set environment variable; 'SFMC_SECRET' is not set")
        let both = message(main.setting("clientSecret", "hunter2").yaml)
        #expect(both.contains("only one of clientSecret, clientSecretEnv and clientSecretFile"))
        #expect(!both.contains("hunter2"))
    }

    /// `tracing:` is read whole, and a mistake in it named by line and key.
    @Test func readsTracingAndRefusesItsMistakes() throws {
        func tracing(_ block: String) throws -> TracingConfig? {
            try ConfigLoader(file: "c.yaml", environment: ["SFMC_SECRET": "s3cret"]).loadAll(text: good + "\ntracing:\n" + block).tracing
        }
        func refusal(_ block: String) -> String {
            do { _ = try tracing(block); return "no error" } catch { return "\(error)" }
        }
        let config = try #require(try tracing("  endpoint: http://127.0.0.1:4318\n  sampleRatio: 0.25\n  protocol: http/json\n"))
        #expect(config.tracesURL == "http://127.0.0.1:4318/v1/traces")
        #expect(config.sampleRatio == 0.25 && config.wireProtocol == .json && config.serviceName == "journeyq")
        #expect(try tracing("  endpoint: https://otel.example.com/custom/path\n")?.tracesURL == "https://otel.example.com/custom/path")
        #expect(try ConfigLoader(file: "c.yaml", environment: ["SFMC_SECRET": "s3cret"]).loadAll(text: good).tracing == nil)
        #expect(
            refusal("  endpoint: http://user:pw@collector:4318\n").hasPrefix("c.yaml:13: tracing.endpoint:"),
            "\(refusal("  endpoint: http://user:pw@collector:4318\n"))")
        #expect(
            refusal("  endpoint: http://127.0.0.1:4318\n  sampleRatio: 2\n").hasPrefix("c.yaml:14: tracing.sampleRatio"),
            "\(refusal("  endpoint: http://127.0.0.1:4318\n  sampleRatio: 2\n"))")
        #expect(!refusal("  endpoint: http://user:pw@collector:4318\n").contains("pw"))
        #expect(refusal("  endpoint: http://127.0.0.1:4318\n  sampleRatio: 2\n").contains("tracing.sampleRatio: a number from 0.0 to 1.0"))
        #expect(refusal("  endpoint: http://127.0.0.1:4318\n  protocol: grpc\n").contains("tracing.protocol: http/protobuf or http/json"))
        #expect(refusal("  endpoint: http://127.0.0.1:4318\n  sampleRate: 1\n").contains("tracing.sampleRate: unknown key"))
    }

    /// systemd's `LoadCredential=` puts a secret in a file under `$CREDENTIALS_DIRECTORY`; the config names the file.
    @Test func aSecretIsReadFromACredentialFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-cred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("from-a-file\n".utf8).write(to: folder.appendingPathComponent("sfmc-secret"))
        let fromFile = main.renaming("clientSecretEnv", to: "clientSecretFile").setting("clientSecretFile", "sfmc-secret")
        let byFile = fromFile.yaml
        let configs = try load(byFile, environment: ["CREDENTIALS_DIRECTORY": folder.path])
        guard let settings = (configs[0].connection as? SFMCKind.Connection)?.settings else {
            Issue.record("expected SFMC settings"); return
        }
        #expect(settings.clientSecret.value == "from-a-file")
        // An absolute path is read as it stands, whatever the credentials directory.
        #expect(try load(fromFile.setting("clientSecretFile", "\(folder.path)/sfmc-secret").yaml, environment: [:]).count == 1)

        let missing = message(byFile, environment: ["CREDENTIALS_DIRECTORY": folder.path + "/nowhere"])
        #expect(missing.hasPrefix("c.yaml:7: destinations.main.clientSecretFile: a readable file holding the credential"), "\(missing)")
        try Data("alpha\nbravo\n".utf8).write(to: folder.appendingPathComponent("sfmc-secret"))
        let twoLines = message(byFile, environment: ["CREDENTIALS_DIRECTORY": folder.path])
        #expect(twoLines.contains("one credential on one line"), "\(twoLines)")
        #expect(!twoLines.contains("alpha") && !twoLines.contains("bravo"), "the file's content leaked: \(twoLines)")
    }

    /// A secret with a character YAML reserves makes the file unparsable: the error names where, never what.
    @Test func aSyntaxErrorNamesFileLineColumnAndKeyButNeverTheValue() {
        for secret in ["@Zq8x!secret", "`Zq8secret", "%Zq8secret", "Zq8: secret"] {
            let text = message(main.renaming("clientSecretEnv", to: "clientSecret").setting("clientSecret", secret).yaml)
            #expect(text.hasPrefix("c.yaml:7:"), "\(text)")
            #expect(text.contains("clientSecret"), "\(text)")
            #expect(!text.contains("Zq8"), "the secret leaked: \(text)")
        }
        let url = message(main.setting("restURL", "http://user:pa55@example.com/x?token=t0k").yaml)
        #expect(!url.contains("pa55") && !url.contains("t0k"), "\(url)")
    }

    /// A lease renewed every third of its length must leave a request written ahead just before a missed renewal the time
    /// to end: two thirds of the lease hold the request's deadline, or the config is refused.
    @Test func aLeaseARequestCannotEndWithinIsRefused() throws {
        func destination(lease: String, timeout: String) -> String {
            good + "\n    timeout: \(timeout)\n    lease: \(lease)\n"
        }
        let refused = message(destination(lease: "10s", timeout: "30s"))
        #expect(refused.hasPrefix("c.yaml:13: destinations.main.lease"), "\(refused)")
        #expect(refused.contains("at least 1.5 × timeout (45s here)"), "\(refused)")
        #expect(message(destination(lease: "14s", timeout: "10s")).contains("(15s here)"))
        #expect(try load(destination(lease: "15s", timeout: "10s"))[0].limits.leaseMillis == 15_000)
        #expect(try load(destination(lease: "2s", timeout: "1s"))[0].limits.timeoutMillis == 1_000, "a short timeout")
        #expect(try load(destination(lease: "1500ms", timeout: "1s"))[0].limits.leaseMillis == 1_500)
    }

    /// Keys of earlier versions (`timeoutSeconds: 10`, `baseDelayMillis: 200`) still work, each with a warning that names
    /// its line and the new spelling; both spellings at once are refused; a bare number is seconds, with a warning.
    @Test func anOldKeyIsReadWithAWarningAndBothSpellingsAreRefused() throws {
        let loader = ConfigLoader(file: "c.yaml", environment: ["SFMC_SECRET": "s3cret"])
        let old = try loader.loadAll(
            text: good + "\n      baseDelayMillis: 200\n    timeoutSeconds: 2.5\n    leaseSeconds: 30\n    circuit: {baseSeconds: 0.2}\n")
        let destination = old.destinations[0]
        #expect(destination.policy.retry.baseDelayMillis == 200)
        #expect(destination.limits.timeoutMillis == 2_500)
        #expect(destination.limits.leaseMillis == 30_000)
        #expect(destination.circuit.baseMillis == 200)
        #expect(
            old.warnings.contains(
                "c.yaml:12: destinations.main.retry.baseDelayMillis is deprecated: write baseDelay: 200ms (durations carry their unit)"),
            "\(old.warnings)")
        #expect(old.warnings.contains { $0.hasPrefix("c.yaml:13: destinations.main.timeoutSeconds is deprecated: write timeout: 2.5s") })
        #expect(old.warnings.count == 4, "\(old.warnings)")

        let both = message(good + "\n    timeout: 2s\n    timeoutSeconds: 2\n")
        #expect(both == "c.yaml:13: destinations.main.timeoutSeconds: only one of timeout and timeoutSeconds (its old spelling)", "\(both)")

        let bare = ConfigLoader(file: "c.yaml", environment: ["SFMC_SECRET": "s3cret"])
        let unitless = try bare.loadAll(text: good + "\n    settle: 5\n")
        #expect(unitless.destinations[0].policy.settleMillis == 5_000)
        #expect(unitless.warnings == ["c.yaml:12: destinations.main.settle: a bare number is read as seconds; write 5s"])
        #expect(try ConfigLoader(file: "c.yaml", environment: ["SFMC_SECRET": "s3cret"]).loadAll(text: good).warnings.isEmpty)

        let wrong = message(good + "\n    settle: 5 minutes\n")
        #expect(
            wrong.hasPrefix("c.yaml:12: destinations.main.settle: a duration such as 500ms, 30s, 5m, 24h or 30d, from 0s to 1d"), "\(wrong)"
        )
    }

    /// The tables the README prints and the keys the loader reads are one list: a config that gives every key of every
    /// table (a value of its type for each) loads, so no table lists a key the loader would refuse as unknown, and each
    /// default the tables print is the one the policies get.
    @Test func everyKeyTheReferenceListsIsReadAndItsDefaultIsTheOneUsed() throws {
        func sample(_ setting: JourneyQueue.Setting) -> String? {
            switch setting.value {
            case .duration(let value, let range): return SettingDuration.text(value ?? range.lowerBound)
            case .integer(let value, let range): return "\(value ?? range.lowerBound)"
            case .number(let value, let range): return "\(value ?? range.lowerBound)"
            case .flag(let value): return "\(value)"
            case .text(let value): return value.map { "\"\($0)\"" } ?? "x"
            case .choice(let value, let among): return value ?? among.first
            case .list(let value): return "[\(value.joined(separator: ", "))]"
            case .url: return "https://x.example.com"
            case .secret: return "a-secret-of-at-least-twenty-four-bytes"
            case .section: return nil
            }
        }
        func keys(_ settings: [JourneyQueue.Setting], skipping: Set<String> = [], indent: String) -> String {
            settings.filter { !skipping.contains($0.key) }.compactMap { setting in sample(setting).map { "\(indent)\(setting.key): \($0)" }
            }
            .joined(separator: "\n")
        }
        for (names, settings) in ConfigReference.kindGroups {
            for kind in names {
                let text = """
                    destinations:
                      main:
                        kind: \(kind)
                    \(keys(DestinationSettings.all, skipping: ["kind", "batchSize", "annualCallQuota"], indent: "    "))
                    \(keys(settings, indent: "    "))
                        retry:
                    \(keys(DestinationSettings.Retry.all, indent: "      "))
                        circuit:
                    \(keys(DestinationSettings.Circuit.all, indent: "      "))
                        sendWindow:
                          from: "08:00"
                          to: "20:00"
                    \(keys(DestinationSettings.Window.all, skipping: ["from", "to"], indent: "      "))
                    http:
                    \(keys(HTTPSettings.all, indent: "  "))
                    retention:
                    \(keys(RetentionSettings.all, indent: "  "))
                    notify:
                      - url: https://hooks.example.com
                    \(keys(NotifySettings.all, skipping: ["url", "events", "destinations"], indent: "    "))
                    tracing:
                    \(keys(TracingSettings.all, skipping: ["endpoint"], indent: "  "))
                      endpoint: http://127.0.0.1:4318
                    """
                let config = try ConfigLoader(file: "all.yaml", environment: [:]).loadAll(text: text)
                #expect(config.warnings.isEmpty, "\(config.warnings)")
                let destination = config.destinations[0]
                #expect(destination.limits.timeoutMillis == DestinationSettings.timeout.defaultMillis)
                let policy = destination.policy, standard = OutcomePolicy()
                #expect(policy.retry == standard.retry && policy.settleMillis == standard.settleMillis, "\(kind)")
                #expect(policy.throttlePauseMillis == standard.throttlePauseMillis && policy.maxPauseMillis == standard.maxPauseMillis)
                #expect(policy.verifyAttempts == standard.verifyAttempts && policy.minimumStayMillis == standard.minimumStayMillis)
                #expect(policy.lookBeforeFirstSend == standard.lookBeforeFirstSend)
                #expect(config.retention == RetentionPolicy())
            }
        }
        let reference = ConfigReference.markdown()
        for setting in DestinationSettings.all + HTTPSettings.all + RetentionSettings.all + NotifySettings.all + TracingSettings.all {
            #expect(
                reference.contains("| `\(setting.key)` | \(setting.typeDescription) | \(setting.defaultDescription) |"), "\(setting.key)")
        }
    }
}

/// The send window as the config writes it, and each mistake named by file, line and key.
@Suite struct SendWindowConfigTests {
    func config(_ window: String) -> String {
        ConfigLoaderTests().good + "\n    sendWindow:\n" + window.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n")
            + "\n"
    }

    @Test func readsDaysTimesZoneAndField() throws {
        let configs = try ConfigLoaderTests().load(
            config(
                """
                days: [mon, tue, wed, thu, fri]
                from: "08:00"
                to: "20:30"
                zone: Europe/Stockholm
                zoneField: timeZone
                """))
        let window = try #require(configs.first?.limits.sendWindow)
        #expect(window.days == Set(2...6) && window.fromSecond == 8 * 3_600 && window.toSecond == 20 * 3_600 + 1_800)
        #expect(window.zone.identifier == "Europe/Stockholm" && window.zoneField == "timeZone")
        #expect(window.text == "mon, tue, wed, thu, fri 08:00–20:30 in each contact's zone ('timeZone'), else Europe/Stockholm")
        let night = try #require(try ConfigLoaderTests().load(config("from: \"22:00\"\nto: \"06:00\"")).first?.limits.sendWindow)
        #expect(night.days.count == 7 && night.zone == TimeZone(identifier: "UTC") && night.zoneField == nil)
        #expect(try ConfigLoaderTests().load(ConfigLoaderTests().good).first?.limits.sendWindow == nil)
    }

    @Test func namesEachMistake() {
        let loader = ConfigLoaderTests()
        #expect(
            loader.message(config("from: \"8:00\"\nto: \"20:00\""))
                == "c.yaml:13: destinations.main.sendWindow.from: a time of day as HH:MM or HH:MM:SS (00:00 to 23:59:59)")
        #expect(
            loader.message(config("from: \"08:00\"\nto: \"25:00\""))
                == "c.yaml:14: destinations.main.sendWindow.to: a time of day as HH:MM or HH:MM:SS (00:00 to 24:00)")
        #expect(
            loader.message(config("from: \"08:00\"\nto: \"08:00\""))
                == "c.yaml:14: destinations.main.sendWindow.to: a time other than from (an empty window never opens)")
        #expect(
            loader.message(config("from: \"08:00\"\nto: \"20:00\"\nzone: Europe/Stockholmm")).hasPrefix(
                "c.yaml:15: destinations.main.sendWindow.zone: an IANA time zone such as Europe/Stockholm; 'Europe/Stockholmm' is not one"))
        #expect(
            loader.message(config("days: [mon, funday]\nfrom: \"08:00\"\nto: \"20:00\"")).hasPrefix(
                "c.yaml:13: destinations.main.sendWindow.days: a list of days"))
        #expect(
            loader.message(config("from: \"08:00\"\nto: \"20:00\"\nzones: UTC"))
                == "c.yaml:15: destinations.main.sendWindow.zones: unknown key")
        #expect(loader.message(config("to: \"20:00\"")) == "c.yaml:13: destinations.main.sendWindow.from: a non-empty string (required)")
    }
}
