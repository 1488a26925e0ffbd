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

    @Test func aTimeoutAfterTheRequestWasTakenStillEntersTheContact() async throws {
        try await withSandbox({ config in
            config.faults.timeoutAfterTaken = 1
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 0...0
        }) { client, _ in
            let token = try await client.token()
            await #expect(throws: HTTPClientError.self) {
                _ = try await client.send(
                    .POST, "/interaction/v1/async/events",
                    json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "late"]]],
                    bearer: token, timeout: .milliseconds(200))
            }
            #expect(try await client.truth("sfmc-async-events") == ["late": 1])
        }
    }

    @Test func aDroppedRequestTakesNothing() async throws {
        try await withSandbox({ config in
            config.faults.dropBeforeTaken = 1
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 0...0
        }) { client, _ in
            let token = try await client.token()
            await #expect(throws: HTTPClientError.self) {
                _ = try await client.send(
                    .POST, "/interaction/v1/async/events",
                    json: ["eventDefinitionKey": "APIEvent-async", "members": [["contactKey": "lost"]]],
                    bearer: token, timeout: .milliseconds(200))
            }
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
