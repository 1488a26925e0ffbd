import JourneyQueue
import Logging
import ServiceLifecycle

/// Finishes the erasures that waited for a record in flight: once its request is settled, its data and the ledger
/// bodies that carried it are erased like the rest. Every `intervalMillis`, while the daemon runs.
public struct ErasureService: Service {
    let store: any ErasureStore
    let logger: Logger
    let intervalMillis: Int64

    public init(store: any ErasureStore, logger: Logger, intervalMillis: Int64 = 30_000) {
        self.store = store
        self.logger = logger
        self.intervalMillis = intervalMillis
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let finished = try await store.finishErasures()
                if finished > 0 { logger.notice("erasures finished once their requests settled", metadata: ["erasures": "\(finished)"]) }
            } catch {
                logger.error("pending erasures could not be finished; trying again", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(intervalMillis, 1))) }
        }
    }
}
