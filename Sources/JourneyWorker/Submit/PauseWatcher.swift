import JourneyQueue
import Logging
import ServiceLifecycle

/// Applies operators' pauses, which live in the database so that every worker and every restart obeys them, to this
/// daemon's gates: polled every `intervalMillis` (SQLite tells no other process of a change).
public struct PauseWatcher: Service {
    let store: any QueueStore
    let gates: [DestinationGate]
    let logger: Logger
    let intervalMillis: Int64

    public init(store: any QueueStore, gates: [DestinationGate], logger: Logger, intervalMillis: Int64 = 1_000) {
        self.store = store
        self.gates = gates
        self.logger = logger
        self.intervalMillis = intervalMillis
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await apply()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMillis)) }
        }
    }

    /// Reads the pauses once and hands each gate its own.
    func apply() async {
        do {
            let pauses = await Dictionary(try store.counts().map { ($0.name, $0.pause) }, uniquingKeysWith: { first, _ in first })
            for gate in gates { await gate.hold(.operatorPause, pauses[gate.destination] ?? nil) }
        } catch {
            logger.error("reading operator pauses failed; trying again", metadata: ["error": "\(error)"])
        }
    }
}
