import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyQueueSQLite
import JourneySimulator
import JourneyWorker
import Logging
import ServiceLifecycle
import Testing

/// A simulator, a queue on a real SQLite file, and the daemon's services, all in this process over loopback.
struct WorkerHarness: Sendable {
    /// The shortest wait for a drain: what a hang needs to show, with room for the slowest machine.
    static let minimumDeadline = 300.0
    let base: String
    let state: SimulatorState
    let scratch: Scratch
    let store: SQLiteQueueStore
    /// The clock of the store and the daemon: real time, which a test steps forward to end a lease at once.
    var clock = SteppedClock()

    /// The sandbox's written config, loaded, with `configure` applied to each destination named. Marketing Cloud's
    /// settle times are 0.3 s unless set otherwise.
    func configs(
        _ names: [String] = ["sfmc-async-events"], configuration: SimulatorConfiguration = SimulatorConfiguration(),
        configure: (inout DestinationConfig) -> Void = { _ in }
    ) throws -> [DestinationConfig] {
        let path = try scratch.write("config.yaml", SandboxConfigWriter.yaml(baseURL: base, configuration: configuration))
        return try ConfigLoader(file: path).load().filter { names.contains($0.name) }.map { config in
            var config = config
            if config.connection is SFMCKind.Connection { config.policy.settleMillis = 300 }
            configure(&config)
            return config
        }
    }

    func enqueue(_ count: Int, destination: String = "sfmc-async-events", prefix: String = "c") async throws {
        _ = try await store.enqueue(destination: destination) { sink in
            for index in 0..<count { sink.add(ContactRecord(key: "\(prefix)\(index)", data: [Field("n", .number(String(index)))])) }
        }
    }

    /// Runs the daemon until the destinations are drained; fails the test if that takes longer than `deadline` seconds
    /// (at least five minutes: a deadline guards against a hang, and a loaded machine must not eat it). Returns why the
    /// drain gave up, if it did.
    @discardableResult
    func work(
        _ configs: [DestinationConfig], drain: DrainMonitor.Criterion = .settled, deadline: Double = 60,
        store override: (any QueueStore)? = nil, checkpoint: @escaping @Sendable () async throws -> Void = {}
    ) async throws -> DrainGaveUp? {
        let client = HTTPCaller.makeClient()
        var logger = Logger(label: "test.worker")
        logger.logLevel = ProcessInfo.processInfo.environment["JOURNEYQ_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let daemon = try await WorkerDaemon(
            configs: configs, store: override ?? store, caller: HTTPCaller(client: client, clock: clock),
            clock: clock, logger: logger, drain: drain, checkpoint: checkpoint)
        let group = ServiceGroup(configuration: .init(services: daemon.services, logger: logger))
        let gaveUp = GaveUpBox()
        let drained = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                do { try await group.run() } catch let error as DrainGaveUp { gaveUp.set(error) }
                return true
            }
            tasks.addTask {
                try await Task.sleep(for: .milliseconds(Int(max(deadline, Self.minimumDeadline) * 1000)))
                return false
            }
            let first = try await tasks.next()!
            if !first {
                logger.warning("test deadline reached; shutting the daemon down")
                await group.triggerGracefulShutdown()
            }
            tasks.cancelAll()
            return first
        }
        try await client.shutdown()
        if !drained { await reportHang(logger, store: override == nil ? store.path : nil) }
        #expect(drained, "the daemon did not drain within \(max(deadline, Self.minimumDeadline)) s")
        return gaveUp.value
    }

    /// What a run that missed its deadline left behind, logged so that a hang on a CI machine can be told from a slow run:
    /// the contacts by state, the attempts by purpose and outcome, the batches still open, and what the sandbox was asked.
    private func reportHang(_ logger: Logger, store path: String?) async {
        let stats = await state.statistics()
        var lines = [
            "sandbox requests: \(stats.requests.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.sorted { $0.key < $1.key })" })"
        ]
        lines.append("sandbox faults: \(stats.faults.sorted { $0.key < $1.key })")
        if let path {
            let queries = [
                "contacts": "SELECT state, COUNT(*) AS n, MAX(attempts) AS attempts FROM contact GROUP BY 1",
                "attempts": "SELECT purpose, COALESCE(error_class, status) AS outcome, COUNT(*) AS n FROM attempt GROUP BY 1, 2",
                "open batches": "SELECT id, lease_until, size FROM batch WHERE state = 0",
            ]
            for (name, sql) in queries.sorted(by: { $0.key < $1.key }) {
                let found = (try? SQLiteInspection.rows(path: path, sql)).map { "\($0)" } ?? "(unreadable)"
                lines.append("\(name): \(found)")
            }
        }
        logger.warning("[EndToEndTests] the run missed its deadline; what it left:\n\(lines.joined(separator: "\n"))")
    }

    func truth(_ destination: String = "sfmc-async-events") async -> [String: Int] {
        await state.truth().first { $0.destination == destination }?.entries ?? [:]
    }

    func counts(_ destination: String = "sfmc-async-events") async throws -> [ContactState: Int] {
        try await store.counts().first { $0.name == destination }?.counts ?? [:]
    }

    /// Runs `body` with a fresh sandbox (configured by `configure`) and store. With `sandboxSharesClock`, the sandbox
    /// keeps time by the harness's clock too, so that a step moves the remote's outages and entries with it.
    /// `remoteOffsetMillis` sets the remote's clock that far off this host's (its `Date` headers and history with it).
    static func with(
        sandboxSharesClock: Bool = false, remoteOffsetMillis: Int64 = 0, _ configure: (inout SimulatorConfiguration) -> Void = { _ in },
        _ body: @Sendable (WorkerHarness) async throws -> Void
    ) async throws {
        var configuration = SimulatorConfiguration()
        configure(&configuration)
        let clock = SteppedClock()
        let remote = OffsetWallClock(base: sandboxSharesClock ? clock : SystemClock(), offset: remoteOffsetMillis)
        try await SimulatorServer.withRunning(configuration: configuration, clock: remote) {
            base, state in
            let scratch = try Scratch()
            let store = try SQLiteQueueStore(path: scratch.path("queue.sqlite"), clock: clock)
            try await body(WorkerHarness(base: base, state: state, scratch: scratch, store: store, clock: clock))
        }
    }
}

/// Another clock, off by a fixed amount: a remote whose clock is ahead or behind this host's.
struct OffsetWallClock: WallClock {
    let base: any WallClock
    let offset: Int64
    func nowMillis() -> Int64 { base.nowMillis() + offset }
}

/// Holds the drain's give-up error across the task boundary.
final class GaveUpBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: DrainGaveUp?
    func set(_ error: DrainGaveUp) { lock.withLock { stored = error } }
    var value: DrainGaveUp? { lock.withLock { stored } }
}

extension SQLiteQueueStore {
    /// Rows of an ad-hoc query, for assertions.
    func rows(_ sql: String) throws -> [[String: String]] {
        try SQLiteInspection.rows(path: path, sql)
    }
}

/// How long a lease lasts that a test holds as a dead worker would: far longer than any machine needs between the
/// test's steps. The test ends it when it means to, by stepping the harness's clock past it (`expireTestLeases`).
let deadWorkerLeaseMillis: Int64 = 30_000

extension WorkerHarness {
    /// Ends every lease the test took with `deadWorkerLeaseMillis`, as if that long had passed: the clock steps forward by
    /// one lease (time keeps real pace otherwise, so a remote's entry delays and the settle times still hold).
    func expireTestLeases() { clock.step(by: deadWorkerLeaseMillis + 1) }
}

/// Runs a test's own writes under a lease it holds. A lost lease there means the machine was slower than the test
/// assumed, not that journeyq is wrong: the failure says so plainly.
func underTestLease<T>(_ step: String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch StoreError.leaseLost(let batchID) {
        Issue.record(
            """
            the test's own lease on batch \(batchID) expired before its next step (\(step)): the machine was slower than the \
            test assumed; give the lease more time or end it by stepping the clock
            """)
        throw StoreError.leaseLost(batchID: batchID)
    }
}
