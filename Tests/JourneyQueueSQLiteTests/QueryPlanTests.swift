import GRDB
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

/// The hot queries must use an index, never scan the contact table.
@Suite struct QueryPlanTests {
    func plan(_ fixture: StoreFixture, _ sql: String, _ arguments: StatementArguments) throws -> [String] {
        try fixture.store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
        }
    }

    func expectNoScan(_ details: [String], uses index: String) {
        #expect(details.contains { $0.contains(index) }, "plan: \(details)")
        #expect(!details.contains { $0.hasPrefix("SCAN contact") && !$0.contains("INDEX") }, "plan: \(details)")
    }

    @Test func claimUsesTheReadyIndex() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(50))
        expectNoScan(try plan(fixture, SQLiteQueueStore.claimSQL, [1, 0, 1, 0, 100]), uses: "contact_ready")
    }

    @Test func theNextLooksFillReadsTheLooksIndex() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(50))
        expectNoScan(try plan(fixture, SQLiteQueueStore.lookFillSQL, [1, 1_000, 0]), uses: "contact_to_verify")
        expectNoScan(try plan(fixture, SQLiteQueueStore.nextLookSQL, [1, 0]), uses: "contact_to_verify")
        let held = try plan(fixture, SQLiteQueueStore.heldFillSQL, [1, 0])
        expectNoScan(held, uses: "batch_look_by")
        #expect(held.contains { $0.contains("contact_batch") }, "plan: \(held)")
    }

    @Test func theLookReadsItsIndexAndTheHeldBatchesOnce() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(50))
        let details = try plan(fixture, SQLiteQueueStore.lookCandidatesSQL, [1, 0, 100])
        expectNoScan(details, uses: "contact_to_verify")
        #expect(details.contains { $0.contains("LIST SUBQUERY") }, "the held batches are read once: \(details)")
        #expect(details.contains { $0.contains("batch_look_by") }, "plan: \(details)")
        #expect(!details.contains { $0.contains("TEMP B-TREE") }, "plan: \(details)")
    }

    @Test func settleUsesThePrimaryKey() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(50))
        let details = try plan(
            fixture, SQLiteQueueStore.settleSQL, ["[[1,null,null]]", 3, 0, nil, nil, nil, 0, 0, nil, 0, 0, nil, 1, 0, nil, 5])
        #expect(details.contains { $0.contains("SEARCH contact USING INTEGER PRIMARY KEY") }, "plan: \(details)")
        #expect(!details.contains { $0.contains("SCAN contact") || $0.contains("contact_batch") }, "plan: \(details)")
    }

    @Test func verificationSettleUsesThePrimaryKey() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(50))
        let details = try plan(
            fixture, SQLiteQueueStore.settleVerificationSQL, ["[[1,null,null]]", 5, nil, nil, nil, nil, 0, 1, 0, 0, 0, nil, 1, 0, nil])
        #expect(details.contains { $0.contains("SEARCH contact USING INTEGER PRIMARY KEY") }, "plan: \(details)")
        #expect(!details.contains { $0.contains("SCAN contact") || $0.contains("contact_batch") }, "plan: \(details)")
    }

    @Test func dedupeAndRecoveryUseIndexes() async throws {
        let fixture = try StoreFixture()
        expectNoScan(try plan(fixture, "SELECT id FROM batch WHERE state = 0 AND lease_until < ?", [0]), uses: "batch_open_lease")
        expectNoScan(try plan(fixture, "UPDATE contact SET state = 0 WHERE batch_id = ? AND state = 1", [1]), uses: "contact_batch")
        expectNoScan(
            try plan(fixture, "SELECT id FROM contact WHERE destination_id = ? AND contact_key = ? AND state < 5", [1, "k"]),
            uses: "contact_live_key")
    }
}
