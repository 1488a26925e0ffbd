import JourneyDestinations
import JourneyQueue
import Logging
import ServiceLifecycle

/// Composition root of `journeyq work`: one submitter pool per destination, lease recovery, and (to drain) a monitor.
public struct WorkerDaemon {
    /// The services to run in one ServiceGroup.
    public let services: [ServiceGroupConfiguration.ServiceConfiguration]
    /// The destinations built from the config, in config order.
    public let destinations: [any Destination]

    /// - Parameters:
    ///   - concurrency: overrides every destination's `concurrency` when given.
    ///   - drain: when given, the daemon stops once the destinations are drained in that sense.
    /// - Parameter checkpoint: called now and then to keep the store's write-ahead log short.
    public init(configs: [DestinationConfig], store: any QueueStore, caller: HTTPCaller, clock: any Clock, logger: Logger,
                concurrency: Int? = nil, drain: DrainMonitor.Criterion? = nil, checkpoint: @escaping @Sendable () throws -> Void = {},
                onProgress: @escaping @Sendable () -> Void = {}) throws {
        var destinations: [any Destination] = []
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for var config in configs {
            if let concurrency { config.limits.concurrency = concurrency }
            try store.ensureDestination(name: config.name, kind: config.kind.rawValue)
            let destination = try DestinationFactory.make(config, caller: caller, ledger: store, clock: clock)
            destinations.append(destination)
            // Submissions and looks share one gate: the remote's limits count both.
            let gate = DestinationGate(requestsPerSecond: config.limits.requestsPerSecond)
            services.append(.init(service: SubmitterService(destination: destination, store: store, clock: clock, logger: logger, gate: gate)))
            let verifying = destination as? any VerifyingDestination ?? AmbiguityResolver(wrapped: destination, clock: clock)
            services.append(.init(service: ReconcilerService(destination: verifying, store: store, clock: clock, logger: logger, gate: gate)))
        }
        let shortestLease = configs.map(\.limits.leaseMillis).min() ?? 60_000
        services.append(.init(service: RecoveryService(store: store, logger: logger, intervalMillis: max(min(shortestLease / 2, 5_000), 100),
                                                          checkpoint: checkpoint)))
        if let drain {
            services.append(.init(service: DrainMonitor(store: store, destinations: configs.map(\.name), criterion: drain, onProgress: onProgress),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        self.services = services
        self.destinations = destinations
    }

    /// `journeyq reconcile`: one look at every contact that is due now, for every verifying destination.
    public static func reconcileOnce(configs: [DestinationConfig], store: any QueueStore, caller: HTTPCaller, clock: any Clock, logger: Logger) async throws {
        for config in configs {
            try store.ensureDestination(name: config.name, kind: config.kind.rawValue)
            let made = try DestinationFactory.make(config, caller: caller, ledger: store, clock: clock)
            let destination = made as? any VerifyingDestination ?? AmbiguityResolver(wrapped: made, clock: clock)
            let gate = DestinationGate(requestsPerSecond: config.limits.requestsPerSecond)
            try await ReconcilerService(destination: destination, store: store, clock: clock, logger: logger, gate: gate, singlePass: true).run()
        }
    }
}
