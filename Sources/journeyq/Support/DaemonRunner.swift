import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyWorker
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs services the way a daemon must: the first SIGTERM or SIGINT drains gracefully within the
/// grace period, a second one stops at once.
enum DaemonRunner {
    static func run(services: [ServiceGroupConfiguration.ServiceConfiguration], logger: Logger, graceSeconds: Double) async throws {
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
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.warning("second signal: stopping at once; unanswered requests will be looked for before any re-send")
                        exit(130)
                    }
                }
            }
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
