import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyQueueSQLite
import JourneyWorker
import Logging
import NIOCore
import NIOFoundationCompat
import Testing

/// Webhooks from the outbox to a real receiver process (`scripts/webhook-receiver`, which checks every signature as the
/// Standard Webhooks specification says, written apart from journeyq's signer), over loopback HTTP, with time driven by
/// a manual clock.
@Suite(.serialized, .timeLimit(.minutes(12))) struct WebhookTests {
    static let secret = "whsec_" + Data((0..<32).map { UInt8($0 * 7 % 256) }).base64EncodedString()
    static let receiverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("scripts/webhook-receiver").path

    /// A receiver process and what it has taken.
    final class Receiver {
        let process: BackgroundProcess
        let port: Int
        let log: String

        init(_ scratch: Scratch, status: Int) async throws {
            log = scratch.path("received.jsonl")
            // Timestamps come from the test's manual clock, years from now: the receiver does not check their age.
            process = try BackgroundProcess(
                executable: "/usr/bin/env",
                [
                    "python3", WebhookTests.receiverScript, "--port", "0", "--secret-env", "HOOK_SECRET",
                    "--log", log, "--status", "\(status)", "--tolerance", "0",
                ],
                environment: ["HOOK_SECRET": WebhookTests.secret], scratch: scratch, name: "receiver")
            let process = self.process
            try await waitFor(seconds: 120) { process.stdout.contains("listening on") }
            guard
                let range = process.stdout.range(of: #"\d+$"#, options: .regularExpression, range: nil)
                    ?? process.stdout.range(of: #"\d+"#, options: .regularExpression),
                let port = Int(process.stdout[range].trimmingCharacters(in: .whitespacesAndNewlines))
            else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "receiver did not start: \(process.stderr)"])
            }
            self.port = port
        }

        /// Each message it took: its webhook-id and its events' contact keys.
        func messages() throws -> [(id: String, keys: [String])] {
            guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
            return try text.split(separator: "\n").map { line in
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return (object["id"] as? String ?? "", (object["keys"] as? [Any] ?? []).compactMap { $0 as? String })
            }
        }

        func stats(_ client: HTTPClient) async throws -> [String: Int] {
            let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/_stats"), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 16)
            return try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Int])
        }

        func answer(_ status: Int, _ client: HTTPClient) async throws {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/_control/status")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: "\(status)"))
            _ = try await client.execute(request, timeout: .seconds(10))
        }
    }

    /// A queue on a real SQLite file with `keys` settled as confirmed, and a webhook endpoint "crm" registered before.
    func queue(_ scratch: Scratch, clock: ManualClock, keys: [String]) async throws -> SQLiteQueueStore {
        let store = try SQLiteQueueStore(path: scratch.path("q.sqlite"), clock: clock)
        try await store.ensureWebhooks(["crm"])
        _ = try await store.enqueue(destination: "main") { sink in
            for key in keys { sink.add(ContactRecord(key: key, data: [Field("n", .number("1"))])) }
        }
        let batch = try #require(try await store.claim(destination: "main", limit: keys.count, leaseMillis: 60_000))
        _ = try await store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "x", requestBody: "", startedAt: 0))
        try await store.settle(batch.lease, result: nil, outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        return store
    }

    func service(_ store: SQLiteQueueStore, port: Int, clock: ManualClock, client: HTTPClient, owner: String) throws -> WebhookService {
        let config = WebhookConfig(
            name: "crm", url: "http://127.0.0.1:\(port)/hooks", signer: try WebhookSigner(secret: Secret(Self.secret)),
            timeoutMillis: 5_000, maxBackoffMillis: 120_000, parkAfterMillis: 600_000)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return WebhookService(config: config, store: store, client: client, clock: clock, logger: logger, owner: owner)
    }

    @Test func aReceiverAnswering500ForTenMinutesEndsParkedThenTakesEverythingOnRedelivery() async throws {
        let scratch = try Scratch()
        let clock = ManualClock()
        let store = try await queue(scratch, clock: clock, keys: ["a", "b", "c"])
        let receiver = try await Receiver(scratch, status: 500)
        let client = HTTPClient.shared
        let webhooks = try service(store, port: receiver.port, clock: clock, client: client, owner: "w")
        let start = clock.nowMillis()
        var steps: [WebhookService.Step] = []
        while steps.count < 100 {
            let step = await webhooks.step()
            steps.append(step)
            if case .parked = step { break }
            #expect(step == .failed("HTTP 500"))
            // The next try is due at the backoff the store holds: time goes straight there.
            let state = try #require(try await store.webhookStates(filters: [:]).first)
            clock.set(state.nextAttemptAt)
        }
        #expect(steps.last == .parked("HTTP 500"))
        #expect(clock.nowMillis() - start >= 600_000, "parked only once it failed for parkAfter (10 minutes)")
        #expect(steps.count >= 5 && steps.count <= 15, "a capped, doubling backoff: \(steps.count) tries in 10 minutes")
        #expect(try await receiver.stats(client)["messages"] == 0)
        let parked = try #require(try await store.webhookStates(filters: [:]).first)
        #expect(parked.status == "parked" && parked.undelivered == 3)

        clock.advance(by: 3_600_000)
        #expect(await webhooks.step() == .idle, "a parked endpoint gets nothing until an operator redelivers")
        try await receiver.answer(204, client)
        #expect(try await store.redeliverWebhook(endpoint: "crm")?.parkedAt != nil)
        #expect(await webhooks.step() == .delivered(events: 3))
        let messages = try receiver.messages()
        #expect(messages.count == 1 && messages.first?.keys.sorted() == ["a", "b", "c"])
        #expect(try await receiver.stats(client)["badSignatures"] == 0, "every try was signed as the specification says")
        let state = try #require(try await store.webhookStates(filters: [:]).first)
        #expect(state.status == "delivering" && state.undelivered == 0 && state.delivered == 3)
    }

    @Test func aBatchSentByAWorkerThatDiedIsSentAgainWithTheSameIdAndEvents() async throws {
        let scratch = try Scratch()
        let clock = ManualClock()
        let store = try await queue(scratch, clock: clock, keys: ["x", "y"])
        let receiver = try await Receiver(scratch, status: 204)
        let client = HTTPClient.shared
        // The first worker posts and dies before it records the delivery.
        let batch = try #require(
            try await store.claimWebhookBatch(endpoint: "crm", owner: "dead", filter: .all, limit: 100, leaseMillis: 10_000))
        let dying = try service(store, port: receiver.port, clock: clock, client: client, owner: "dead")
        #expect(await dying.post(batch) == nil)
        let survivor = try service(store, port: receiver.port, clock: clock, client: client, owner: "alive")
        #expect(await survivor.step() == .idle, "the batch is the dead worker's until its lease ends")
        clock.advance(by: 10_001)
        #expect(await survivor.step() == .delivered(events: 2))
        let messages = try receiver.messages()
        #expect(
            messages.count == 2 && messages[0].id == messages[1].id && messages[0].keys == messages[1].keys,
            "at least once, and a re-delivery is the same message: \(messages)")
        #expect(await survivor.step() == .idle, "delivered: nothing more")
    }

    @Test func aRedirectIsAFailureNotFollowed() async throws {
        let scratch = try Scratch()
        let clock = ManualClock()
        let store = try await queue(scratch, clock: clock, keys: ["r"])
        let receiver = try await Receiver(scratch, status: 307)
        let client = HTTPClient.shared
        let webhooks = try service(store, port: receiver.port, clock: clock, client: client, owner: "w")
        guard case .failed(let why) = await webhooks.step() else { Issue.record("a redirect delivered"); return }
        #expect(why.contains("307") && why.contains("no redirect"))
    }
}
