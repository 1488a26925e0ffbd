import JourneyQueue
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps a fleet's hosts on the database server's clock: measures the offset every `everyMillis` (see
/// `PostgresQueueStore.synchronize`) and says so when this host's clock is off by more than a second, or moves. A step of
/// the host's clock (`soon`, told by the steady clock) has it measure again within `checkMillis`: the server's clock may
/// have stepped with it (one machine, a VM resumed), and until the next measurement every time this host writes would be
/// a step off the others', and off the times it wrote before.
public struct ClockSyncService: Service {
    let measure: @Sendable () async throws -> Int64
    let logger: Logger
    let everyMillis: Int64
    let checkMillis: Int64
    let soon: MeasureSoon

    public init(
        everyMillis: Int64 = 60_000, checkMillis: Int64 = 1_000, soon: MeasureSoon = MeasureSoon(), logger: Logger,
        measure: @escaping @Sendable () async throws -> Int64
    ) {
        self.measure = measure
        self.logger = logger
        self.everyMillis = everyMillis
        self.checkMillis = max(checkMillis, 1)
        self.soon = soon
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
            var waited: Int64 = 0
            while waited < everyMillis, !soon.take(), !Task.isShuttingDownGracefully, !Task.isCancelled {
                let slice = min(checkMillis, everyMillis - waited)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(slice)) }
                waited += slice
            }
        }
    }
}

/// A request to measure the server's clock again without waiting for the next turn; asked from inside a clock reading
/// (any thread), taken by `ClockSyncService`.
public final class MeasureSoon: Sendable {
    private let asked = Mutex(false)

    public init() {}

    /// Asks for a measurement within the service's `checkMillis`.
    public func request() { asked.withLock { $0 = true } }

    /// Whether a measurement was asked for since the last call.
    func take() -> Bool {
        asked.withLock { asked in
            defer { asked = false }
            return asked
        }
    }
}
