import Foundation
import Glibc
import JourneyQueue
import JourneyQueueSQLite
import JourneySimulator
import JourneyWorker
import Testing

/// A destination that is down pauses; it does not use up its contacts' attempts (issue 17). The host is really down:
/// nothing listens on its port until the sandbox starts there, so every try meets a refused connection.
@Suite(.timeLimit(.minutes(12))) struct OutageTests {
    @Test func aHostRefusingConnectionsForThirtySecondsCostsNoAttemptAndNobodyIsLost() async throws {
        let held = try HeldPort()
        let port = held.port
        let outageSeconds = 30.0
        let scratch = try Scratch()
        let store = try SQLiteQueueStore(path: scratch.path("queue.sqlite"))
        _ = try await store.enqueue(destination: "sfmc-async-events") { sink in
            for index in 0..<300 { sink.add(ContactRecord(key: "o\(index)", data: [Field("n", .number(String(index)))])) }
        }
        let simulator = {
            var configuration = SimulatorConfiguration(); configuration.entryDelayMillis = 0...0; return configuration
        }()
        let configs = try OfflineConfig.configs(port: port, scratch: scratch) { config in
            config.policy.retry = RetryPolicy(maxAttempts: 3, baseDelayMillis: 50, maxDelayMillis: 200)
            config.limits.timeoutMillis = 1_000
            config.circuit = CircuitBreaker(failureThreshold: 5, baseMillis: 200, maxMillis: 2_000)
        }
        let started = Date()
        async let truth: [String: Int] = {
            // The host comes up after the outage, on the port the config names.
            try await Task.sleep(for: .milliseconds(Int(outageSeconds * 1000)))
            held.release()
            return try await SimulatorServer.withRunning(configuration: simulator, port: port) { _, state in
                try await waitFor(seconds: 120) { try await store.counts().first?.counts[.confirmed] == 300 }
                return await state.truth().first { $0.destination == "sfmc-async-events" }?.entries ?? [:]
            }
        }()
        let harness = WorkerHarness(
            base: "http://127.0.0.1:\(port)", state: SimulatorState(configuration: simulator), scratch: scratch, store: store)
        let gaveUp = try await harness.work(configs, deadline: 150)
        let entered = try await truth
        #expect(gaveUp == nil)
        #expect(Date().timeIntervalSince(started) >= outageSeconds)
        let counts = try await store.counts().first?.counts ?? [:]
        #expect(counts[.confirmed] == 300 && counts[.dead, default: 0] == 0, "\(counts)")
        #expect(entered.count == 300 && entered.values.allSatisfy { $0 == 1 }, "nobody twice")
        let path = store.path
        // The outage was met (refused connections, recorded), and cost nobody an attempt.
        #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE error_class = 'connect'") > 0)
        #expect(try SQLiteInspection.int(path: path, "SELECT MAX(attempts) FROM contact") == 1)
        // Paused, not hammered: a few probes a second at most while the host was down.
        let tries = try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE error_class = 'connect'")
        #expect(tries < Int(outageSeconds) * 5, "\(tries) refused tries in \(outageSeconds) s")
    }

    @Test func untilDrainedGivesUpAfterTheOutageLimitAndTheContactsStayQueued() async throws {
        let held = try HeldPort()
        defer { held.release() }
        let port = held.port
        let scratch = try Scratch()
        let store = try SQLiteQueueStore(path: scratch.path("queue.sqlite"))
        _ = try await store.enqueue(destination: "sfmc-async-events") { sink in
            for index in 0..<50 { sink.add(ContactRecord(key: "o\(index)", data: [])) }
        }
        let configs = try OfflineConfig.configs(port: port, scratch: scratch) { config in
            config.policy.retry = RetryPolicy(maxAttempts: 1, baseDelayMillis: 50, maxDelayMillis: 100)
            config.outageLimitMillis = 2_000
            config.circuit = CircuitBreaker(baseMillis: 100, maxMillis: 400)
        }
        let harness = WorkerHarness(
            base: "http://127.0.0.1:\(port)", state: SimulatorState(configuration: SimulatorConfiguration()),
            scratch: scratch, store: store)
        let gaveUp = try #require(try await harness.work(configs, deadline: 30))
        #expect(gaveUp.destination == "sfmc-async-events")
        #expect(gaveUp.seconds >= 2)
        #expect(gaveUp.description.contains("not reachable"), "\(gaveUp)")
        // Never dead because of an outage, even with a single attempt allowed.
        #expect(try await store.counts().first?.counts[.queued] == 50)
        // The report shows why: the daemon recorded the open circuit.
        let health = try #require(try await store.counts().first?.health)
        #expect(health.reason.contains("not reachable") && health.since != nil)
        #expect(ReportRenderer.text(try await store.reports(destination: nil, since: nil)).contains("HELD        not reachable"))
        #expect(try SQLiteInspection.int(path: store.path, "SELECT MAX(attempts) FROM contact") == 0)
    }
}

/// The sandbox's config for one destination at a port where nothing may be listening yet.
enum OfflineConfig {
    static func configs(port: Int, scratch: Scratch, configure: (inout DestinationConfig) -> Void) throws -> [DestinationConfig] {
        let yaml = SandboxConfigWriter.yaml(baseURL: "http://127.0.0.1:\(port)", configuration: SimulatorConfiguration())
        let path = try scratch.write("offline.yaml", yaml)
        return try ConfigLoader(file: path).load().filter { $0.name == "sfmc-async-events" }.map { config in
            var config = config
            config.policy.settleMillis = 300
            configure(&config)
            return config
        }
    }
}

/// A loopback port that nothing listens on, held: a socket is bound to it and never listens, so that every connection
/// is refused and no other test's server can take the port meanwhile (one did, during a 30 s outage on a loaded CI
/// machine, and took the contacts). `release()` just before a server is started there.
final class HeldPort: Sendable {
    let port: Int
    private let socket: Int32

    init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        socket = fd
    }

    /// Lets the port go, for a server to bind it.
    func release() { close(socket) }
}

/// An operator's pause lives in the database: a daemon obeys it from its first request, and lets go when it ends.
@Suite(.timeLimit(.minutes(12))) struct OperatorPauseTests {
    @Test func aPausedDestinationSendsNothingUntilThePauseEnds() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            try await harness.enqueue(200)
            let until = SystemClock().nowMillis() + 2_000
            try await harness.store.setPause(destination: "sfmc-async-events", paused: true, until: until, reason: "held for the test")
            try await harness.work(try harness.configs())
            #expect(try await harness.counts()[.confirmed] == 200)
            let first = try SQLiteInspection.int(path: harness.store.path, "SELECT MIN(started_at) FROM attempt WHERE purpose <> 'token'")
            #expect(Int64(first) >= until, "the first request left \(until - Int64(first)) ms before the pause ended")
        }
    }
}
