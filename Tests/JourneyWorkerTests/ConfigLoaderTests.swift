import Foundation
import JourneyDestinations
import Testing

@testable import JourneyWorker

@Suite struct ConfigLoaderTests {
    let good = """
        destinations:
          main:
            kind: sfmc-async-events
            authURL: https://abc.auth.marketingcloudapis.com
            restURL: https://abc.rest.marketingcloudapis.com/
            clientId: id
            clientSecretEnv: SFMC_SECRET
            eventDefinitionKey: APIEvent-1
            batchSize: 50
            retry:
              maxAttempts: 4
        """

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
        let bulk = """
            destinations:
              crm:
                kind: salesforce-bulk-ingest
                loginURL: https://login.salesforce.com
                clientId: id
                clientSecret: s
                operation: upsert
                externalIdFieldName: Key__c
                pollSeconds: 0.5
            """
        let configs = try load(bulk)
        let connection = try #require(configs[0].connection as? BulkIngestKind.Connection)
        #expect(connection.pollMillis == 500)
        #expect(connection.externalIDFieldName == "Key__c")
        #expect(configs[0].limits.batchSize == 10_000, "the kind's default batch size")
        #expect(!configs[0].watchesJourney)
        #expect(
            message(bulk.replacingOccurrences(of: "    externalIdFieldName: Key__c\n", with: ""))
                == "c.yaml:3: destinations.crm.externalIdFieldName: a field name (required for upsert)")
        // A setting of another kind is a typo here, not silently ignored.
        #expect(message(good + "\n    pollSeconds: 1") == "c.yaml:12: destinations.main.pollSeconds: unknown key")
        #expect(try load(good)[0].watchesJourney)
        #expect(DestinationKind.remoteIDsLabel("salesforce-bulk-ingest") == "jobs")
        #expect(DestinationKind.remoteIDsLabel("carrier-pigeon") == "remote ids")
    }

    @Test func namesFileLineKeyAndExpectation() {
        #expect(
            message(good.replacingOccurrences(of: "batchSize: 50", with: "batchSize: 500"))
                == "c.yaml:9: destinations.main.batchSize: an integer from 1 to 100")
        #expect(
            message(good.replacingOccurrences(of: "kind: sfmc-async-events", with: "kind: carrier-pigeon")).hasPrefix(
                "c.yaml:3: destinations.main.kind: one of sfmc-async-events"))
        #expect(
            message(good.replacingOccurrences(of: "batchSize: 50", with: "batchSise: 50"))
                == "c.yaml:9: destinations.main.batchSise: unknown key")
        #expect(
            message(good.replacingOccurrences(of: "https://abc.rest", with: "http://abc.rest"))
                == "c.yaml:5: destinations.main.restURL: 'http://abc.rest.marketingcloudapis.com' must use https (plain http is accepted only for loopback addresses)"
        )
        #expect(
            message(good.replacingOccurrences(of: "APIEvent-1", with: "API.Event")).hasPrefix(
                "c.yaml:8: destinations.main.eventDefinitionKey"))
    }

    @Test func aMissingSecretIsNamedButNeverShown() {
        let text = message(good, environment: [:])
        #expect(text == "c.yaml:7: destinations.main.clientSecretEnv: the name of a set environment variable; 'SFMC_SECRET' is not set")
        let inline = good.replacingOccurrences(
            of: "clientSecretEnv: SFMC_SECRET", with: "clientSecret: hunter2\n    clientSecretEnv: SFMC_SECRET")
        let both = message(inline)
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
        let byFile = """
            destinations:
              main:
                kind: sfmc-async-events
                authURL: https://abc.auth.marketingcloudapis.com
                restURL: https://abc.rest.marketingcloudapis.com/
                clientId: id
                clientSecretFile: sfmc-secret
                eventDefinitionKey: APIEvent-1
            """
        let configs = try load(byFile, environment: ["CREDENTIALS_DIRECTORY": folder.path])
        guard let settings = (configs[0].connection as? SFMCKind.Connection)?.settings else {
            Issue.record("expected SFMC settings"); return
        }
        #expect(settings.clientSecret.value == "from-a-file")
        // An absolute path is read as it stands, whatever the credentials directory.
        let absolute = byFile.replacingOccurrences(
            of: "clientSecretFile: sfmc-secret", with: "clientSecretFile: \(folder.path)/sfmc-secret")
        #expect(try load(absolute, environment: [:]).count == 1)

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
            let text = message(good.replacingOccurrences(of: "clientSecretEnv: SFMC_SECRET", with: "clientSecret: \(secret)"))
            #expect(text.hasPrefix("c.yaml:7:"), "\(text)")
            #expect(text.contains("clientSecret"), "\(text)")
            #expect(!text.contains("Zq8"), "the secret leaked: \(text)")
        }
        let url = message(
            good.replacingOccurrences(of: "https://abc.rest.marketingcloudapis.com/", with: "http://user:pa55@example.com/x?token=t0k"))
        #expect(!url.contains("pa55") && !url.contains("t0k"), "\(url)")
    }

    /// A lease renewed every third of its length must leave a request written ahead just before a missed renewal the time
    /// to end: two thirds of the lease hold the request's deadline, or the config is refused.
    @Test func aLeaseARequestCannotEndWithinIsRefused() throws {
        func destination(lease: String, timeout: String) -> String {
            good + "\n    timeoutSeconds: \(timeout)\n    leaseSeconds: \(lease)\n"
        }
        let refused = message(destination(lease: "10", timeout: "30"))
        #expect(refused.hasPrefix("c.yaml:13: destinations.main.leaseSeconds"), "\(refused)")
        #expect(refused.contains("at least 1.5 × timeoutSeconds (45 here)"), "\(refused)")
        #expect(message(destination(lease: "14", timeout: "10")).contains("(15 here)"))
        #expect(try load(destination(lease: "15", timeout: "10"))[0].limits.leaseMillis == 15_000)
        #expect(try load(destination(lease: "2", timeout: "1"))[0].limits.timeoutMillis == 1_000, "the crash test's")
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
