import Foundation
import JourneyQueue
import JourneyServer
import NIOHTTP1
import Testing

/// `journeyq serve`'s API (issue 11): roles, ingest with the enqueue's rules, reads, operations, health, metrics.
@Suite(.timeLimit(.minutes(12))) struct ServerAPITests {
    static let ndjson = "application/x-ndjson"

    @Test func keysAndRolesAreEnforced() async throws {
        try await ServerHarness.with { server in
            #expect(try await server.send(.GET, "/v1/destinations").status == 401)
            #expect(try await server.send(.GET, "/v1/destinations", key: "not-a-key").status == 401)
            let forbidden = try await server.send(.GET, "/v1/destinations", key: "ingest")
            #expect(forbidden.status == 403)
            #expect(forbidden.headers["Content-Type"].first == "application/problem+json")
            #expect(forbidden.object["title"] as? String == "This key may not do that" && forbidden.object["status"] as? Int == 403)
            #expect(
                try await server.send(
                    .POST, "/v1/destinations/d/contacts", key: "read", body: "{\"contactKey\":\"a\"}\n", contentType: Self.ndjson
                ).status == 403)
            #expect(try await server.send(.POST, "/v1/destinations/d/pause", key: "read").status == 403)
            #expect(try await server.send(.GET, "/v1/destinations", key: "operate").status == 200, "operate includes read")
            #expect(try await server.send(.GET, "/healthz").status == 200)
            #expect(try await server.send(.GET, "/nowhere", key: "read").headers["Content-Type"].first == "application/problem+json")
        }
    }

    @Test func ingestFollowsEnqueuesRulesAndIsIdempotent() async throws {
        try await ServerHarness.with(maxBodyBytes: 4_096) { server in
            let body = "{\"contactKey\":\"a\",\"data\":{\"n\":1}}\n{\"id\":\"b\",\"properties\":{}}\n"
            var answer = try await server.send(
                .POST, "/v1/destinations/d/contacts", key: "ingest", body: body, contentType: Self.ndjson,
                headers: ["Idempotency-Key": "batch-1"])
            #expect(answer.status == 202, "\(answer.text)")
            #expect(answer.object["enqueued"] as? Int == 2 && answer.object["skipped"] as? Int == 0)
            // The retry answers the first result and enqueues nothing twice.
            answer = try await server.send(
                .POST, "/v1/destinations/d/contacts", key: "ingest", body: body, contentType: Self.ndjson,
                headers: ["Idempotency-Key": "batch-1"])
            #expect(answer.status == 202 && answer.headers["Idempotent-Replayed"].first == "true")
            #expect(answer.object["enqueued"] as? Int == 2)
            // The key reused for a different request is refused, and that request writes nothing.
            answer = try await server.send(
                .POST, "/v1/destinations/d/contacts", key: "ingest", body: body + "{\"contactKey\":\"z\"}\n",
                contentType: Self.ndjson, headers: ["Idempotency-Key": "batch-1"])
            #expect(answer.status == 422)
            #expect(try await server.store.counts().first?.counts[.queued] == 2)
            // A live contact is not enqueued twice.
            answer = try await server.send(
                .POST, "/v1/destinations/d/contacts", key: "ingest", body: "[{\"contactKey\":\"a\"},{\"contactKey\":\"c\"}]",
                contentType: "application/json")
            #expect(answer.object["enqueued"] as? Int == 1 && answer.object["skipped"] as? Int == 1)
            answer = try await server.send(
                .POST, "/v1/destinations/d/contacts?keyColumn=key", key: "ingest", body: "key,email\ne,e@x.se\n", contentType: "text/csv")
            #expect(answer.object["enqueued"] as? Int == 1, "\(answer.text)")
        }
    }

    @Test func badInputNamesEveryLineAndWritesNothing() async throws {
        try await ServerHarness.with(maxBodyBytes: 4_096) { server in
            let body = "{\"contactKey\":\"a\"}\n{\"contactKey\":\"\"}\nnot json\n{\"contactKey\":\"d\",\"data\":{\"x\":{}}}\n"
            let answer = try await server.send(.POST, "/v1/destinations/d/contacts", key: "ingest", body: body, contentType: Self.ndjson)
            #expect(answer.status == 400)
            #expect(answer.headers["Content-Type"].first == "application/problem+json")
            let errors = answer.object["errors"] as? [[String: Any]] ?? []
            #expect(errors.compactMap { $0["line"] as? Int } == [2, 3, 4])
            #expect(errors.contains { $0["line"] as? Int == 3 && $0["column"] as? Int == 1 })
            #expect(try await server.store.counts().first.map { $0.total } ?? 0 == 0, "nothing half written")
            let skipped = try await server.send(
                .POST, "/v1/destinations/d/contacts?skipInvalid=true", key: "ingest", body: body, contentType: Self.ndjson)
            #expect(skipped.status == 202 && skipped.object["enqueued"] as? Int == 1 && skipped.object["rejectedCount"] as? Int == 3)
            #expect((skipped.object["rejected"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [2, 3, 4])
            #expect(
                try await server.send(
                    .POST, "/v1/destinations/d/contacts", key: "ingest", body: String(repeating: "x", count: 5_000),
                    contentType: Self.ndjson
                ).status == 413)
            #expect(
                try await server.send(.POST, "/v1/destinations/d/contacts", key: "ingest", body: "a", contentType: "text/plain").status
                    == 415)
        }
    }

    @Test func readersSeeCountsTimelinesAndPagedDeadLetters() async throws {
        try await ServerHarness.with { server in
            _ = try await server.store.enqueue(destination: "d") { sink in
                for index in 0..<7 { sink.add(ContactRecord(key: "k\(index)", data: [])) }
            }
            let batch = try #require(try await server.store.claim(destination: "d", limit: 5, leaseMillis: 60_000))
            _ = try await server.store.beginAttempt(
                batch.lease,
                AttemptStart(
                    purpose: .submit, method: "POST", url: "x", requestBody: "{\"contactKey\":\"k0\"}",
                    startedAt: Int64(Date().timeIntervalSince1970 * 1000)))
            try await server.store.settle(
                batch.lease, result: nil,
                outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .dead(reason: "bad \($0.key)")) })
            let list = try await server.send(.GET, "/v1/destinations", key: "read")
            #expect(
                (list.array.first?["counts"] as? [String: Int]) == [
                    "queued": 2, "claimed": 0, "sending": 0, "accepted": 0, "unknown": 0,
                    "confirmed": 0, "unverifiable": 0, "dead": 5, "expired": 0,
                ])
            let detail = try await server.send(.GET, "/v1/destinations/d", key: "read")
            #expect(detail.status == 200 && (detail.object["report"] as? [String: Any])?["name"] as? String == "d")
            #expect(try await server.send(.GET, "/v1/destinations/nope", key: "read").status == 404)
            let contact = try await server.send(.GET, "/v1/contacts/k0", key: "read")
            let entries = try #require(contact.array.first?["timeline"] as? [[String: Any]])
            #expect(entries.count == 1)
            // Paged newest first: nothing is older than the one request.
            let older = try await server.send(.GET, "/v1/contacts/k0?limit=1&before=\(entries[0]["id"] as? Int ?? 0)", key: "read")
            #expect(older.status == 200 && (older.array.first?["timeline"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await server.send(.GET, "/v1/contacts/k0?limit=0", key: "read").status == 400)
            #expect(try await server.send(.GET, "/v1/contacts/k0?before=x", key: "read").status == 400)
            #expect(try await server.send(.GET, "/v1/contacts/nobody", key: "read").status == 404)
            let search = try await server.send(.GET, "/v1/contacts?q=k&prefix=true&limit=3", key: "read")
            #expect(search.array.compactMap { $0["key"] as? String } == ["k0", "k1", "k2"])
            var page = try await server.send(.GET, "/v1/destinations/d/dead?limit=2", key: "read")
            var seen = (page.object["items"] as? [[String: Any]] ?? []).compactMap { $0["contactKey"] as? String }
            while let next = page.object["next"] as? Int {
                page = try await server.send(.GET, "/v1/destinations/d/dead?limit=2&after=\(next)", key: "read")
                seen += (page.object["items"] as? [[String: Any]] ?? []).compactMap { $0["contactKey"] as? String }
            }
            #expect(seen == ["k0", "k1", "k2", "k3", "k4"])
            let filtered = try await server.send(.GET, "/v1/destinations/d/dead?reason=bad%20k3", key: "read")
            #expect((filtered.object["items"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func operatorsPauseResumeAndRedrive() async throws {
        try await ServerHarness.with { server in
            _ = try await server.store.enqueue(destination: "d") { sink in sink.add(ContactRecord(key: "a", data: [])) }
            let batch = try #require(try await server.store.claim(destination: "d", limit: 1, leaseMillis: 60_000))
            try await server.store.settle(
                batch.lease, result: nil, outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .dead(reason: "gone"))])
            var answer = try await server.send(
                .POST, "/v1/destinations/d/pause", key: "operate", body: "{\"reason\":\"campaign on hold\"}",
                contentType: "application/json")
            #expect(answer.status == 200 && answer.object["paused"] as? Bool == true, "\(answer.text)")
            #expect(try await server.store.counts().first?.pause?.reason == "campaign on hold")
            answer = try await server.send(
                .POST, "/v1/destinations/d/pause", key: "operate", body: "{\"until\":\"2000-01-01T00:00:00Z\"}",
                contentType: "application/json")
            #expect(answer.status == 200 && answer.object["paused"] as? Bool == false, "a pause that ended already holds nothing")
            answer = try await server.send(.POST, "/v1/destinations/d/resume", key: "operate")
            #expect(answer.object["paused"] as? Bool == false)
            #expect(try await server.store.counts().first?.pause == nil)
            answer = try await server.send(
                .POST, "/v1/destinations/d/redrive", key: "operate", body: "{\"reason\":\"gone\"}", contentType: "application/json")
            #expect(answer.object["queued"] as? Int == 1)
            #expect(try await server.store.counts().first?.counts[.queued] == 1)
            #expect(try await server.send(.POST, "/v1/destinations/nope/redrive", key: "operate").status == 404)
            #expect(
                try await server.send(.POST, "/v1/destinations/d/pause", key: "operate", body: "[", contentType: "application/json").status
                    == 400)
        }
    }

    @Test func expiredContactsAreShownCountedAndRedrivenWithANewNotAfter() async throws {
        try await ServerHarness.with { server in
            let answer = try await server.send(
                .POST, "/v1/destinations/d/contacts?notAfter=2000-01-01T00:00:00Z", key: "ingest",
                body: "{\"contactKey\":\"late\"}\n", contentType: "application/x-ndjson")
            #expect(answer.status == 202, "\(answer.text)")
            let batch = try #require(try await server.store.claim(destination: "d", limit: 1, leaseMillis: 60_000))
            #expect(batch.contacts.first?.notAfter == ISOTime.parse("2000-01-01T00:00:00Z"), "the ingest's notAfter reached the contact")
            try await server.store.prepareBatch(
                batch.lease, priorMembers: [],
                released: [
                    Settlement(
                        contactID: batch.contacts[0].id,
                        outcome: .expired(reason: "notAfter passed"))
                ],
                releaseCountsAsLook: false)
            let list = try await server.send(.GET, "/v1/destinations", key: "read")
            #expect((list.array.first?["counts"] as? [String: Int])?["expired"] == 1)
            let metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.text.contains(#"journeyq_contacts{destination="d",state="expired"} 1"#), "\(metrics.text.prefix(800))")
            #expect(metrics.text.contains(#"journeyq_contacts_waiting_for_window{destination="d"} 0"#))
            var redrive = try await server.send(
                .POST, "/v1/destinations/d/redrive", key: "operate", body: "{\"state\":\"expired\",\"notAfter\":\"soon\"}",
                contentType: "application/json")
            #expect(redrive.status == 400, "a notAfter that is not a moment is refused")
            redrive = try await server.send(
                .POST, "/v1/destinations/d/redrive", key: "operate", body: "{\"state\":\"gone\"}", contentType: "application/json")
            #expect(redrive.status == 400)
            redrive = try await server.send(
                .POST, "/v1/destinations/d/redrive", key: "operate",
                body: "{\"state\":\"expired\",\"notAfter\":\"2099-01-01T00:00:00+01:00\"}", contentType: "application/json")
            #expect(redrive.status == 200 && redrive.object["queued"] as? Int == 1, "\(redrive.text)")
            let timeline = try await server.send(.GET, "/v1/contacts/late", key: "read")
            #expect(timeline.text.contains(#""notAfter":4070905200000"#), "\(timeline.text.prefix(600))")
        }
    }

    @Test func aLookOutageShowsInTheListTheReportAndTheMetrics() async throws {
        try await ServerHarness.with { server in
            _ = try await server.store.enqueue(destination: "d") { sink in sink.add(ContactRecord(key: "a", data: [])) }
            var metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.text.contains(#"journeyq_look_circuit_open{destination="d"} 0"#), "\(metrics.text.prefix(600))")
            // A worker's gate found the look endpoints failing and opened their circuit.
            try await server.store.reportLookHealth(
                destination: "d",
                pause: DestinationPause(
                    until: Int64.max / 2, reason: "5 failures in a row, the last: HTTP 500",
                    since: 1_700_000_000_000, cause: .looks))
            let list = try await server.send(.GET, "/v1/destinations", key: "read")
            let looks = list.array.first?["looks"] as? [String: Any]
            #expect(looks?["reason"] as? String == "5 failures in a row, the last: HTTP 500", "\(list.text)")
            #expect(list.array.first?["paused"] as? Bool == false, "submissions go on while the looks wait")
            let detail = try await server.send(.GET, "/v1/destinations/d", key: "read")
            #expect(((detail.object["report"] as? [String: Any])?["lookOutage"] as? [String: Any])?["since"] as? Int == 1_700_000_000_000)
            metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.text.contains(#"journeyq_look_circuit_open{destination="d"} 1"#))
            try await server.store.reportLookHealth(destination: "d", pause: nil)
            #expect(try await server.send(.GET, "/v1/destinations", key: "read").array.first?["looks"] == nil)
            #expect(try await server.send(.GET, "/metrics").text.contains(#"journeyq_look_circuit_open{destination="d"} 0"#))
        }
    }

    @Test func healthMetricsAndTheDocument() async throws {
        try await ServerHarness.with { server in
            _ = try await server.store.enqueue(destination: "d") { sink in sink.add(ContactRecord(key: "a", data: [])) }
            #expect(try await server.send(.GET, "/readyz").object["status"] as? String == "ready")
            let metrics = try await server.send(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains(#"journeyq_contacts{destination="d",state="queued"} 1"#), "\(metrics.text.prefix(400))")
            #expect(
                metrics.text.contains("journeyq_database_bytes ") && metrics.text.contains("journeyq_wal_bytes "),
                "the file sizes are exported")
            #expect(metrics.text.contains(#"journeyq_destination_paused{destination="d"} 0"#))
            #expect(metrics.text.contains("journeyq_queue_oldest_age_seconds"))
            #expect(!metrics.text.contains("contact_key") && !metrics.text.contains("\"a\""), "never a contact key as a label")
            let document = try await server.send(.GET, "/openapi.json")
            let file = try String(
                contentsOfFile: #filePath.replacingOccurrences(of: "Tests/EndToEndTests/ServerAPITests.swift", with: "api/openapi.json"),
                encoding: .utf8)
            #expect(document.text == file, "the served document is the repository's (scripts/embed-openapi)")
            #expect((document.object["openapi"] as? String)?.hasPrefix("3.1") == true)
        }
        try await ServerHarness.with(metricsRequireKey: true) { (server: ServerHarness) async throws in
            #expect(try await server.send(.GET, "/metrics").status == 401)
            #expect(try await server.send(.GET, "/metrics", key: "read").status == 200)
        }
    }
}

/// The dashboard is served by journeyq itself, as the repository holds it, under a strict Content-Security-Policy.
@Suite(.timeLimit(.minutes(12))) struct DashboardAssetTests {
    @Test func thePageAndItsAssetsAreServedWithAStrictPolicy() async throws {
        try await ServerHarness.with { server in
            let root = #filePath.replacingOccurrences(of: "Tests/EndToEndTests/ServerAPITests.swift", with: "dashboard/")
            for (path, file, type) in [
                ("/", "index.html", "text/html"), ("/app.js", "app.js", "text/javascript"), ("/app.css", "app.css", "text/css"),
            ] {
                let answer = try await server.send(.GET, path)
                #expect(answer.status == 200)
                #expect(
                    answer.text == (try String(contentsOfFile: root + file, encoding: .utf8)),
                    "\(file) is served as the repository holds it (scripts/embed-dashboard)")
                #expect(answer.headers["Content-Type"].first?.hasPrefix(type) == true)
                let policy = answer.headers["Content-Security-Policy"].first ?? ""
                #expect(policy.contains("default-src 'self'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
                #expect(answer.headers["X-Content-Type-Options"].first == "nosniff")
            }
            let page = try await server.send(.GET, "/").text
            #expect(!page.contains("http://") && !page.contains("https://"), "no external asset")
            #expect(!page.contains("<script>") && !page.contains("onclick="), "no inline script")
            let script = try await server.send(.GET, "/app.js").text
            #expect(
                !script.contains("innerHTML") && !script.contains("insertAdjacentHTML") && !script.contains("document.write"),
                "data reaches the page as text only")
            #expect(!script.contains("localStorage"), "the key is kept for the tab only")
        }
    }
}
