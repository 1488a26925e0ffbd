import JourneyQueue
import Testing

@testable import JourneyDestinations

@Suite struct TokenProviderTests {
    actor Counter {
        var value = 0
        func next() -> Int { value += 1; return value }
    }

    @Test func oneFetchServesEveryConcurrentCaller() async throws {
        let clock = ManualClock()
        let counter = Counter()
        let provider = TokenProvider(clock: clock) {
            let n = await counter.next()
            try await Task.sleep(for: .milliseconds(50))
            return AccessToken(value: "t\(n)", expiresAt: clock.nowMillis() + 1_079_000)
        }
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await provider.token().value } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(tokens) == ["t1"])
        #expect(await provider.fetches == 1)
    }

    @Test func renewsShortlyBeforeExpiryAndAfterA401() async throws {
        let clock = ManualClock()
        let counter = Counter()
        let provider = TokenProvider(clock: clock, marginMillis: 60_000) {
            AccessToken(value: "t\(await counter.next())", expiresAt: clock.nowMillis() + 1_079_000)
        }
        let first = try await provider.token()
        clock.advance(by: 1_000_000)
        #expect(try await provider.token() == first)
        clock.advance(by: 20_000)
        let second = try await provider.token()
        #expect(second.value == "t2")
        await provider.invalidate(first)
        #expect(try await provider.token() == second)
        await provider.invalidate(second)
        #expect(try await provider.token().value == "t3")
    }
}
