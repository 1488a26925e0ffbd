import JourneyQueue

extension PostgresQueueStore {
    /// `body`'s result, with the store's pool running for it as a child task that stops when `body` ends: the scope of a
    /// one-shot command, and of a daemon's whole service group (which reads the store while it is set up, and whose
    /// services must all have stopped before the pool does).
    public func whileRunning<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, isolation: isolation) { group in
            group.addTask { try await self.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

extension PostgresQueueStore {
    /// Opens a store whose every time is the database server's, measured once now, and runs `body` with it (its pool
    /// running meanwhile): a one-shot command (reconcile, pause, prune, redrive, forget, enqueue) on a host whose clock is
    /// off writes and compares the times the fleet does. `body` gets the store and the clock it decides with.
    public static func onServerTime<T>(
        url: String, host: any WallClock = SystemClock(), isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresQueueStore, ReferenceClock) async throws -> T
    ) async throws -> T {
        let reference = ReferenceClock(host: host)
        let store = try await PostgresQueueStore(url: url, clock: reference)
        return try await store.whileRunning {
            try await store.synchronize(reference)
            return try await body(store, reference)
        }
    }
}
