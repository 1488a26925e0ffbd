import Foundation
import JourneyQueue
import Testing

/// Counts come from counters moved in the same transactions as the contacts; after every kind of move they equal a
/// COUNT over the table.
@Suite struct CounterTests {
    func check(_ fixture: StoreFixture, _ step: String) async throws {
        let counted = try await fixture.rows("SELECT destination_id, state, COUNT(*) FROM contact GROUP BY destination_id, state").map {
            $0.map { $0 ?? "" }.joined(separator: "/")
        }
        // SQLite keeps one row per state, PostgreSQL one per state and slot: their sums are the counts.
        let kept = try await fixture.rows(
            """
            SELECT destination_id, state, SUM(n) FROM contact_count WHERE state <> \(StateCode.windowWaitCounter)
            GROUP BY destination_id, state HAVING SUM(n) <> 0
            """
        ).map { $0.map { $0 ?? "" }.joined(separator: "/") }
        #expect(Set(counted) == Set(kept), "after \(step)")
        let negative = try await fixture.rows(
            "SELECT COUNT(*) FROM (SELECT SUM(n) AS n FROM contact_count GROUP BY destination_id, state) AS sums WHERE n < 0")
        #expect(negative == [["0"]], "after \(step)")
    }

    @Test(arguments: Engine.allCases) func countersEqualTheTableAfterEveryMove(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(20))
        try await fixture.enqueue(["k1", "new"])
        try await fixture.enqueue(["x"], destination: "other")
        try await check(fixture, "enqueue with a duplicate")
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        try await check(fixture, "claim")
        let ids = batch.contacts.map(\.id)
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [(ids[0], .notMember)],
            released: [Settlement(contactID: ids[9], outcome: .retry(at: 0, error: "look failed", refundAttempt: true))],
            releaseCountsAsLook: true)
        try await check(fixture, "release")
        _ = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "x", requestBody: "", startedAt: 0))
        try await check(fixture, "write-ahead")
        let now = fixture.clock.nowMillis()
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(contactID: ids[0], outcome: .accepted(eventInstanceID: "e", verifyAfter: now)),
                Settlement(contactID: ids[1], outcome: .unknown(error: "timeout", verifyAfter: now)),
                Settlement(contactID: ids[2], outcome: .dead(reason: "bad", ambiguous: true)),
                Settlement(contactID: ids[3], outcome: .confirmed),
                Settlement(contactID: ids[4], outcome: .unverifiable()),
                Settlement(contactID: ids[5], outcome: .retry(at: now, error: "x", refundAttempt: false)),
            ])
        try await check(fixture, "settle")
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 1_000))
        try await fixture.store.settleVerification(
            look.lease,
            outcomes: look.contacts.map {
                Settlement(contactID: $0.id, outcome: $0.state == .accepted ? .confirmed : .dead(reason: "gone"))
            })
        try await check(fixture, "reconciliation")
        let stale = try #require(try await fixture.store.claim(destination: "dest", limit: 3, leaseMillis: 10))
        _ = try await fixture.store.beginAttempt(
            stale.lease, AttemptStart(purpose: .submit, method: "POST", url: "x", requestBody: "", startedAt: 0))
        _ = try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 10)
        fixture.clock.advance(by: 100)
        _ = try await fixture.store.recoverExpiredLeases()
        try await check(fixture, "lease recovery")
        _ = try await fixture.store.redrive(destination: "dest", reason: nil, lookable: true)
        try await check(fixture, "redrive")
        fixture.clock.advance(by: 1_000_000)
        _ = try await fixture.store.pruneAll(contactsBefore: fixture.clock.nowMillis(), ledgerBefore: fixture.clock.nowMillis(), chunk: 2)
        try await check(fixture, "prune")
        let total = try await fixture.rows(
            "SELECT COUNT(*) FROM contact c JOIN destination d ON d.id = c.destination_id WHERE d.name = 'dest'")
        #expect(try await fixture.store.counts().first { $0.name == "dest" }.map { [[String($0.total)]] } == total)
    }

    @Test(arguments: Engine.allCases) func pausesAreKeptForEveryWorkerAndShownInCounts(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        try await fixture.store.setPause(destination: "dest", paused: true, until: nil, reason: "campaign on hold")
        let other = try await fixture.secondStore()
        #expect(try await other.counts().first?.pause == DestinationPause(until: .max, reason: "campaign on hold", cause: .operator))
        // The cause is kept as the closed set readiness and metrics decide on, beside the text.
        let refused = DestinationPause(until: 5, reason: "token refused: invalid_client", since: 1, cause: .authentication)
        try await other.reportHealth(destination: "dest", pause: refused)
        #expect(try await fixture.store.counts().first?.health == refused)
        #expect(try await fixture.store.reports(destination: "dest", since: nil).first?.health == refused)
        #expect(try await fixture.store.reports(destination: "dest", since: nil).first?.pause?.reason == "campaign on hold")
        try await fixture.store.setPause(destination: "dest", paused: false, until: nil, reason: nil)
        #expect(try await other.counts().first?.pause == nil)
        await #expect(throws: StoreError.unknownDestination("nope")) {
            try await fixture.store.setPause(destination: "nope", paused: true, until: nil, reason: nil)
        }
    }
}
