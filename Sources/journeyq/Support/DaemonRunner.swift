import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyWorker
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs services the way a daemon must: the first SIGTERM or SIGINT drains gracefully within the
/// grace period, a second one stops at once. Under systemd (`Type=notify`) it says when the service is ready and when it
/// drains, and feeds the watchdog from a store probe.
enum DaemonRunner {
    /// - Parameters:
    ///   - readyStatus: when given, `READY=1` is sent as the services start (with this status); `serve` passes nil and
    ///     says it once its listener is bound.
    ///   - probe: what the watchdog checks before each `WATCHDOG=1` (the store takes a write).
    static func run(
        services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger, graceSeconds: Double,
        systemd: SystemdNotifier? = SystemdNotifier.fromEnvironment(), readyStatus: String? = nil,
        probe: (@Sendable () async throws -> Void)? = nil
    ) async throws {
        var services = services
        if let systemd, let millis = systemd.watchdogMillis, let probe {
            // First in the group, so shut down last: it goes on feeding the watchdog while the others drain.
            services.insert(
                .init(service: WatchdogService(watchdogMillis: millis, logger: logger, probe: probe, ping: { systemd.watchdog() })), at: 0)
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(graceSeconds * 1000))
        let group = ServiceGroup(configuration: configuration)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                var seen = 0
                for await signal in signals {
                    seen += 1
                    if seen == 1 {
                        logger.notice("draining: no new claims, in-flight requests finish", metadata: ["signal": "\(signal)"])
                        systemd?.stopping(status: "draining: in-flight requests finish")
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.warning("second signal: stopping at once; unanswered requests will be looked for before any re-send")
                        exit(130)
                    }
                }
            }
            if let readyStatus { systemd?.ready(status: readyStatus) }
            try await group.run()
            tasks.cancelAll()
        }
    }

    /// Logging to stderr at `level`, as text or JSON lines; the only place journeyq bootstraps a log handler.
    static func bootstrapLogging(level: Logger.Level, json: Bool = false) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, json: json)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "journeyq")
    }
}
