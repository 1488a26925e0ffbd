import Foundation
import JourneyWorker
import Logging
import Testing

/// The database server's clock is measured again as soon as the host's clock steps, not at the next turn (a minute).
@Suite(.timeLimit(.minutes(5))) struct ClockSyncServiceTests {
    @Test func aStepOfTheHostsClockHasTheServersMeasuredAgainAtOnce() async throws {
        let measured = Measurements()
        let soon = MeasureSoon()
        // The next turn is an hour away: only the request can bring the second measurement within the test.
        let service = ClockSyncService(everyMillis: 3_600_000, checkMillis: 5, soon: soon, logger: Logger(label: "test")) {
            measured.add()
            return 0
        }
        let running = Task { try await service.run() }
        defer { running.cancel() }
        try await waitUntil { measured.count == 1 }
        soon.request()
        try await waitUntil { measured.count == 2 }
        #expect(measured.count == 2, "one measurement a request")
        running.cancel()
        _ = await running.result
    }
}

/// Counts the measurements taken.
final class Measurements: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = 0
    func add() { lock.withLock { taken += 1 } }
    var count: Int { lock.withLock { taken } }
}
