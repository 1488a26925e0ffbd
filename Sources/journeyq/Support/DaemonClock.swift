import JourneyQueue
import JourneyQueuePostgres
import JourneyWorker
import Logging
import ServiceLifecycle

/// The clock a long-running command (`work`, `serve`) decides with, and opens its store with. On SQLite (one host) the
/// host's clock at its monotonic pace, a step told once and not followed; on PostgreSQL (a fleet) the database
/// server's clock, measured before the first claim, every minute after, and again as soon as the host's clock steps (the
/// server's may have stepped with it), against that same steady host clock.
struct DaemonClock {
    let clock: any WallClock
    private let reference: ReferenceClock?
    /// Asked by a step of the host's clock: the server's is measured again at once rather than within the minute.
    private let measureSoon = MeasureSoon()

    /// `offsetFile` (a drill's `--clock-offset-file`) stands the host's clock off by the milliseconds it holds.
    init(database: DatabaseOptions, logger: Logger, offsetFile: String? = nil) throws {
        let host: any WallClock = try offsetFile.map { try OffsetFileClock(path: $0) } ?? SystemClock()
        let soon = measureSoon
        let steady = SteadyClock(
            wall: { host.nowMillis() },
            onStep: { step in
                logger.warning(
                    "the host's clock stepped; journeyq keeps its own pace until restarted (leases, settle times, backoffs stay)",
                    metadata: ["step.ms": "\(step)"])
                soon.request()
            })
        if PostgresLocation.isURL(database.location) {
            reference = ReferenceClock(host: steady)
            clock = reference!
        } else {
            reference = nil
            clock = steady
        }
    }

    /// On PostgreSQL: takes the server's time once, then returns the service that keeps taking it.
    func start(_ store: any JourneyStore, logger: Logger) async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let reference, let postgres = store as? PostgresQueueStore else { return [] }
        // Measured once before the first claim; the service measures again at its start, and says so if the host is off.
        try await postgres.synchronize(reference)
        let service = ClockSyncService(soon: measureSoon, logger: logger) { try await postgres.synchronize(reference) }
        return [.init(service: service)]
    }
}
