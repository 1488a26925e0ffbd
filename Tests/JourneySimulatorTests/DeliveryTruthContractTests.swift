import Foundation
import NIOHTTP1
import Testing

@testable import JourneySimulator

/// What the sandbox must show for issue 9, from the spec: late entry visible as "queued", earlier members, looks
/// that fail, contacts that leave, and the status endpoint's date window.
@Suite struct DeliveryTruthContractTests {
    func membership(_ client: SimClient, _ token: String, _ keys: [String]) async throws -> SimClient.Answer {
        try await client.send(.POST, "/interaction/v1/interactions/contactMembership", json: ["ContactKeyList": keys], bearer: token)
    }

    func members(_ answer: SimClient.Answer) -> [String] {
        ((answer.object["results"] as? [String: Any])?["contactMemberships"] as? [[String: Any]] ?? []).compactMap {
            $0["contactKey"] as? String
        }
    }

    @Test func aTakenContactIsQueuedUntilItsEntryThenProcessed() async throws {
        try await withSandbox({ $0.entryDelayMillis = 8_000...8_000 }) { client, clock in
            let token = try await client.token()
            let sent = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]],
                bearer: token)
            let id = ((sent.object["members"] as! [[String: Any]])[0]["eventInstanceId"] as! String)
            func status() async throws -> String? {
                let answer = try await client.send(.GET, "/interaction/v1/async/events/status?eventInstanceId=\(id)", bearer: token)
                return (answer.object["items"] as? [[String: Any]])?.first?["status"] as? String
            }
            #expect(try await status() == "queued")
            #expect(members(try await membership(client, token, ["a"])).isEmpty)
            clock.advance(by: 8_000)
            #expect(try await status() == "processed")
            #expect(members(try await membership(client, token, ["a"])) == ["a"])
        }
    }

    @Test func earlierMembersAreMembersButNotEntries() async throws {
        try await withSandbox({
            $0.priorMembers = ["old"]; $0.entryDelayMillis = 0...0
        }) { client, _ in
            let token = try await client.token()
            #expect(Set(members(try await membership(client, token, ["old", "new"]))) == ["old"], "a member of every journey, and only it")
            #expect(try await client.truth("sfmc-async-events").isEmpty, "being in before is not an entry of this run")
            _ = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "old"]]],
                bearer: token)
            #expect(try await client.truth("sfmc-async-events") == ["old": 1])
        }
    }

    @Test func looksFailAtTheConfiguredRateAndEntryDoesNot() async throws {
        try await withSandbox({ $0.faults.lookFault = 1 }) { client, _ in
            let token = try await client.token()
            #expect(try await membership(client, token, ["a"]).status == 500)
            #expect(try await client.send(.GET, "/interaction/v1/async/events/status?contactKey=a", bearer: token).status == 500)
            let sent = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]],
                bearer: token)
            #expect(sent.status == 202)
        }
    }

    @Test(arguments: [false, true])
    func contactsLeaveAndMembershipListsThemOnlyIfSetTo(listsExited: Bool) async throws {
        try await withSandbox({ config in
            config.entryDelayMillis = 0...0
            config.exitAfterMillis = 1_000...1_000
            config.membershipListsExited = listsExited
        }) { client, clock in
            let token = try await client.token()
            _ = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]],
                bearer: token)
            #expect(members(try await membership(client, token, ["a"])) == ["a"])
            clock.advance(by: 1_000)
            #expect(members(try await membership(client, token, ["a"])) == (listsExited ? ["a"] : []))
            #expect(try await client.truth("sfmc-async-events") == ["a": 1], "leaving does not undo the entry")
        }
    }

    @Test func theStatusWindowFiltersByWhenTheRemoteTookTheRequest() async throws {
        try await withSandbox({ $0.entryDelayMillis = 0...0 }) { client, clock in
            let token = try await client.token()
            _ = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]],
                bearer: token)
            clock.advance(by: 120_000)
            let later = Date(timeIntervalSince1970: Double(clock.nowMillis() - 60_000) / 1000).ISO8601Format()
            _ = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]],
                bearer: token)
            let all = try await client.send(
                .GET, "/interaction/v1/async/events/status?contactKey=a&eventDefinitionKey=APIEvent-async", bearer: token)
            #expect(all.object["count"] as? Int == 2)
            let recent = try await client.send(
                .GET, "/interaction/v1/async/events/status?contactKey=a&eventDefinitionKey=APIEvent-async&startDate=\(later)", bearer: token
            )
            #expect(recent.object["count"] as? Int == 1)
            #expect(
                try await client.send(.GET, "/interaction/v1/async/events/status?contactKey=a&startDate=yesterday", bearer: token).status
                    == 400)
        }
    }

    @Test func lateEntryAppliesToEveryKindWithAsynchronousEntry() async throws {
        try await withSandbox({ $0.entryDelayMillis = 3_000...3_000 }) { client, clock in
            let token = try await client.token()
            #expect(
                try await client.send(
                    .POST, "/interaction/v1/events", json: ["ContactKey": "e", "EventDefinitionKey": "APIEvent-events"], bearer: token
                ).status == 201)
            let legacy = try await client.legacyToken()
            #expect(
                try await client.send(
                    .POST, "/interaction-experimental/v1/batchcontactevents",
                    json: ["EventDefinitionKey": "APIEvent-bce", "BatchDetails": [["ContactKey": "b"]]], bearer: legacy
                ).status == 201)
            #expect(try await client.truth("sfmc-events").isEmpty)
            #expect(try await client.truth("sfmc-batchcontactevents").isEmpty)
            clock.advance(by: 3_000)
            #expect(try await client.truth("sfmc-events") == ["e": 1])
            #expect(try await client.truth("sfmc-batchcontactevents") == ["b": 1])
        }
    }
}

/// Journeys as the interactions API describes them (spec §6.4), and the sandbox's control of their state.
@Suite struct JourneyContractTests {
    @Test func journeysAreListedLookedUpAndControlled() async throws {
        try await withSandbox { client, _ in
            let token = try await client.token()
            let list = try await client.send(.GET, "/interaction/v1/interactions?$pageSize=2", bearer: token)
            #expect(
                list.object["count"] as? Int == 3 && (list.object["items"] as? [[String: Any]])?.count == 2
                    && list.object["pageSize"] as? Int == 2)
            let one = try await client.send(.GET, "/interaction/v1/interactions/key:journey-async", bearer: token)
            #expect(one.object["status"] as? String == "Published" && one.object["entryMode"] as? String == "MultipleEntries")
            let trigger = (one.object["triggers"] as? [[String: Any]])?.first?["metaData"] as? [String: Any]
            #expect(trigger?["eventDefinitionKey"] as? String == "APIEvent-async")
            #expect(try await client.send(.GET, "/interaction/v1/interactions/key:nope", bearer: token).status == 404)
            #expect(try await client.send(.GET, "/interaction/v1/interactions/key:journey-async").status == 401)
            #expect(try await client.send(.POST, "/_sim/journeys/journey-async/status", json: ["status": "Stopped"]).status == 200)
            #expect(
                try await client.send(.GET, "/interaction/v1/interactions/key:journey-async", bearer: token).object["status"] as? String
                    == "Stopped")
            // A stopped journey takes the call (201/202 as usual) and enters nobody.
            #expect(
                try await client.send(
                    .POST, "/interaction/v1/async/events",
                    json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]], bearer: token
                ).status == 202)
            #expect(try await client.truth("sfmc-async-events").isEmpty)
            #expect(try await client.send(.POST, "/_sim/journeys/journey-async/status", json: ["status": "Sideways"]).status == 400)
        }
    }

    @Test func bulkDescribeAndSymplifyAPIURL() async throws {
        try await withSandbox { client, _ in
            let form = "grant_type=client_credentials&client_id=sim-sf-client-id&client_secret=sim-sf-client-secret"
            let token =
                try await client.send(.POST, "/services/oauth2/token", text: form, contentType: "application/x-www-form-urlencoded").object[
                    "access_token"] as! String
            let describe = try await client.send(.GET, "/services/data/v61.0/sobjects/Contact/describe", bearer: token)
            #expect(
                (describe.object["fields"] as? [[String: Any]])?.contains {
                    $0["name"] as? String == "ContactKey__c" && $0["externalId"] as? Bool == true
                } == true)
            #expect(try await client.send(.GET, "/services/data/v61.0/sobjects/Nope/describe", bearer: token).status == 404)
            #expect(
                try await client.send(.GET, "/rest/4711/apiurl", headers: ["X-Carma-Authentication-Token": "sim-symplify-token"]).status
                    == 200)
            #expect(try await client.send(.GET, "/rest/4711/apiurl", headers: ["X-Carma-Authentication-Token": "wrong"]).status == 401)
        }
    }
}
