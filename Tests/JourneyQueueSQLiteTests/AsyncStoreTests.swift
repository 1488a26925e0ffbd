import Foundation
import GRDB
import JourneyQueue
import Synchronization
import Testing

@testable import JourneyQueueSQLite

/// The store's calls are async: a write that waits for SQLite's lock (up to the 30 s busy timeout) waits on GRDB's own
/// queue, not on one of Swift concurrency's cooperative threads (as many as the machine has cores: two here). With
/// blocking calls, a handful of writers stuck behind another process's transaction starved every task of the daemon,
/// lease renewals and HTTP answers included.
@Suite(.timeLimit(.minutes(2))) struct AsyncStoreTests {
    @Test func writersWaitingForTheLockLeaveTheCooperativePoolFree() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(64))
        // Another process holds the write lock, from a thread of its own, until told to let go.
        let holder = try LockHolder(fixture.secondStore())
        // Many more writers than cooperative threads, all waiting for the lock.
        let store = fixture.store
        let answered = Tally()
        let claims = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        defer { answered.add() }
                        return try await store.claim(destination: "dest", limit: 4, leaseMillis: 60_000)?.contacts.count ?? 0
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        // Meanwhile other tasks keep running. Blocked writers would hold every cooperative thread until SQLite's busy
        // timeout failed them, so no tick could come before a writer was answered; how fast ticks come depends on the
        // machine (and on the rest of the suite running beside this test), whether they come while writers wait does not.
        let ticks = Atomic<Int>(0)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(5))
                ticks.add(1, ordering: .relaxed)
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while ticks.load(ordering: .relaxed) < 20 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        let ticked = ticks.load(ordering: .relaxed)
        let answeredWhileTicking = answered.value
        let stillLocked = try await store.pendingWork(destination: "dest").queued
        holder.release()
        ticker.cancel()
        #expect(ticked >= 20, "other tasks ran while 16 writers waited for the lock")
        #expect(answeredWhileTicking == 0, "the ticks came while every writer was still waiting, not after writers gave up")
        #expect(stillLocked, "nothing was claimed while the other transaction held the lock")
        #expect(try await claims.value == 64, "once the lock was let go, every writer went through")
    }
}

/// A count shared by tasks.
final class Tally: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
