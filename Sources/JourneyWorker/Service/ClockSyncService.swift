import JourneyQueue
import Logging
import ServiceLifecycle

/// Keeps a fleet's hosts on the database server's clock: measures the offset every `everyMillis` (see
/// `PostgresQueueStore.synchronize`) and says so when this host's clock is off by more than a second, or moves.
public struct ClockSyncService: Service {
    let measure: @Sendable () async throws -> Int64
    let logger: Logger
    let everyMillis: Int64

    public init(everyMillis: Int64 = 60_000, logger: Logger, measure: @escaping @Sendable () async throws -> Int64) {
        self.measure = measure
        self.logger = logger
        self.everyMillis = everyMillis
    }

    public func run() async throws {
        var told: Int64 = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let offset = try await measure()
                if abs(offset - told) > 1_000 {
                    told = offset
                    logger.warning(
                        "this host's clock differs from the database server's; journeyq uses the server's",
                        metadata: ["offset.ms": "\(offset)"])
                }
            } catch {
                // The last offset stays: a store that does not answer stops the work anyway, and says why elsewhere.
                logger.debug("could not read the database server's clock", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(everyMillis, 1))) }
        }
    }
}
