import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyQueueSQLite
import JourneyWorker
import NIOHTTP1
import Testing

/// The events feed and the webhook endpoints through the HTTP API.
@Suite(.timeLimit(.minutes(12))) struct EventAPITests {
    static let hook = WebhookConfig(
        name: "crm", url: "https://crm.example.com/in?token=secret-in-the-url",
        signer: try! WebhookSigner(secret: Secret("a signing secret of enough bytes")))

    /// Settles `keys` confirmed (and "dead-…" keys dead) through the store.
    func settle(_ server: ServerHarness, _ keys: [String]) async throws {
        _ = try await server.store.enqueue(destination: "main") { sink in
            for key in keys { sink.add(ContactRecord(key: key, data: [Field("n", .number("1"))])) }
        }
        let batch = try #require(try await server.store.claim(destination: "main", limit: keys.count, leaseMillis: 60_000))
        _ = try await server.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "x", requestBody: "", startedAt: 0))
        try await server.store.settle(
            batch.lease, result: nil,
            outcomes: batch.contacts.map {
                Settlement(contactID: $0.id, outcome: $0.key.hasPrefix("dead") ? .dead(reason: "bad email", ambiguous: false) : .confirmed)
            })
    }

    @Test func theFeedPagesThroughEveryEventOnceWhileVerdictsArrive() async throws {
        try await ServerHarness.with { server in
            try await settle(server, (0..<5).map { "a\($0)" })
            var keys: [String] = []
            var after: String?
            var round = 0
            while true {
                let page = try await server.send(.GET, "/v1/events?limit=2" + (after.map { "&after=\($0)" } ?? ""), key: "read")
                #expect(page.status == 200)
                let events = page.object["events"] as? [[String: Any]] ?? []
                keys += events.compactMap { $0["contactKey"] as? String }
                after = page.object["next"] as? String ?? after
                round += 1
                // Verdicts keep arriving between pages.
                if round == 2 { try await settle(server, ["b0", "dead-b1", "b2"]) }
                if events.isEmpty && round > 2 { break }
            }
            #expect(
                keys.count == 8 && Array(keys.prefix(5)) == ["a0", "a1", "a2", "a3", "a4"]
                    && Set(keys.suffix(3)) == ["b0", "dead-b1", "b2"],
                "every event once, in the order of their transactions: \(keys)")
            let dead = try await server.send(.GET, "/v1/events?type=contact.dead", key: "read")
            #expect((dead.object["events"] as? [[String: Any]])?.map { $0["contactKey"] as? String } == ["dead-b1"])
            #expect((dead.object["events"] as? [[String: Any]])?.first?["reason"] as? String == "bad email")
            let again = try await server.send(.GET, "/v1/events?after=\(after ?? "")", key: "read")
            #expect(again.object["next"] as? String == after, "an empty page keeps the cursor")
            #expect(try await server.send(.GET, "/v1/events?after=x", key: "read").status == 400)
            #expect(try await server.send(.GET, "/v1/events?type=contact.entered", key: "read").status == 400)
            #expect(try await server.send(.GET, "/v1/events", key: "ingest").status == 403)
        }
    }

    @Test func webhookEndpointsAreListedAndRedeliveredByAnOperator() async throws {
        try await ServerHarness.with(notify: [Self.hook]) { server in
            try await server.store.ensureWebhooks(["crm"])
            try await settle(server, ["w1", "w2"])
            let list = try await server.send(.GET, "/v1/webhooks", key: "read")
            #expect(list.status == 200)
            let crm = try #require(list.array.first)
            #expect(crm["name"] as? String == "crm" && crm["status"] as? String == "delivering" && crm["undelivered"] as? Int == 2)
            #expect(
                crm["url"] as? String == "https://crm.example.com" && !list.text.contains("secret-in-the-url"),
                "only the URL's origin is shown")
            // Parked after failing for longer than parkAfter.
            let batch = try #require(
                try await server.store.claimWebhookBatch(endpoint: "crm", owner: "w", filter: .all, limit: 10, leaseMillis: 60_000))
            _ = try await server.store.webhookFailed(batch, owner: "w", error: "HTTP 500", nextAttemptAt: 0, parkAfterMillis: 0)
            #expect(try await server.send(.GET, "/v1/webhooks", key: "read").array.first?["status"] as? String == "parked")
            #expect(try await server.send(.POST, "/v1/webhooks/crm/redeliver", key: "read").status == 403)
            let redelivered = try await server.send(.POST, "/v1/webhooks/crm/redeliver", key: "operate")
            #expect(
                redelivered.status == 200 && redelivered.object["wasParked"] as? Bool == true
                    && redelivered.object["undelivered"] as? Int == 2)
            #expect(try await server.send(.GET, "/v1/webhooks", key: "read").array.first?["status"] as? String == "delivering")
            #expect(try await server.send(.POST, "/v1/webhooks/nobody/redeliver", key: "operate").status == 404)
            let metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.text.contains("journeyq_webhook_undelivered_events{endpoint=\"crm\"} 2"))
            #expect(metrics.text.contains("journeyq_webhook_parked{endpoint=\"crm\"} 0"))
        }
    }
}

/// `journeyq events` and `journeyq webhooks` as a person runs them.
@Suite(.timeLimit(.minutes(12))) struct EventCLITests {
    @Test func eventsPrintTheOutboxAndWebhooksAreRedeliveredAndRetiredByName() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let input = try scratch.write("in.ndjson", "{\"contactKey\":\"a\",\"data\":{}}\n")
        #expect(try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "main", input]).status == 0)
        #expect(try await JourneyqProcess.run(["pause", "--db", db, "--destination", "main", "--reason", "campaign on hold"]).status == 0)
        #expect(try await JourneyqProcess.run(["resume", "--db", db, "--destination", "main"]).status == 0)
        let all = try await JourneyqProcess.run(["events", "--db", db])
        let lines = all.stdout.split(separator: "\n").map(String.init)
        #expect(all.status == 0 && lines.count == 2, "\(all.stdout)\(all.stderr)")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(
            first["type"] as? String == "destination.paused" && first["reason"] as? String == "campaign on hold"
                && first["cause"] as? String == "operator")
        let after = try await JourneyqProcess.run(["events", "--db", db, "--after", try #require(first["id"] as? String)])
        #expect(after.stdout.split(separator: "\n").count == 1 && after.stdout.contains("destination.resumed"))
        #expect(try await JourneyqProcess.run(["events", "--db", db, "--type", "contact.dead"]).stdout.isEmpty)
        #expect(try await JourneyqProcess.run(["events", "--db", db, "--after", "x"]).status != 0)

        // An endpoint registered by a worker, then parked, redelivered and retired from the command line.
        let store = try SQLiteQueueStore(path: db)
        try await store.ensureWebhooks(["crm"])
        try await store.setPause(destination: "main", paused: true, until: nil, reason: "again")
        let batch = try #require(
            try await store.claimWebhookBatch(endpoint: "crm", owner: "w", filter: .all, limit: 10, leaseMillis: 60_000))
        _ = try await store.webhookFailed(batch, owner: "w", error: "HTTP 500", nextAttemptAt: 0, parkAfterMillis: 0)
        let listed = try await JourneyqProcess.run(["webhooks", "--db", db])
        #expect(
            listed.stdout.contains("crm: parked") && listed.stdout.contains("HTTP 500") && listed.stdout.contains("--redeliver crm"),
            "\(listed.stdout)")
        let redelivered = try await JourneyqProcess.run(["webhooks", "--db", db, "--redeliver", "crm"])
        #expect(redelivered.status == 0 && redelivered.stdout.contains("1 events due now"), "\(redelivered.stdout)")
        #expect(try await store.webhookStates(filters: [:]).first?.status == "delivering")
        let retired = try await JourneyqProcess.run(["webhooks", "--db", db, "--retire", "crm"])
        let afterRetire = try await store.webhookStates(filters: [:]).first
        #expect(retired.status == 0 && afterRetire?.retiredAt != nil)
        let unknown = try await JourneyqProcess.run(["webhooks", "--db", db, "--redeliver", "nobody"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no webhook endpoint named 'nobody'"))
    }
}
