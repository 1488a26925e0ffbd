import Hummingbird
import JourneyQueue
import Logging
import ServiceLifecycle

/// Composition root of the sandbox: the router with every vendor endpoint over one shared state.
public enum SimulatorServer {
    /// Builds the sandbox's HTTP service; `onRunning` receives the bound port (useful with port 0). Its answers' `Date`
    /// comes from `clock`, the clock `state` keeps the remote's time by.
    public static func makeApplication(
        configuration: SimulatorConfiguration,
        state: SimulatorState,
        clock: any WallClock = SystemClock(),
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger = Logger(label: "journeyq.simulator"),
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let router = Router()
        let faults = FaultInjector(state: state, profile: configuration.faults)
        SFMCAuthRoutes.register(on: router, state: state)
        SFMCEntryRoutes.register(on: router, state: state, faults: faults, configuration: configuration)
        SFMCReconcileRoutes.register(on: router, state: state, faults: faults, configuration: configuration)
        SFMCJourneyRoutes.register(on: router, state: state, faults: faults)
        SFMCHistoryRoutes.register(on: router, state: state, faults: faults, configuration: configuration)
        SymplifyRoutes.register(on: router, state: state, faults: faults)
        BulkIngestRoutes.register(on: router, state: state, faults: faults, configuration: configuration)
        SandboxRoutes.register(on: router, state: state)
        return SandboxHTTPService(
            responder: router.buildResponder(), host: host, port: port, clock: clock, logger: logger, onRunning: onRunning)
    }

    /// Runs the sandbox on a loopback port (a free one by default) for the duration of `body`, then shuts it down.
    public static func withRunning<T: Sendable>(
        configuration: SimulatorConfiguration,
        clock: any WallClock = SystemClock(),
        port: Int = 0,
        _ body: @Sendable (_ baseURL: String, _ state: SimulatorState) async throws -> T
    ) async throws -> T {
        let state = SimulatorState(configuration: configuration, clock: clock)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "journeyq.simulator")
        logger.logLevel = .warning
        let app = makeApplication(configuration: configuration, state: state, clock: clock, port: port, logger: logger) { port in
            continuation.yield(port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let result = try await body("http://127.0.0.1:\(port)", state)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}
