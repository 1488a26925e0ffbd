import JourneyDestinations
import JourneyQueue
import JourneyRuntime
import Logging
import ServiceLifecycle

/// Composition root of `journeyq work`: per destination one gate, a submitter pool and a reconciler; lease recovery;
/// and (to drain) a monitor.
public struct WorkerDaemon {
    /// The services to run in one ServiceGroup.
    public let services: [ServiceGroupConfiguration.ServiceConfiguration]
    /// The destinations built from the config, in config order.
    public let destinations: [any Destination]
    /// Each destination's gate (rate, pauses, circuit), in config order.
    public let gates: [DestinationGate]

    /// - Parameters:
    ///   - concurrency: overrides every destination's `concurrency` when given.
    ///   - drain: when given, the daemon stops once the destinations are drained in that sense (or gives up after a
    ///     destination's outage limit, throwing `DrainGaveUp` from the group).
    /// - Parameter checkpoint: called now and then to keep the store's write-ahead log short.
    /// - Parameter summaryEveryMillis: when given, a progress line per destination at `info` this often (while counts move).
    public init(
        configs: [DestinationConfig], store: any QueueStore, caller: HTTPCaller, clock: any WallClock, logger: Logger,
        concurrency: Int? = nil, drain: DrainMonitor.Criterion? = nil, checkpoint: @escaping @Sendable () async throws -> Void = {},
        metrics: JourneyMetrics? = nil, onProgress: @escaping @Sendable () async -> Void = {},
        retention: (policy: RetentionPolicy, store: any Pruning)? = nil,
        notify: (webhooks: [WebhookConfig], outbox: any EventOutbox)? = nil, summaryEveryMillis: Int64? = nil
    ) async throws {
        var destinations: [any Destination] = []
        var gates: [DestinationGate] = []
        // First, so that it stops last: the gates' final reports are still written.
        let health = HealthRecorder(logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: health)]
        for var config in configs {
            if let concurrency { config.limits.concurrency = concurrency }
            let (destination, gate) = try await Self.make(
                config, store: store, caller: caller, clock: clock, logger: logger, health: health, metrics: metrics)
            destinations.append(destination)
            gates.append(gate)
            services.append(
                .init(
                    service: SubmitterService(
                        destination: destination, store: store, clock: clock, logger: logger, gate: gate,
                        metrics: metrics)))
            services.append(
                .init(
                    service: ReconcilerService(
                        destination: Self.verifying(destination, clock: clock), store: store, clock: clock,
                        logger: logger, gate: gate, untilDrained: drain != nil, metrics: metrics)))
            if config.watchesJourney {
                services.append(
                    .init(
                        service: JourneyWatchService(
                            destination: destination, gate: gate, ledger: store, logger: logger,
                            intervalMillis: config.journeyCheckMillis)))
            }
        }
        let shortestLease = configs.map(\.limits.leaseMillis).min() ?? 60_000
        services.append(
            .init(
                service: RecoveryService(
                    store: store, logger: logger, intervalMillis: max(min(shortestLease / 2, 5_000), 100),
                    checkpoint: checkpoint)))
        if let erasures = store as? any ErasureStore {
            services.append(.init(service: ErasureService(store: erasures, logger: logger)))
        }
        if let retention, !retention.policy.keepsEverything {
            services.append(
                .init(
                    service: RetentionService(
                        store: retention.store, policy: retention.policy, clock: clock, logger: logger, metrics: metrics)))
        }
        if let notify {
            for other in try await notify.outbox.ensureWebhooks(notify.webhooks.map(\.name)) {
                logger.warning(
                    "a webhook endpoint is registered in the queue but not in this config; its events wait for it (retention keeps them)",
                    metadata: ["webhook": "\(other)", "if.gone.for.good": "journeyq webhooks --retire \(other)"])
            }
            for webhook in notify.webhooks {
                services.append(
                    .init(
                        service: WebhookService(
                            config: webhook, store: notify.outbox, client: caller.httpClient, clock: clock, logger: logger,
                            metrics: metrics)))
            }
        }
        if let summaryEveryMillis {
            services.append(
                .init(
                    service: ProgressSummaryService(
                        store: store, destinations: configs.map(\.name), intervalMillis: summaryEveryMillis,
                        logger: logger)))
        }
        let watcher = PauseWatcher(store: store, gates: gates, logger: logger)
        services.append(.init(service: watcher))
        if let drain {
            let limits = zip(gates, configs).map { (gate: $0, outageLimitMillis: $1.outageLimitMillis) }
            services.append(
                .init(
                    service: DrainMonitor(
                        store: store, destinations: configs.map(\.name), criterion: drain, gates: limits, clock: clock,
                        onProgress: onProgress),
                    successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        self.services = services
        self.destinations = destinations
        self.gates = gates
    }

    /// A destination and its gate, registered in the store with the wait that lease recovery must honour before a look
    /// (the settle time after the latest moment an abandoned request may still arrive).
    static func make(
        _ config: DestinationConfig, store: any QueueStore, caller: HTTPCaller, clock: any WallClock,
        logger: Logger, health: HealthRecorder, metrics: JourneyMetrics? = nil, watchesJourney: Bool = true
    ) async throws -> (any Destination, DestinationGate) {
        try await store.ensureDestination(
            name: config.name, kind: config.kind.rawValue, settleMillis: config.policy.ambiguousLookDelayMillis)
        let name = config.name
        // An operator's pause holds from the first request on, not from the watcher's first poll.
        let paused = try await store.counts().first { $0.name == name }?.pause
        let gate = DestinationGate(
            destination: name, requestsPerSecond: config.limits.requestsPerSecond, concurrency: config.limits.concurrency,
            circuit: config.circuit,
            maxPauseMillis: config.policy.maxPauseMillis, clock: clock, logger: logger, operatorPause: paused,
            checkingJourney: watchesJourney && config.watchesJourney,
            onHealth: { pause in
                health.record(destination: name, what: "health") { try await store.reportHealth(destination: name, pause: pause) }
            },
            onLookHealth: { looks in
                health.record(destination: name, what: "looks") { try await store.reportLookHealth(destination: name, pause: looks) }
            },
            callBudget: config.callBudgetPerDay.map { CallBudget(callsPerDay: $0) },
            onBudget: { share in metrics?.callBudget(destination: name, usedShare: share) },
            onInFlight: { busy, waiting in metrics?.requestsInFlight(destination: name, busy: busy, waiting: waiting) })
        var gated = caller.gated(by: gate)
        if let metrics {
            gated.observe = { purpose, status, latency in
                metrics.request(destination: name, purpose: purpose, status: status, latencyMillis: latency)
            }
        }
        return (config.destination(caller: gated, ledger: store, clock: clock, logger: logger), gate)
    }

    static func verifying(_ destination: any Destination, clock: any WallClock) -> any VerifyingDestination {
        destination as? any VerifyingDestination ?? AmbiguityResolver(wrapped: destination, clock: clock)
    }

    /// `journeyq reconcile`: first returns the work of dead workers (expired leases), then looks once at every contact
    /// that is due now, for every destination.
    public static func reconcileOnce(
        configs: [DestinationConfig], store: any QueueStore, caller: HTTPCaller, clock: any WallClock, logger: Logger
    ) async throws {
        for config in configs {
            try await store.ensureDestination(
                name: config.name, kind: config.kind.rawValue, settleMillis: config.policy.ambiguousLookDelayMillis)
        }
        let recovered = try await store.recoverExpiredLeases()
        if recovered.batches > 0 {
            logger.notice(
                "recovered expired leases",
                metadata: [
                    "batches": "\(recovered.batches)", "requeued": "\(recovered.requeued)",
                    "unknown": "\(recovered.madeUnknown)",
                ])
        }
        let health = HealthRecorder(logger: logger)
        for config in configs {
            // Only looks: no journey watch, and no hold that waits for one.
            let (destination, gate) = try await make(
                config, store: store, caller: caller, clock: clock, logger: logger, health: health, watchesJourney: false)
            try await ReconcilerService(
                destination: verifying(destination, clock: clock), store: store, clock: clock, logger: logger, gate: gate,
                singlePass: true
            ).run()
        }
        // The passes' health reports, written before the command ends.
        health.finish()
        await health.run()
    }
}
