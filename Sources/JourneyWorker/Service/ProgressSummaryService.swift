import JourneyQueue
import Logging
import ServiceLifecycle

/// What a daemon says at `info` instead of a line per batch: every few seconds, for each destination whose counts
/// moved, where its contacts are and how fast they settle. Quiet while nothing moves.
public struct ProgressSummaryService: Service {
    let store: any QueueStore
    let destinations: Set<String>
    let intervalMillis: Int64
    let logger: Logger

    public init(store: any QueueStore, destinations: [String], intervalMillis: Int64, logger: Logger) {
        self.store = store
        self.destinations = Set(destinations)
        self.intervalMillis = intervalMillis
        self.logger = logger
    }

    public func run() async throws {
        var previous: [String: [ContactState: Int]] = [:]
        var lastAt = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMillis)) }
            guard let counts = try? await store.counts() else { continue }
            let now = ContinuousClock.now
            let seconds = max((now - lastAt) / .seconds(1), 0.001)
            lastAt = now
            for destination in counts where destinations.contains(destination.name) {
                let before = previous[destination.name]
                previous[destination.name] = destination.counts
                guard let before, before != destination.counts else { continue }
                logger.info("progress", metadata: Self.metadata(destination, before: before, seconds: seconds))
            }
        }
    }

    static func metadata(_ destination: DestinationCounts, before: [ContactState: Int], seconds: Double) -> Logger.Metadata {
        let count = destination.count
        let settled = destination.settled - before.filter { $0.key.isFinal }.values.reduce(0, +)
        return [
            "destination": "\(destination.name)", "queued": "\(count(.queued))", "in.flight": "\(count(.claimed, .sending))",
            "to.look": "\(count(.accepted, .unknown))", "confirmed": "\(count(.confirmed))", "unverifiable": "\(count(.unverifiable))",
            "dead": "\(count(.dead))", "settled.per.second": "\(Int((Double(max(settled, 0)) / seconds).rounded()))",
        ]
    }
}
