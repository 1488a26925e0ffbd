import Foundation
import NIOHTTP1
import Testing

@testable import JourneySimulator

@Suite struct SFMCContractTests {
    @Test func tokenShapesBadCredentialsAndExpiry() async throws {
        try await withSandbox({ $0.tokenTTLSeconds = 60 }) { client, clock in
            let good = try await client.send(
                .POST, "/v2/token",
                json: ["grant_type": "client_credentials", "client_id": "sim-client-id", "client_secret": "sim-client-secret"])
            #expect(good.status == 200)
            #expect(good.object["token_type"] as? String == "Bearer")
            #expect(good.object["expires_in"] as? Int == 60)
            #expect((good.object["rest_instance_url"] as? String)?.hasSuffix("/") == true)
            let bad = try await client.send(
                .POST, "/v2/token", json: ["grant_type": "client_credentials", "client_id": "sim-client-id", "client_secret": "wrong"])
            #expect(bad.status == 401)
            #expect(bad.object["error"] as? String == "invalid_client")
            let token = good.object["access_token"] as! String
            let body: [String: Any] = ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]]
            #expect(try await client.send(.POST, "/interaction/v1/async/events", json: body, bearer: token).status == 202)
            clock.advance(by: 60_000)
            let expired = try await client.send(.POST, "/interaction/v1/async/events", json: body, bearer: token)
            #expect(expired.status == 401)
            #expect(expired.object["errorcode"] as? Int == 0)
            #expect(expired.object["message"] as? String == "Not Authorized")
            #expect(try await client.send(.POST, "/interaction/v1/async/events", json: body).status == 401)
        }
    }

    @Test func asyncBatchKeepsOrderAndDuplicatesAndEntersLater() async throws {
        try await withSandbox({ $0.entryDelayMillis = 500...500 }) { client, clock in
            let token = try await client.token()
            let answer = try await client.send(
                .POST, "/interaction/v1/async/events",
                json: [
                    "eventDefinitionKey": "APIEvent-async",
                    "members": [["contactKey": "b", "data": ["x": 1]], ["contactKey": "a"], ["contactKey": "b"], ["data": [:]]],
                ], bearer: token)
            #expect(answer.status == 202)
            let members = answer.object["members"] as! [[String: Any]]
            #expect(members.map { $0["contactKey"] as? String } == ["b", "a", "b", ""])
            #expect(members[0]["eventInstanceId"] is String && members[0]["errorcode"] == nil)
            #expect(members[3]["errorcode"] as? String == "10002")
            #expect(answer.object["count"] as? Int == 4)
            #expect(answer.object["notQueuedCount"] as? Int == 1)
            #expect(answer.object["requestId"] is String)
            // Entry is asynchronous: nothing before the delay, everything after.
            #expect(try await client.truth("sfmc-async-events").isEmpty)
            clock.advance(by: 500)
            #expect(try await client.truth("sfmc-async-events") == ["b": 2, "a": 1])
        }
    }

    @Test func asyncLimitsAndErrors() async throws {
        try await withSandbox { client, _ in
            let token = try await client.token()
            let tooMany = try await client.send(
                .POST, "/interaction/v1/async/events",
                json: [
                    "eventDefinitionKey": "APIEvent-async", "members": (0..<101).map { ["contactKey": "k\($0)"] },
                ], bearer: token)
            #expect(tooMany.status == 400)
            #expect(tooMany.object["errorcode"] as? Int == 10000)
            #expect(tooMany.object["documentation"] is String)
            let unknown = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "nope", "members": [["contactKey": "a"]]], bearer: token
            )
            #expect(unknown.status == 400)
            #expect(unknown.object["errorcode"] as? Int == 10005)
            let hundred = try await client.send(
                .POST, "/interaction/v1/async/events",
                json: [
                    "eventDefinitionKey": "APIEvent-async", "members": (0..<100).map { ["contactKey": "k\($0)"] },
                ], bearer: token)
            #expect(hundred.status == 202)
        }
    }

    @Test func schemaCheckedPerMember() async throws {
        try await withSandbox({ config in
            config.journeys[0].fields = ["email"]
        }) { client, _ in
            let token = try await client.token()
            let answer = try await client.send(
                .POST, "/interaction/v1/async/events",
                json: [
                    "eventDefinitionKey": "APIEvent-async",
                    "members": [["contactKey": "a", "data": ["email": "x"]], ["contactKey": "b", "data": ["shoe": 1]]],
                ], bearer: token)
            let members = answer.object["members"] as! [[String: Any]]
            #expect(members[0]["errorcode"] == nil)
            #expect(members[1]["errorcode"] as? String == "10005")
            #expect((members[1]["message"] as? String)?.contains("shoe") == true)
        }
    }

    @Test func silentDropsAreAcceptedButNeverEnter() async throws {
        try await withSandbox({
            $0.faults.silentDrop = 1; $0.entryDelayMillis = 10...10
        }) { client, clock in
            let token = try await client.token()
            let answer = try await client.send(
                .POST, "/interaction/v1/async/events",
                json: [
                    "eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"], ["contactKey": "b"]],
                ], bearer: token)
            #expect(answer.object["notQueuedCount"] as? Int == 0)
            clock.advance(by: 1_000)
            #expect(try await client.truth("sfmc-async-events").isEmpty)
            #expect(try await client.stats()["silentlyDropped"] as? Int == 2)
            // The status endpoint says "processed" all the same: processed is not entered.
            let status = try await client.send(
                .GET, "/interaction/v1/async/events/status?requestId=\(answer.object["requestId"] as! String)", bearer: token)
            #expect((status.object["items"] as! [[String: Any]]).map { $0["status"] as? String } == ["processed", "processed"])
        }
    }

    @Test func entryModesAndJourneyStates() async throws {
        try await withSandbox({ config in
            config.journeys[0].entryMode = .onceAndDone
            config.journeys[2].state = .stopped
            config.entryDelayMillis = 0...0
        }) { client, _ in
            let token = try await client.token()
            for _ in 0..<2 {
                _ = try await client.send(
                    .POST, "/interaction/v1/async/events",
                    json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]], bearer: token)
            }
            #expect(try await client.truth("sfmc-async-events") == ["a": 1])
            let event = try await client.send(
                .POST, "/interaction/v1/events", json: ["ContactKey": "z", "EventDefinitionKey": "APIEvent-events", "Data": [:]],
                bearer: token)
            #expect(event.status == 201)
            #expect(try await client.truth("sfmc-events").isEmpty)
            #expect(try await client.stats()["blockedEntries"] as? Int == 2)
        }
    }

    @Test func singleEventsValidate() async throws {
        try await withSandbox({ $0.entryDelayMillis = 0...0 }) { client, _ in
            let token = try await client.token()
            let ok = try await client.send(
                .POST, "/interaction/v1/events", json: ["ContactKey": "a", "EventDefinitionKey": "APIEvent-events", "Data": ["x": "1"]],
                bearer: token)
            #expect(ok.status == 201)
            #expect(ok.object["eventInstanceId"] is String)
            let period = try await client.send(
                .POST, "/interaction/v1/events", json: ["ContactKey": "a", "EventDefinitionKey": "a.b"], bearer: token)
            #expect(period.status == 400)
            let missing = try await client.send(
                .POST, "/interaction/v1/events", json: ["EventDefinitionKey": "APIEvent-events"], bearer: token)
            #expect(missing.status == 400)
            #expect(missing.object["errorcode"] as? Int == 10002)
            #expect(try await client.truth("sfmc-events") == ["a": 1])
        }
    }

    @Test func batchContactEventsNeedsALegacyTokenAndSaysNothingPerContact() async throws {
        try await withSandbox({ config in
            config.journeys[1].fields = ["email"]
            config.entryDelayMillis = 0...0
        }) { client, _ in
            let body: [String: Any] = [
                "EventDefinitionKey": "APIEvent-bce", "BatchId": "", "RecordCount": 2,
                "BatchDetails": [
                    ["ContactKey": "a", "Data": ["email": "a@x.se"]], ["ContactKey": "b", "Data": ["shoe": "9"]],
                ],
            ]
            let v2 = try await client.send(
                .POST, "/interaction-experimental/v1/batchcontactevents", json: body, bearer: try await client.token())
            #expect(v2.status == 401)
            let legacy = try await client.legacyToken()
            #expect(legacy.count == 24)
            let answer = try await client.send(.POST, "/interaction-experimental/v1/batchcontactevents", json: body, bearer: legacy)
            #expect(answer.status == 201)
            #expect((answer.json as? String)?.count == 36)
            #expect(try await client.truth("sfmc-batchcontactevents") == ["a": 1])
        }
    }

    @Test func membershipAndStatusLimits() async throws {
        try await withSandbox({ $0.entryDelayMillis = 0...0 }) { client, _ in
            let token = try await client.token()
            let tooMany = try await client.send(
                .POST, "/interaction/v1/interactions/contactMembership", json: ["ContactKeyList": (0..<51).map { "k\($0)" }], bearer: token)
            #expect(tooMany.status == 400)
            _ = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]],
                bearer: token)
            let fifty = try await client.send(
                .POST, "/interaction/v1/interactions/contactMembership", json: ["ContactKeyList": ["a"] + (1..<50).map { "k\($0)" }],
                bearer: token)
            #expect(fifty.status == 200)
            let results = fifty.object["results"] as! [String: Any]
            #expect((results["contactMemberships"] as! [[String: Any]]).map { $0["contactKey"] as? String } == ["a"])
            #expect((results["contactMemberships"] as! [[String: Any]]).first?["definitionKey"] as? String == "journey-async")
            #expect((results["contactsNotFound"] as! [String]).count == 49)
            let unfiltered = try await client.send(.GET, "/interaction/v1/async/events/status", bearer: token)
            #expect(unfiltered.status == 400)
            let paged = try await client.send(.GET, "/interaction/v1/async/events/status?contactKey=a&$pageSize=10", bearer: token)
            #expect(paged.object["page"] as? String == "1")
            #expect(paged.object["pageSize"] as? String == "10")
            #expect(paged.object["count"] as? Int == 1)
        }
    }
}
