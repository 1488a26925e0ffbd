import Foundation
import Logging
import Synchronization
import Testing

@testable import JourneyDestinations
@testable import JourneyWorker

/// The watchdog is fed only when the store answers: a daemon stuck on its database is one systemd restarts.
@Suite struct WatchdogServiceTests {
    final class Tally: Sendable {
        let probes = Mutex(0)
        let pings = Mutex(0)
    }

    func run(probeFails: Bool, until probes: Int) async throws -> Int {
        let tally = Tally()
        let service = WatchdogService(
            watchdogMillis: 30, logger: Logger(label: "test"),
            probe: {
                tally.probes.withLock { $0 += 1 }
                if probeFails { throw CocoaError(.fileWriteUnknown) }
            }, ping: { tally.pings.withLock { $0 += 1 } })
        let task = Task { try await service.run() }
        // Generous: the suite's start can stall every cooperative thread for half a minute on a loaded machine (the
        // PostgreSQL fixtures wait for their private server under a lock), and this loop ends as soon as the probes are in.
        let deadline = ContinuousClock.now + .seconds(180)
        while tally.probes.withLock({ $0 }) < probes && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        _ = try? await task.value
        #expect(tally.probes.withLock { $0 } >= probes)
        return tally.pings.withLock { $0 }
    }

    @Test func aStoreThatAnswersFeedsTheWatchdogAfterEachProbe() async throws {
        #expect(try await run(probeFails: false, until: 3) >= 3)
    }

    @Test func aStoreThatDoesNotTakeWritesStarvesIt() async throws {
        #expect(try await run(probeFails: true, until: 3) == 0)
    }

    @Test func theNotifierReadsOnlyWhatSystemdSet() {
        #expect(SystemdNotifier.fromEnvironment([:]) == nil)
        #expect(SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "relative/path"]) == nil)
        let notifier = SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "@abstract", "WATCHDOG_USEC": "90000000"])
        #expect(notifier?.watchdogMillis == 90_000)
        // A watchdog meant for another process (a parent that passed its environment on) is not this one's.
        let other = SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "/run/notify", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"])
        #expect(other?.watchdogMillis == nil)
    }
}

/// The trace id the ledger keeps is read from the W3C header the tracer would send: sampled traces only.
@Suite struct TraceIdentityTests {
    @Test func readsASampledTraceparentAndNothingElse() {
        #expect(
            TraceIdentity.traceID(fromTraceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceIdentity.traceID(fromTraceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00") == nil)
        #expect(TraceIdentity.traceID(fromTraceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(TraceIdentity.traceID(fromTraceparent: "00-4bf92f35-00f067aa0ba902b7-01") == nil)
        #expect(TraceIdentity.traceID(fromTraceparent: nil) == nil)
        // No tracer bootstrapped in this process: no span, no id.
        #expect(TraceIdentity.current() == nil)
    }
}
