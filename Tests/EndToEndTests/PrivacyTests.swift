import Foundation
import JourneyQueue
import Testing

/// Erasure and the audit log through the API and the CLI: who may erase, what the answer says, what the log keeps.
@Suite(.timeLimit(.minutes(12))) struct PrivacyTests {
    @Test func theAPIErasesForOperatorsAndTheAuditLogKeepsWhoDidWhat() async throws {
        try await ServerHarness.with { server in
            let ingest = try await server.send(
                .POST, "/v1/destinations/main/contacts", key: "ingest",
                body: "{\"contactKey\":\"ada\",\"data\":{\"email\":\"ada@example.org\"}}\n", contentType: "application/x-ndjson")
            #expect(ingest.status == 202)
            #expect(try await server.send(.DELETE, "/v1/contacts/ada", key: "read").status == 403, "reading is not erasing")
            let erased = try await server.send(.DELETE, "/v1/contacts/ada", key: "operate")
            #expect(erased.status == 200, "\(erased.text)")
            #expect(
                erased.object["withdrawn"] as? Int == 1 && erased.object["contact"] as? String == ContactErasure.keyDigest("ada"),
                "\(erased.text)")
            #expect(try await server.send(.DELETE, "/v1/contacts/nobody", key: "operate").status == 404)
            let timeline = try await server.send(.GET, "/v1/contacts/ada", key: "read")
            let contact = try #require(timeline.array.first?["contact"] as? [String: Any])
            #expect(
                contact["dataJSON"] as? String == "{}" && contact["erasedAt"] != nil
                    && contact["deadReason"] as? String == "erased on request",
                "\(timeline.text)")
            #expect(
                try await server.send(
                    .POST, "/v1/destinations/main/pause", key: "operate", body: "{\"reason\":\"vendor maintenance\"}",
                    contentType: "application/json"
                ).status == 200)
            #expect(try await server.send(.POST, "/v1/destinations/main/resume", key: "operate").status == 200)
            #expect(try await server.send(.POST, "/v1/destinations/main/redrive", key: "operate").status == 200)
            #expect(try await server.send(.GET, "/v1/audit", key: "read").status == 403)
            let audit = try await server.send(.GET, "/v1/audit", key: "operate")
            let entries = try #require(audit.object["entries"] as? [[String: Any]])
            // A request to erase a key the queue does not hold is recorded too: it was asked, and answered.
            #expect(entries.map { $0["action"] as? String } == ["forget", "forget", "pause", "resume", "redrive"], "\(audit.text)")
            #expect(entries.allSatisfy { $0["actor"] as? String == "operate" }, "the key's name: \(audit.text)")
            #expect(
                entries[0]["target"] as? String == ContactErasure.keyDigest("ada") && !audit.text.contains("ada@example.org"),
                "\(audit.text)")
            #expect((entries[2]["detail"] as? String)?.contains("vendor maintenance") == true)
            let page = try await server.send(.GET, "/v1/audit?limit=2", key: "operate")
            #expect((page.object["entries"] as? [Any])?.count == 2 && page.object["next"] as? Int != nil, "\(page.text)")
            // Text with a NUL names nothing (PostgreSQL cannot even hold it): no contact, no destination, never a 500.
            #expect(try await server.send(.DELETE, "/v1/contacts/ad%00a", key: "operate").status == 404)
            let events = try await server.send(.GET, "/v1/events?destination=ma%00in", key: "read")
            #expect(events.status == 200 && (events.object["events"] as? [Any])?.isEmpty == true, "\(events.text)")
        }
    }

    /// Path parameters arrive percent-encoded (the dashboard encodes every key): a key with a space or a letter outside
    /// ASCII is found, shown and erased like any other.
    @Test func aKeyThatNeedsEncodingInAPathIsFoundAndErased() async throws {
        try await ServerHarness.with { server in
            let key = "Åsa Öberg/1"
            let ingest = try await server.send(
                .POST, "/v1/destinations/main/contacts", key: "ingest",
                body: "{\"contactKey\":\"\(key)\",\"data\":{\"email\":\"asa@example.org\"}}\n", contentType: "application/x-ndjson")
            #expect(ingest.status == 202, "\(ingest.text)")
            let encoded = try #require(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let found = try await server.send(.GET, "/v1/contacts/\(encoded)", key: "read")
            #expect(found.status == 200 && found.text.contains("asa@example.org"), "\(found.status) \(found.text)")
            let erased = try await server.send(.DELETE, "/v1/contacts/\(encoded)", key: "operate")
            #expect(erased.status == 200 && erased.object["contacts"] as? Int == 1, "\(erased.text)")
            #expect(
                try await server.send(.GET, "/v1/destinations/m%61in", key: "read").status == 200, "a destination's name is decoded too")
        }
    }

    @Test func theCLIForgetsAndAuditsAsTheUserWhoRanIt() async throws {
        let scratch = try Scratch()
        let db = scratch.path("q.sqlite")
        let file = try scratch.write("a.ndjson", "{\"contactKey\":\"ada\",\"data\":{\"email\":\"ada@example.org\"}}\n")
        #expect(try await JourneyqProcess.run(["enqueue", "--db", db, "--destination", "main", file]).status == 0)
        let forget = try await JourneyqProcess.run(["forget", "--db", db, "ada", "nobody"])
        #expect(
            forget.status != 0 && forget.stdout.contains("erased ada: 1 record(s)")
                && forget.stderr.contains("no contact with the key(s) nobody"),
            "\(forget.stdout) \(forget.stderr)")
        let show = try await JourneyqProcess.run(["show", "--db", db, "ada"])
        #expect(show.stdout.contains("data erased on request at") && !show.stdout.contains("ada@example.org"), "\(show.stdout)")
        #expect(try await JourneyqProcess.run(["pause", "--db", db, "--destination", "main"]).status == 0)
        let audit = try await JourneyqProcess.run(["audit", "--db", db, "--json"])
        let lines = audit.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.map { $0["action"] as? String } == ["forget", "forget", "pause"], "\(audit.stdout)")
        #expect(lines.allSatisfy { ($0["actor"] as? String)?.hasPrefix("cli:") == true }, "\(audit.stdout)")
        #expect(!audit.stdout.contains("\"ada\""), "the key itself is not kept: \(audit.stdout)")
    }
}
