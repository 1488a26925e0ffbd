import Foundation
import NIOHTTP1
import Testing

@testable import JourneySimulator

@Suite struct SymplifyContractTests {
    @Test func triggerThenUploadEntersTheFile() async throws {
        try await withSandbox({ $0.entryDelayMillis = 0...0 }) { client, _ in
            let headers = ["X-Carma-Authentication-Token": "sim-symplify-token", "Accept": "application/json"]
            let bad = try await client.send(
                .POST, "/rest/4711/batchtrigger/v2", json: ["type": "JOURNEY_COMMENCE", "entityId": 1001],
                headers: ["X-Carma-Authentication-Token": "wrong"])
            #expect(bad.status == 401)
            #expect(bad.object["error"] is String)
            let missing = try await client.send(
                .POST, "/rest/4711/batchtrigger/v2", json: ["type": "JOURNEY_COMMENCE", "entityId": 9], headers: headers)
            #expect(missing.status == 404)
            let trigger = try await client.send(
                .POST, "/rest/4711/batchtrigger/v2", json: ["type": "JOURNEY_COMMENCE", "entityId": 1001], headers: headers)
            #expect(trigger.status == 200)
            let url = try #require(trigger.object["uploadUrl"] as? String)
            let file = "{\"id\": \"0\", \"properties\": {\"emailAddress\": \"a@x.se\"}}\n{\"id\": \"1\", \"properties\": {}}\n"
            let upload = try await client.send(.PUT, url, text: file, contentType: "text/plain; charset=utf-8")
            #expect(upload.status == 200)
            #expect(try await client.truth("symplify-batchtrigger") == ["0": 1, "1": 1])
            let again = try await client.send(.PUT, url, text: file)
            #expect(again.status == 403)
            let second = try await client.send(
                .POST, "/rest/4711/batchtrigger/v2", json: ["type": "JOURNEY_COMMENCE", "entityId": 1001], headers: headers)
            let broken = try await client.send(.PUT, second.object["uploadUrl"] as! String, text: "[1,2]\n")
            #expect(broken.status == 400)
            #expect(broken.object["error"] as? String == "Line 1: expected {\"id\": string, \"properties\": object}")
        }
    }
}

@Suite struct BulkIngestContractTests {
    @Test func jobLifecycleResultsAndErrors() async throws {
        try await withSandbox({ $0.bulkRowsPerSecond = 1_000 }) { client, clock in
            let tokenAnswer = try await client.send(
                .POST, "/services/oauth2/token",
                text: "grant_type=client_credentials&client_id=sim-sf-client-id&client_secret=sim-sf-client-secret",
                contentType: "application/x-www-form-urlencoded")
            #expect(tokenAnswer.status == 200)
            let token = tokenAnswer.object["access_token"] as! String
            #expect(tokenAnswer.object["instance_url"] is String)
            let base = "/services/data/v61.0/jobs/ingest"
            let created = try await client.send(
                .POST, base,
                json: [
                    "object": "Contact", "operation": "upsert", "externalIdFieldName": "ContactKey__c",
                    "contentType": "CSV", "lineEnding": "LF",
                ], bearer: token)
            #expect(created.status == 200)
            #expect(created.object["state"] as? String == "Open")
            let id = created.object["id"] as! String
            let csv = "ContactKey__c,Email\nk1,a@x.se\nk2,b@invalid.example\nk3,c@x.se\n"
            let put = try await client.send(.PUT, "\(base)/\(id)/batches", text: csv, contentType: "text/csv", bearer: token)
            #expect(put.status == 201)
            #expect(put.body.isEmpty)
            let closed = try await client.send(.PATCH, "\(base)/\(id)", json: ["state": "UploadComplete"], bearer: token)
            #expect(closed.object["state"] as? String == "UploadComplete")
            let late = try await client.send(.PUT, "\(base)/\(id)/batches", text: csv, contentType: "text/csv", bearer: token)
            #expect(late.status == 400)
            #expect(((late.json as? [[String: Any]])?.first?["errorCode"] as? String) == "INVALIDJOBSTATE")
            clock.advance(by: 60)
            #expect(try await client.send(.GET, "\(base)/\(id)", bearer: token).object["state"] as? String == "InProgress")
            clock.advance(by: 5_000)
            let done = try await client.send(.GET, "\(base)/\(id)", bearer: token)
            #expect(done.object["state"] as? String == "JobComplete")
            #expect(done.object["numberRecordsProcessed"] as? Int == 3)
            #expect(done.object["numberRecordsFailed"] as? Int == 1)
            let successful = try await client.send(.GET, "\(base)/\(id)/successfulResults/", bearer: token).text
            let lines = successful.split(separator: "\n")
            #expect(lines.first == "\"sf__Id\",\"sf__Created\",\"ContactKey__c\",\"Email\"")
            #expect(Set(lines.dropFirst().map { $0.split(separator: ",")[2] }) == ["\"k1\"", "\"k3\""])
            let failed = try await client.send(.GET, "\(base)/\(id)/failedResults/", bearer: token).text
            #expect(failed.contains("\"\",\"INVALID_EMAIL_ADDRESS:Email: invalid email address: b@invalid.example\",\"k2\""))
            #expect(try await client.truth("salesforce-bulk-ingest") == ["k1": 1, "k3": 1])
            let expired = try await client.send(.GET, "\(base)/\(id)", bearer: "nope")
            #expect(expired.status == 401)
            #expect(((expired.json as? [[String: Any]])?.first?["errorCode"] as? String) == "INVALID_SESSION_ID")
        }
    }
}
