import JourneyQueue
import ServiceLifecycle

/// The shape shared by submitters and reconcilers: `concurrency` loops, each waiting its turn at the
/// destination's gate (rate and 429 pause) before one step, until graceful shutdown.
enum GatedLoop {
    /// What one step did.
    enum Step: Sendable {
        /// Sent a request.
        case worked
        /// Found nothing to do; look again after this many milliseconds.
        case idle(Int64)
        /// Nothing more will come (a single pass is over).
        case finished
    }

    static func run(concurrency: Int, gate: DestinationGate, clock: any Clock, step: @escaping @Sendable () async throws -> Step) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask { try await loop(gate: gate, clock: clock, step: step) }
            }
            try await group.waitForAll()
        }
    }

    private static func loop(gate: DestinationGate, clock: any Clock, step: @Sendable () async throws -> Step) async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let wait = await gate.reserve(now: clock.nowMillis())
            if wait > 0 { await pause(wait) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            // A 429 answered while this loop waited moves the pause: wait for the new one.
            if await gate.pausedUntil > clock.nowMillis() {
                await gate.release()
                continue
            }
            switch try await step() {
            case .worked: continue
            case .idle(let millis):
                await gate.release()
                await pause(millis)
            case .finished:
                await gate.release()
                return
            }
        }
    }

    /// Sleeps, waking early on graceful shutdown.
    static func pause(_ millis: Int64) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(millis, 1))) }
    }
}
