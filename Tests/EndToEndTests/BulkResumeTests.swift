import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import NIOCore
import NIOHTTP1
import Testing

/// A worker killed mid-job leaves a Bulk job behind: the next worker reads it if it finished, aborts and re-sends if
/// it was still open, and never creates a second job for contacts the first one took.
@Suite(.timeLimit(.minutes(12))) struct BulkResumeTests {
    func send(_ method: HTTPMethod, _ url: String, token: String?, body: String?, contentType: String = "application/json") async throws
        -> [String: Any]
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Content-Type", value: contentType)
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:]
    }

    /// Claims `keys` as a dead worker would have, creates their job and uploads them; closes the job only if `close`.
    func leaveJobBehind(_ harness: WorkerHarness, keys: [String], close: Bool) async throws -> String {
        let batch = try #require(
            try await harness.store.claim(destination: "salesforce-bulk-ingest", limit: keys.count, leaseMillis: deadWorkerLeaseMillis))
        #expect(Set(batch.contacts.map(\.key)) == Set(keys))
        _ = try await underTestLease("write-ahead") {
            try await harness.store.beginAttempt(
                batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "jobs", requestBody: "", startedAt: 0))
        }
        let token =
            try await send(
                .POST, harness.base + "/services/oauth2/token", token: nil,
                body: "grant_type=client_credentials&client_id=sim-sf-client-id&client_secret=sim-sf-client-secret",
                contentType: "application/x-www-form-urlencoded")["access_token"] as! String
        let jobs = harness.base + "/services/data/v61.0/jobs/ingest"
        let job = try await send(
            .POST, jobs, token: token, body: #"{"object":"Contact","operation":"upsert","externalIdFieldName":"ContactKey__c"}"#)
        let id = job["id"] as! String
        try await underTestLease("attaching the job id") { try await harness.store.attachRemoteID(batch.lease, id) }
        _ = try await send(
            .PUT, "\(jobs)/\(id)/batches", token: token, body: "ContactKey__c,n\n" + keys.map { "\($0),1\n" }.joined(),
            contentType: "text/csv")
        if close { _ = try await send(.PATCH, "\(jobs)/\(id)", token: token, body: #"{"state":"UploadComplete"}"#) }
        return id
    }

    @Test func aJobLeftBehindIsReadOrAbortedNeverDoubled() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            let finished = (0..<20).map { "done\($0)" }, open = (0..<15).map { "open\($0)" }
            _ = try await harness.store.enqueue(destination: "salesforce-bulk-ingest") { sink in
                for key in finished { sink.add(ContactRecord(key: key, data: [Field("n", .number("1"))])) }
            }
            _ = try await harness.store.ensureDestination(name: "salesforce-bulk-ingest", kind: "salesforce-bulk-ingest", settleMillis: 200)
            let finishedJob = try await leaveJobBehind(harness, keys: finished, close: true)
            _ = try await harness.store.enqueue(destination: "salesforce-bulk-ingest") { sink in
                for key in open { sink.add(ContactRecord(key: key, data: [Field("n", .number("1"))])) }
            }
            let openJob = try await leaveJobBehind(harness, keys: open, close: false)
            harness.expireTestLeases()
            #expect(try await harness.store.recoverExpiredLeases().madeUnknown == 35)
            #expect(try await harness.counts("salesforce-bulk-ingest")[.unknown] == 35)

            try await harness.work(
                try harness.configs(
                    ["salesforce-bulk-ingest"],
                    configure: { config in
                        config.limits.timeoutMillis = 2_000
                        config.updateConnection(BulkIngestKind.Connection.self) { $0.pollMillis = 100 }
                        config.policy.settleMillis = 200
                    }))
            #expect(try await harness.counts("salesforce-bulk-ingest")[.confirmed] == 35)
            let truth = await harness.truth("salesforce-bulk-ingest")
            #expect(Set(truth.keys) == Set(finished + open))
            #expect(truth.values.allSatisfy { $0 == 1 }, "nobody ingested twice")
            let path = harness.store.path
            // The finished job was read, not re-sent: its contacts went into no new job.
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM contact WHERE request_id = '\(finishedJob)' AND state = 5") == 20
            )
            // The open job was aborted, and only its contacts were sent again, in one new job.
            #expect(
                try SQLiteInspection.int(
                    path: path,
                    "SELECT COUNT(*) FROM attempt_text WHERE method = 'PATCH' AND url LIKE '%\(openJob)' AND request_body LIKE '%Aborted%'")
                    == 1)
            // Contacts that failed together come back together: one new job, not one per contact's jitter.
            #expect(
                try SQLiteInspection.int(
                    path: path,
                    "SELECT COUNT(*) FROM attempt WHERE method = 'POST' AND purpose = 'submit' AND status = 200 "
                        + "AND url LIKE '%/jobs/ingest'"
                ) == 1)
            #expect(
                try SQLiteInspection.int(
                    path: path, "SELECT COUNT(*) FROM contact WHERE contact_key LIKE 'open%' AND request_id <> '\(openJob)' AND state = 5")
                    == 15)
        }
    }
}

/// Result files are streamed to disk and read whole, page after page (issue 10): nothing is concluded from part of them.
@Suite(.timeLimit(.minutes(12))) struct BulkResultPagingTests {
    @Test func pagedResultsAreFollowedToTheEnd() async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...0
            config.bulkResultPageRows = 7
        }) { harness in
            _ = try await harness.store.enqueue(destination: "salesforce-bulk-ingest") { sink in
                for index in 0..<250 {
                    let email = index % 50 == 3 ? "u\(index)@invalid.example" : "u\(index)@example.com"
                    sink.add(ContactRecord(key: "p\(index)", data: [Field("Email", .string(email))]))
                }
            }
            try await harness.work(
                try harness.configs(
                    ["salesforce-bulk-ingest"],
                    configure: { config in
                        config.limits.batchSize = 100
                        config.updateConnection(BulkIngestKind.Connection.self) { $0.pollMillis = 100 }
                        config.policy.settleMillis = 200
                    }))
            let counts = try await harness.counts("salesforce-bulk-ingest")
            #expect(counts[.confirmed] == 245 && counts[.dead] == 5, "\(counts)")
            let path = harness.store.path
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE url LIKE '%successfulResults/?locator=L%'") > 20)
            #expect(
                try SQLiteInspection.int(
                    path: path, "SELECT COUNT(*) FROM attempt_text WHERE response_body LIKE '<% bytes, streamed to a temporary file>'") > 0)
            #expect(await harness.truth("salesforce-bulk-ingest").values.allSatisfy { $0 == 1 })
        }
    }
}
