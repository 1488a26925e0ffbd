import Logging
import ServiceLifecycle

/// Feeds systemd's watchdog from the daemon's own loop: `WATCHDOG=1` only after the store took a write probe, so a
/// daemon whose database stopped answering (a hung disk, a lost PostgreSQL) misses its pings and systemd restarts it,
/// its leases recovered as after any crash.
public struct WatchdogService: Service {
    let intervalMillis: Int64
    let probe: @Sendable () async throws -> Void
    let ping: @Sendable () -> Void
    let logger: Logger

    /// - Parameters:
    ///   - watchdogMillis: systemd's `WATCHDOG_USEC` in milliseconds; the probe runs three times in that span, so that
    ///     one slow probe does not cost a restart.
    public init(
        watchdogMillis: Int64, logger: Logger, probe: @escaping @Sendable () async throws -> Void, ping: @escaping @Sendable () -> Void
    ) {
        self.intervalMillis = max(watchdogMillis / 3, 10)
        self.probe = probe
        self.ping = ping
        self.logger = logger
    }

    public func run() async throws {
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await probe()
                ping()
                if failing { logger.notice("the store answers again; the watchdog is fed") }
                failing = false
            } catch {
                if !failing {
                    logger.error(
                        "the store does not take writes; the watchdog is not fed (systemd restarts the service if it goes on)",
                        metadata: ["error": "\(error)"])
                }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMillis)) }
        }
    }
}
