import Foundation
import GRDB
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

/// SQLite's half of the write-ahead promise: its one transaction is fsynced, the queue's moves are not.
@Suite struct WriteAheadDurabilityTests {
    @Test func theWriteAheadRecordIsFsyncedAndOnlyIt() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(["a"])
        let statements = StatementLog()
        try await fixture.store.pool.writeWithoutTransaction { db in db.trace { statements.append($0.description) } }
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 3_000))
        _ = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x", requestBody: "{}",
                startedAt: fixture.clock.nowMillis()))
        let seen = statements.all.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let full = try #require(seen.firstIndex { $0.hasPrefix("PRAGMA synchronous = FULL") })
        let insert = try #require(seen.firstIndex { $0.hasPrefix("INSERT INTO attempt") })
        let commit = try #require(seen.lastIndex { $0 == "COMMIT TRANSACTION" || $0 == "COMMIT" })
        let normal = try #require(seen.lastIndex { $0.hasPrefix("PRAGMA synchronous = NORMAL") })
        #expect(full < insert && insert < commit && commit < normal, "\(seen)")
        // The claim before it committed at NORMAL.
        #expect(seen.firstIndex { $0.hasPrefix("UPDATE contact SET state = 1") }! < full)
    }
}

/// Statements a traced connection executed, in order.
final class StatementLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statements: [String] = []
    func append(_ statement: String) { lock.withLock { statements.append(statement) } }
    var all: [String] { lock.withLock { statements } }
}
