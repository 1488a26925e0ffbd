import Foundation
import GRDB
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

/// The daemon's writes share transactions (`GroupCommit`): writes that queue while the writer is busy commit together,
/// a write that throws is undone alone, and nobody is answered before the commit that holds their write.
@Suite(.timeLimit(.minutes(5))) struct GroupCommitTests {
    @Test func writesQueuedBehindTheLockCommitTogether() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(64))
        let store = fixture.store
        let holder = try LockHolder(fixture.secondStore())
        let before = store.writes.statistics
        let claims = Task {
            try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<16 {
                    group.addTask { try await store.claim(destination: "dest", limit: 4, leaseMillis: 60_000)?.contacts.map(\.id) ?? [] }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        try await waitUntil { store.writes.unanswered == 16 }
        holder.release()
        let claimed = try await claims.value
        #expect(claimed.count == 64 && Set(claimed).count == 64, "every contact claimed once")
        let after = store.writes.statistics
        #expect(after.writes - before.writes == 16)
        // The first group may have taken one write or several before it met the lock; the rest waited for one more.
        #expect(after.groups - before.groups <= 2, "16 writes in \(after.groups - before.groups) transactions")
    }

    @Test func aWriteThatThrowsIsUndoneAloneAndTheRestOfItsGroupCommits() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(12))
        let store = fixture.store
        let sent = try #require(try await store.claim(destination: "dest", limit: 4, leaseMillis: 60_000))
        let holder = try LockHolder(fixture.secondStore())
        let statements = StatementLog()
        try await store.pool.writeWithoutTransaction { db in db.trace { statements.append($0.description) } }
        struct Refused: Error {}
        let start = AttemptStart(purpose: .submit, method: "POST", url: "http://x", requestBody: "{}", startedAt: fixture.clock.nowMillis())
        let claimed = Task { try await store.claim(destination: "dest", limit: 4, leaseMillis: 60_000) }
        let writtenAhead = Task { try await store.beginAttempt(sent.lease, start) }
        let forged = Task {
            try await store.beginAttempt(Lease(batchID: sent.lease.batchID, token: "forged", destination: "dest", until: .max), start)
        }
        let halfWritten = Task {
            try await store.writes.write { db in
                try db.execute(sql: "INSERT INTO destination(name, created_at) VALUES ('half-written', 0)")
                throw Refused()
            }
        }
        try await waitUntil { store.writes.unanswered == 4 }
        holder.release()

        #expect(try await claimed.value?.contacts.count == 4)
        let attemptID = try await writtenAhead.value
        await #expect(throws: StoreError.leaseLost(batchID: sent.lease.batchID)) { try await forged.value }
        await #expect(throws: Refused.self) { try await halfWritten.value }
        // What the callers were told is on disk, as another process sees it; the refused write left nothing.
        let other = try fixture.secondStore()
        let seen = try await other.pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attempt WHERE id = ?", arguments: [attemptID]),
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM contact c \(InFlightSQL.join) WHERE \(InFlightSQL.state) = \(StateCode.claimed)"),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM destination WHERE name = 'half-written'")
            )
        }
        #expect(seen.0 == 1 && seen.1 == 4 && seen.2 == 0, "\(seen)")
        // The write-ahead record made its group's commit durable, whoever else was in it.
        let log = statements.all.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let insert = try #require(log.firstIndex { $0.hasPrefix("INSERT INTO attempt") })
        let full = try #require(log[..<insert].lastIndex { $0.hasPrefix("PRAGMA synchronous = FULL") })
        let commit = try #require(log[insert...].firstIndex { $0.hasPrefix("COMMIT") })
        #expect(!log[full..<commit].contains { $0.hasPrefix("PRAGMA synchronous = NORMAL") }, "\(log)")
    }
}

/// Polls `condition` until it holds; fails the test after `seconds`: a bound for a loaded machine (it returns as soon as
/// the condition holds), which the suite's time limit leaves room for, so a failure says what was not met.
func waitUntil(seconds: Double = 180, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else {
            Issue.record("condition not met within \(seconds) s")
            return
        }
        try await Task.sleep(for: .milliseconds(2))
    }
}
