import JourneyQueue
import Logging
import ServiceLifecycle

/// Returns work left behind by dead or stalled workers: expired leases go back to `queued`
/// (never sent) or to `unknown` (written ahead, never answered). Runs at start, then periodically,
/// and checkpoints the WAL now and then so that it does not grow without bound under readers.
public struct RecoveryService: Service {
    let store: any QueueStore
    let logger: Logger
    let intervalMillis: Int64
    let checkpoint: @Sendable () throws -> Void

    /// Recovers every `intervalMillis`; `checkpoint` keeps the write-ahead log short.
    public init(store: any QueueStore, logger: Logger, intervalMillis: Int64, checkpoint: @escaping @Sendable () throws -> Void = {}) {
        self.store = store
        self.logger = logger
        self.intervalMillis = intervalMillis
        self.checkpoint = checkpoint
    }

    public func run() async throws {
        var rounds = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            rounds += 1
            if rounds % 10 == 0 {
                do { try checkpoint() } catch { logger.notice("WAL checkpoint skipped", metadata: ["error": "\(error)"]) }
            }
            let summary = try store.recoverExpiredLeases()
            if summary.batches > 0 {
                logger.notice("recovered expired leases", metadata: ["batches": "\(summary.batches)", "requeued": "\(summary.requeued)",
                                                                     "unknown": "\(summary.madeUnknown)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMillis)) }
        }
    }
}

/// With `--until-drained`: returns (shutting the group down) once the configured destinations have nothing left to do.
public struct DrainMonitor: Service {
    /// What "drained" means.
    public enum Criterion: Sendable {
        /// Nothing queued, claimed or sending.
        case submitted
        /// Every contact confirmed, unverifiable or dead.
        case settled
    }

    let store: any QueueStore
    let destinations: [String]
    let criterion: Criterion
    let pollMillis: Int64
    let onProgress: @Sendable () -> Void

    /// Polls every `pollMillis`; `onProgress` is called between polls (the progress line).
    public init(store: any QueueStore, destinations: [String], criterion: Criterion, pollMillis: Int64 = 200, onProgress: @escaping @Sendable () -> Void = {}) {
        self.store = store
        self.destinations = destinations
        self.criterion = criterion
        self.pollMillis = pollMillis
        self.onProgress = onProgress
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let work = try destinations.map { try store.pendingWork(destination: $0) }
            let done = work.allSatisfy { criterion == .submitted ? $0.submissionDrained : $0.fullyDrained }
            if done { return }
            onProgress()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(pollMillis)) }
        }
    }
}
