import AsyncHTTPClient
import Foundation
import Testing

/// OpenTelemetry traces to a real OTLP/HTTP receiver process (`scripts/otlp-receiver`, written from the OTLP
/// specification): one trace per batch with its claim, write-ahead, request and settle, one per reconciliation with its
/// look, the ledger keeping each request's trace id, and no contact data or secret in any attribute.
@Suite(.timeLimit(.minutes(12))) struct TracingTests {
    static let receiverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("scripts/otlp-receiver").path

    struct Span {
        let traceID, spanID, parentID, name: String
        let kind: Int
        let attributes: [String: Any]
    }

    func spans(_ log: String) throws -> [Span] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return Span(
                traceID: object["traceId"] as? String ?? "", spanID: object["spanId"] as? String ?? "",
                parentID: object["parentSpanId"] as? String ?? "", name: object["name"] as? String ?? "",
                kind: object["kind"] as? Int ?? 0, attributes: object["attributes"] as? [String: Any] ?? [:])
        }
    }

    @Test func eachBatchIsATraceAndTheLedgerLeadsToIt() async throws {
        let scratch = try Scratch()
        let log = scratch.path("spans.jsonl")
        let receiver = try BackgroundProcess(
            executable: "/usr/bin/env", ["python3", Self.receiverScript, "--port", "0", "--log", log],
            scratch: scratch, name: "otlp")
        try await waitFor(seconds: 120) { receiver.stdout.contains("listening on") }
        let port = try #require(receiver.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let (simulator, db, config) = try await asyncQueue(scratch, contacts: 40, prefix: "traced-contact-", simulator: ["--seed", "7"]) {
            config in
            config.set(
                section: "tracing", ["endpoint": "http://127.0.0.1:\(port)", "protocol": "http/json", "serviceName": "journeyq-test"])
        }
        defer { simulator.signal(SIGKILL); receiver.signal(SIGKILL) }
        let work = try await JourneyqProcess.run(["work", "--db", db, "--config", config, "--until-drained", "--log-level", "warning"])
        #expect(work.status == 0, "\(work.stderr)")
        // The exporter sends what is left when the daemon stops: the spans are in before `work` exits.
        let all = try spans(log)
        let byTrace = Dictionary(grouping: all, by: \.traceID)

        let batches = all.filter { $0.name == "journeyq.batch" }
        #expect(!batches.isEmpty)
        for root in batches {
            #expect(root.parentID.isEmpty, "a batch is a trace of its own")
            #expect(root.attributes["journeyq.destination"] as? String == "sfmc-async-events")
            let children = byTrace[root.traceID] ?? []
            for name in ["claim", "write-ahead", "settle"] {
                #expect(children.contains { $0.name == name && $0.parentID == root.spanID }, "batch trace lacks \(name)")
            }
            // The request: an HTTP client span (kind 3) under the batch, with the standard attributes and no path.
            let request = try #require(children.first { $0.kind == 3 && $0.attributes["journeyq.request.purpose"] as? String == "submit" })
            #expect(request.name == "POST")
            #expect(request.attributes["http.request.method"] as? String == "POST")
            #expect(request.attributes["server.address"] as? String == "127.0.0.1")
            #expect(request.attributes["http.response.status_code"] != nil || request.attributes["error.type"] != nil)
            #expect(request.attributes["url.full"] == nil && request.attributes["url.path"] == nil)
        }
        let reconciles = all.filter { $0.name == "journeyq.reconcile" }
        #expect(!reconciles.isEmpty)
        #expect(reconciles.contains { root in (byTrace[root.traceID] ?? []).contains { $0.name == "look" && $0.parentID == root.spanID } })
        #expect(all.contains { $0.kind == 3 && $0.attributes["journeyq.request.purpose"] as? String == "reconcile" })

        // API requests are traced too, named by their route: the key in the path stays out of the span.
        let serve = try BackgroundProcess(
            ["serve", "--db", db, "--config", config, "--no-workers", "--listen", "127.0.0.1:0", "--log-level", "warning"],
            scratch: scratch, name: "serve")
        try await waitFor(seconds: 120) { serve.stdout.contains("serving on") }
        let address = try #require(
            serve.stdout.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression).map { String(serve.stdout[$0]) })
        _ = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: address + "/v1/contacts/traced-contact-3?q=traced-contact-"), timeout: .seconds(10))
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit(seconds: 120) == 0)
        let api = try #require(try spans(log).first { $0.kind == 2 && $0.attributes["http.route"] != nil })
        #expect(api.name.hasPrefix("HTTP GET /v1/contacts/"), "\(api.name)")
        #expect(api.attributes["http.response.status_code"] as? Int == 401)

        // No contact key and no secret anywhere in what left the process.
        let raw = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!raw.contains("traced-contact-"))
        let configText = try String(contentsOfFile: config, encoding: .utf8)
        for secret in configText.matches(of: /clientSecret: *"?([^"\n]+)"?/).map({ String($0.output.1) }) where secret.count >= 8 {
            #expect(!raw.contains(secret), "a client secret reached a span")
        }

        // The ledger keeps each traced request's trace id, and `show` prints it: a row leads to its spans.
        let show = try await JourneyqProcess.run(["show", "--db", db, "traced-contact-3", "--json"])
        let timeline = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [[String: Any]])
        let requests = timeline.flatMap { $0["requests"] as? [[String: Any]] ?? [] }
        let traced = requests.compactMap { $0["traceID"] as? String }
        #expect(!traced.isEmpty && traced.count == requests.count, "every request of a traced run carries its trace id")
        for id in traced { #expect(byTrace[id] != nil, "trace \(id) from the ledger was never received") }
        let text = try await JourneyqProcess.run(["show", "--db", db, "traced-contact-3"])
        #expect(text.stdout.contains("trace \(traced[0])"))
    }

    @Test func withoutTracingTheLedgerHoldsNoTraceID() async throws {
        let scratch = try Scratch()
        let (simulator, db, config) = try await asyncQueue(scratch, contacts: 5, prefix: "plain-", simulator: ["--seed", "7"])
        defer { simulator.signal(SIGKILL) }
        #expect(
            try await JourneyqProcess.run(["work", "--db", db, "--config", config, "--until-drained", "--log-level", "warning"]).status == 0
        )
        let show = try await JourneyqProcess.run(["show", "--db", db, "plain-1", "--json"])
        #expect(show.status == 0)
        #expect(!show.stdout.contains("traceID"))
    }
}
