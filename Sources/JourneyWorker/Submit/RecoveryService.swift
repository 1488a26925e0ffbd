import JourneyQueue
import Logging
import ServiceLifecycle

/// Returns work left behind by dead or stalled workers: expired leases go back to `queued`
/// (never sent) or to `unknown` (written ahead, never answered). Runs at start, then periodically,
/// and checkpoints the WAL now and then so that it does not grow without bound under readers.
/// A store fault is logged and tried again at the next round; it never stops the service.
public struct RecoveryService: Service {
    let store: any QueueStore
    let logger: Logger
    let intervalMillis: Int64
    let checkpoint: @Sendable () async throws -> Void

    /// Recovers every `intervalMillis`; `checkpoint` keeps the write-ahead log short.
    public init(store: any QueueStore, logger: Logger, intervalMillis: Int64, checkpoint: @escaping @Sendable () async throws -> Void = {})
    {
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
                do { try await checkpoint() } catch { logger.notice("WAL checkpoint skipped", metadata: ["error": "\(error)"]) }
            }
            do {
                let summary = try await store.recoverExpiredLeases()
                if summary.batches > 0 {
                    logger.notice(
                        "recovered expired leases",
                        metadata: [
                            "batches": "\(summary.batches)", "requeued": "\(summary.requeued)",
                            "unknown": "\(summary.madeUnknown)",
                        ])
                }
            } catch {
                logger.error("lease recovery failed; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMillis)) }
        }
    }
}
