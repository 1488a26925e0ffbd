import Foundation
import JourneyDestinations
import JourneyQueue
import Testing

@testable import JourneyWorker

/// `notify:` in the config, and the Standard Webhooks signature.
@Suite struct NotifyConfigTests {
    let destinations = """
        destinations:
          main:
            kind: sfmc-async-events
            authURL: https://abc.auth.marketingcloudapis.com
            restURL: https://abc.rest.marketingcloudapis.com/
            clientId: id
            clientSecretEnv: SFMC_SECRET
            eventDefinitionKey: APIEvent-1
        """
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let environment = ["SFMC_SECRET": "s3cret", "HOOK_SECRET": NotifyConfigTests.secret]

    func load(_ notify: String) throws -> [WebhookConfig] {
        try ConfigLoader(file: "c.yaml", environment: environment).loadAll(text: destinations + "\n" + notify).notify
    }

    func message(_ notify: String) -> String {
        do {
            _ = try load(notify)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsEndpointsWithDefaults() throws {
        let hooks = try load(
            """
            notify:
              - url: https://crm.example.com/hooks/journeyq?token=abc
                secretEnv: HOOK_SECRET
              - name: warehouse
                url: https://wh.example.com/in
                secretEnv: HOOK_SECRET
                events: [contact.dead, contact.expired]
                destinations: [main]
                batchSize: 50
                timeout: 5s
                maxBackoff: 1m
                parkAfter: 10m
            """)
        #expect(hooks.map(\.name) == ["crm.example.com", "warehouse"])
        #expect(
            hooks[0].filter == .all && hooks[0].batchSize == 1_000 && hooks[0].parkAfterMillis == 3_600_000
                && hooks[0].maxBackoffMillis == 300_000)
        #expect(hooks[1].filter == EventFilter(types: [.contactDead, .contactExpired], destinations: ["main"]))
        #expect(
            hooks[1].batchSize == 50 && hooks[1].timeoutMillis == 5_000 && hooks[1].maxBackoffMillis == 60_000
                && hooks[1].parkAfterMillis == 600_000)
        #expect(try load("").isEmpty)
    }

    @Test func refusesMistakesNamingLineAndKey() {
        let cases: [(String, String)] = [
            (
                "notify:\n  - url: https://a.example.com\n    secretEnv: HOOK_SECRET\n    events: [contact.entered]",
                "c.yaml:12: notify[0].events"
            ),
            (
                "notify:\n  - url: https://a.example.com\n    secretEnv: HOOK_SECRET\n    destinations: [other]",
                "c.yaml:12: notify[0].destinations"
            ),
            ("notify:\n  - url: http://a.example.com\n    secretEnv: HOOK_SECRET", "c.yaml:10: notify[0].url"),
            ("notify:\n  - url: https://a.example.com\n    secretEnv: NOT_SET", "c.yaml:11: notify[0].secretEnv"),
            ("notify:\n  - url: https://a.example.com\n    secret: short", "c.yaml:11: notify[0].secret"),
            (
                "notify:\n  - url: https://a.example.com\n    secretEnv: HOOK_SECRET\n"
                    + "  - url: https://a.example.com/2\n    secretEnv: HOOK_SECRET",
                "notify[1].name"
            ),
            ("notify:\n  - url: https://a.example.com\n    secretEnv: HOOK_SECRET\n    parkAfter: 5s", "c.yaml:12: notify[0].parkAfter"),
            ("notify:\n  - url: https://a.example.com\n    secretEnv: HOOK_SECRET\n    batchSize: 5000", "c.yaml:12: notify[0].batchSize"),
            ("notify:\n  - url: https://a.example.com\n    secretEnv: HOOK_SECRET\n    retries: 3", "c.yaml:12: notify[0].retries"),
            ("notify: https://a.example.com", "notify"),
        ]
        for (text, expected) in cases {
            let error = message(text)
            #expect(error.contains(expected), "\(text) → \(error)")
            #expect(!error.contains("MfKQ9r8"), "a secret never appears in an error")
        }
    }

    /// The example of the Standard Webhooks specification: secret, id, timestamp, payload and signature.
    @Test func signsAsTheStandardWebhooksSpecificationsExample() throws {
        let signer = try WebhookSigner(secret: Secret(Self.secret))
        let signature = signer.signature(
            messageID: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(throws: WebhookSigner.BadSecret.self) { try WebhookSigner(secret: Secret("whsec_c2hvcnQ=")) }
    }

    @Test func aMessageIsTheSameOnEveryTryAndItsEventsAreJSON() throws {
        let event = QueueEvent(
            position: EventPosition(tx: 7, id: 42), type: .contactDead, destination: "main", at: 1_700_000_000_000, contactKey: "k\"1",
            state: .dead, reason: "bad email", attempts: 2)
        let batch = WebhookBatch(
            endpoint: "crm", messageID: "msg_1", events: [event], from: .start, to: event.position, attempt: 3, since: 1_700_000_000_000)
        let body = WebhookMessage.body(batch)
        #expect(
            body
                == WebhookMessage.body(
                    WebhookBatch(
                        endpoint: "crm", messageID: "msg_1", events: [event], from: .start, to: event.position, attempt: 9,
                        since: 1_700_000_000_000)))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(object["type"] as? String == "journeyq.events")
        let events = try #require((object["data"] as? [String: Any])?["events"] as? [[String: Any]])
        #expect(
            events.first?["id"] as? String == "7.42" && events.first?["contactKey"] as? String == "k\"1"
                && events.first?["reason"] as? String == "bad email")
        #expect(EventPosition(text: "7.42") == EventPosition(tx: 7, id: 42) && EventPosition(text: "42") == EventPosition(id: 42))
        #expect(EventPosition(text: "x") == nil && EventPosition(text: "1.2.3") == nil && EventPosition(text: "-1") == nil)
        #expect(Set((0..<100).map { _ in WebhookBatch.newMessageID() }).count == 100, "every batch an id of its own")
        #expect(
            EventFilter(typesJSON: EventFilter(types: [.contactDead]).typesJSON, destinationsJSON: "[\"main\"]")
                == EventFilter(types: [.contactDead], destinations: ["main"]), "a batch's filter as the store keeps it")
        #expect(!"\(try WebhookSigner(secret: Secret(Self.secret)))".contains("MfKQ"))
    }
}
