import Foundation
import JourneyQueue

@testable import JourneyQueuePostgres

extension PostgresQueueStore {
    /// A store whose pool runs until `close()`: tests open stores outside any one scope (a fixture's life), where the
    /// product runs the pool in a structured one (`whileRunning`, a service group).
    static func running(url: String, clock: any WallClock = SystemClock(), maximumConnections: Int = 8) async throws
        -> PostgresQueueStore
    {
        let store = try await PostgresQueueStore(url: url, clock: clock, maximumConnections: maximumConnections)
        PoolRunners.shared.start(store)
        return store
    }

    /// Stops the pool `running` started.
    func close() { PoolRunners.shared.stop(self) }
}

/// The running pools of the tests' stores.
final class PoolRunners: @unchecked Sendable {
    static let shared = PoolRunners()
    private let lock = NSLock()
    private var tasks: [ObjectIdentifier: Task<Void, Never>] = [:]

    func start(_ store: PostgresQueueStore) {
        let task = Task { _ = try? await store.run() }
        lock.withLock { tasks[ObjectIdentifier(store)] = task }
    }

    func stop(_ store: PostgresQueueStore) {
        lock.withLock { tasks.removeValue(forKey: ObjectIdentifier(store)) }?.cancel()
    }
}
