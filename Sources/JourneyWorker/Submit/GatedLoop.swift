import JourneyQueue
import Logging
import ServiceLifecycle

/// The shape shared by submitters and reconcilers: `concurrency` loops, each waiting until its destination's gate
/// would let a request go (no open circuit, no throttling pause) before it claims work, until graceful shutdown.
/// A step that fails (a store fault: busy past the timeout, full, read-only) is logged and tried again after a
/// growing pause; it never ends the loop, so it never stops the daemon.
enum GatedLoop {
    /// What one step did.
    enum Step: Sendable {
        /// Did some work.
        case worked
        /// Found nothing to do; look again after this many milliseconds.
        case idle(Int64)
        /// Nothing more will come (a single pass is over).
        case finished
    }

    static func run(
        concurrency: Int, gate: DestinationGate, purpose: AttemptPurpose, logger: Logger, what: String,
        step: @escaping @Sendable () async throws -> Step
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask { await loop(gate: gate, purpose: purpose, logger: logger, what: what, step: step) }
            }
            await group.waitForAll()
        }
    }

    private static func loop(
        gate: DestinationGate, purpose: AttemptPurpose, logger: Logger, what: String, step: @Sendable () async throws -> Step
    ) async {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let wait = await gate.readiness(for: purpose)
            if wait > 0 {
                // Woken early when a hold ends (the journey's first check, an operator's resume), and on shutdown.
                await cancelWhenGracefulShutdown { await gate.waitForHoldChange(atMost: min(wait, 1_000)) }
                continue
            }
            do {
                switch try await step() {
                case .worked:
                    failures = 0
                case .idle(let millis):
                    failures = 0
                    await pause(millis)
                case .finished:
                    return
                }
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                let backoff = min(Int64(100) << min(failures, 7), 10_000)
                logger.error(
                    "\(what) failed; trying again (the contacts are safe under their leases)",
                    metadata: [
                        "destination": "\(gate.destination)", "error": "\(error)", "failures": "\(failures)", "retry.ms": "\(backoff)",
                    ])
                await pause(backoff)
            }
        }
    }

    /// Sleeps, waking early on graceful shutdown.
    static func pause(_ millis: Int64) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(millis, 1))) }
    }
}
