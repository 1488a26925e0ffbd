import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import JourneySimulator

@Suite struct FaultTests {
    func statuses(seed: UInt64) async throws -> [Int] {
        try await withSandbox({ config in
            config.seed = seed
            config.faults.throttleWithRetryAfter = 0.2
            config.faults.throttleBlocked = 0.1
            config.faults.serverError = 0.1
        }) { client, _ in
            let token = try await client.token()
            var statuses: [Int] = []
            for index in 0..<40 {
                let answer = try await client.send(
                    .POST, "/interaction/v1/async/events",
                    json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "k\(index)"]]], bearer: token)
                statuses.append(answer.status)
                if answer.status == 429, answer.object["errorcode"] as? Int == 50100 {
                    #expect(answer.headers.first(name: "Retry-After") == "1")
                    #expect(answer.object["retryAfter"] as? Int == 1)
                } else if answer.status == 429 {
                    #expect(answer.object["errorcode"] as? Int == 50200)
                    #expect(answer.headers.first(name: "Retry-After") == nil)
                }
            }
            return statuses
        }
    }

    @Test func faultsAreDeterministicForASeed() async throws {
        let first = try await statuses(seed: 7)
        let second = try await statuses(seed: 7)
        let other = try await statuses(seed: 8)
        #expect(first == second)
        #expect(first != other)
        #expect(Set(first) == [202, 429, 500])
    }

    /// Sends one contact to the async entry endpoint with a client that gives up after 200 ms (it must not be answered).
    func sendGivingUp(_ client: SimClient, key: String) async throws {
        let token = try await client.token()
        await #expect(throws: HTTPClientError.self) {
            _ = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": key]]],
                bearer: token, timeout: .milliseconds(200))
        }
    }

    /// The sandbox's truth once it holds anyone (or empty after `seconds`).
    func truthOnceTaken(_ client: SimClient, seconds: Double = 120) async throws -> [String: Int] {
        var truth: [String: Int] = [:]
        _ = try await waitFor(seconds: seconds) {
            truth = try await client.truth("sfmc-async-events")
            return !truth.isEmpty
        }
        return truth
    }

    @Test func aTimeoutAfterTheRequestWasTakenStillEntersTheContact() async throws {
        try await withSandbox({ config in
            config.faults.timeoutAfterTaken = 1
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 0...0
        }) { client, _ in
            try await sendGivingUp(client, key: "late")
            // A loaded machine may let the client give up before the sandbox took the request: wait for it to be taken.
            #expect(try await truthOnceTaken(client) == ["late": 1])
        }
    }

    @Test func aLateRequestIsTakenAfterItsClientGaveUp() async throws {
        try await withSandbox({ config in
            config.faults.takenLate = 1
            config.faults.lateSeconds = 3
            config.entryDelayMillis = 0...0
        }) { client, _ in
            try await sendGivingUp(client, key: "late")
            #expect(try await client.truth("sfmc-async-events").isEmpty, "not taken when the client gave up")
            // Taken all the same, after its client closed the connection: nobody reads that answer.
            #expect(try await truthOnceTaken(client) == ["late": 1])
        }
    }

    @Test func aDroppedRequestTakesNothing() async throws {
        try await withSandbox({ config in
            config.faults.dropBeforeTaken = 1
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 0...0
        }) { client, _ in
            try await sendGivingUp(client, key: "lost")
            #expect(try await client.truth("sfmc-async-events").isEmpty)
        }
    }

    @Test func revokedTokensGet401BeforeExpiry() async throws {
        try await withSandbox({ $0.faults.tokenRevocation = 1 }) { client, _ in
            let token = try await client.token()
            let answer = try await client.send(
                .POST, "/interaction/v1/async/events", json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "a"]]],
                bearer: token)
            #expect(answer.status == 401)
            #expect(try await client.stats()["tokensRevoked"] as? Int == 1)
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (a wait on a condition, never a bare sleep).
private func waitFor(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
