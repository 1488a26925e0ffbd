import Foundation
import JourneyQueue
import Testing

/// The lifecycles are defined once (`ContactState.canMove`, `BatchPhase.canMove`) and enforced by both stores from that definition: any
/// statement that moves a contact another way fails in the store, whoever wrote it, and changes nothing.
@Suite struct LifecycleGuardTests {
    func expectRefused(_ fixture: StoreFixture, _ sql: String, _ step: String) async throws {
        await #expect(throws: (any Error).self, "\(step) must be refused") { try await fixture.rows(sql) }
    }

    @Test(arguments: Engine.allCases) func aMoveOutsideTheLifecycleFailsInTheStore(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let before = try await fixture.rows("SELECT state, SUM(n) FROM contact_count GROUP BY state HAVING SUM(n) <> 0 ORDER BY state")
        // Out of the queue only by a claim: not straight to confirmed, not to sending.
        try await expectRefused(fixture, "UPDATE contact SET state = 5 WHERE contact_key = 'a'", "queued → confirmed")
        try await expectRefused(fixture, "UPDATE contact SET state = 2 WHERE contact_key = 'a'", "queued → sending")
        #expect(try await fixture.states() == ["a": .queued, "b": .queued])
        #expect(
            try await fixture.rows("SELECT state, SUM(n) FROM contact_count GROUP BY state HAVING SUM(n) <> 0 ORDER BY state") == before)
        // The store's own moves pass: claimed, sent, confirmed.
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 60_000))
        _ = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "u", requestBody: "{}", startedAt: fixture.clock.nowMillis()))
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(contactID: batch.contacts[0].id, outcome: .confirmed),
                Settlement(contactID: batch.contacts[1].id, outcome: .dead(reason: "bad", ambiguous: true)),
            ])
        // Confirmed is for good; dead leaves only by a redrive (to the queue, or to be looked for first).
        try await expectRefused(fixture, "UPDATE contact SET state = 0 WHERE contact_key = 'a'", "confirmed → queued")
        try await expectRefused(fixture, "UPDATE contact SET state = 1 WHERE contact_key = 'b'", "dead → claimed")
        #expect(try await fixture.store.redrive(destination: "dest", reason: nil, lookable: true).toLookFor == 1)
        #expect(try await fixture.states() == ["a": .confirmed, "b": .unknown])
        // A move the lifecycle allows passes even when written by hand.
        _ = try await fixture.rows("UPDATE contact SET state = 0 WHERE contact_key = 'b'")
        #expect(try await fixture.states()["b"] == .queued)
        // A batch closes once: settled stays settled, neither reopened nor expired.
        let batchID = Int64(batch.lease.batchID)
        try await expectRefused(fixture, "UPDATE batch SET state = 0 WHERE id = \(batchID)", "settled batch → open")
        try await expectRefused(fixture, "UPDATE batch SET state = 2 WHERE id = \(batchID)", "settled batch → expired")
        #expect(try await fixture.rows("SELECT state FROM batch WHERE id = \(batchID)") == [["1"]])
    }

    @Test func theBatchPhasesAreOpenThenClosedOnce() async {
        #expect(BatchPhase.allCases.filter { BatchPhase.open.canMove(to: $0) } == [.settled, .expired])
        #expect(!BatchPhase.settled.canMove(to: .expired) && !BatchPhase.expired.canMove(to: .open))
        #expect(
            BatchPhase.allowedMoveSQL(old: "o", new: "n") == "((CASE o WHEN 0 THEN 6 WHEN 1 THEN 0 WHEN 2 THEN 0 ELSE 0 END >> n) & 1) = 1")
    }
}
