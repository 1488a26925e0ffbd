import Foundation
import JourneyQueue
import Testing

@testable import JourneyWorker

/// While looks gather, the reconciler loops take turns to find and claim a full look: a loop that finds another's turn
/// under way waits for it and then takes its own, instead of idling a poll while the looks due pile up.
@Suite(.timeLimit(.minutes(5))) struct GatheringTests {
    @Test func aLoopTakesItsTurnAsSoonAsTheOneBeforeEnds() async throws {
        let gathering = Gathering(millis: 3_600_000, clock: ManualClock())
        let (release, releasing) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await gathering.oneAtATime { () async -> String in
                for await _ in release { break }
                return "first"
            }
        }
        try await waitUntil { await gathering.turnUnderway }
        let second = Task { try await gathering.oneAtATime { "second" } }
        try await waitUntil { await gathering.waitingForTurn == 1 }
        // The second loop neither ran beside the first nor gave up: it runs once the first turn ends.
        releasing.yield()
        #expect(try await first.value == "first")
        #expect(try await second.value == "second")
        #expect(await gathering.turnUnderway == false)
    }

    @Test func aTurnThatFailsStillHandsOver() async throws {
        struct Failed: Error {}
        let gathering = Gathering(millis: 3_600_000, clock: ManualClock())
        await #expect(throws: Failed.self) { try await gathering.oneAtATime { () throws -> Int in throw Failed() } }
        #expect(try await gathering.oneAtATime { 1 } == 1)
        #expect(await gathering.turnUnderway == false)
    }
}
