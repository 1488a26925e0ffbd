import Foundation
import JourneyQueue
import Testing

/// A look's requests reach the ledger in the transaction that applies what it found (one write, not one a look), and
/// stay there when the verdict is refused because the lease was lost.
@Suite struct LookLedgerTests {
    func look(_ fixture: StoreFixture, batchID: Int64?, url: String) -> RecordedAttempt {
        let now = fixture.clock.nowMillis()
        return RecordedAttempt(
            destination: "dest", batchID: batchID,
            attempt: AttemptStart(purpose: .reconcile, method: "POST", url: url, requestBody: #"{"keys":["a"]}"#, startedAt: now),
            result: AttemptResult(
                attemptID: 0, status: 200, headers: [:], responseBody: #"{"items":[]}"#, remoteID: nil,
                latencyMillis: 3, errorClass: nil, finishedAt: now))
    }

    func ledger(_ fixture: StoreFixture) async throws -> [[String?]] {
        try await fixture.rows("SELECT url, status, batch_id FROM attempt WHERE purpose = 'reconcile' ORDER BY id")
    }

    @Test(arguments: Engine.allCases) func looksAreWrittenWithTheirVerdictEvenWhenTheLeaseIsLost(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 60_000))
        // The look before the first send: its request is written by prepareBatch.
        let before = look(fixture, batchID: batch.lease.batchID, url: "http://x/before")
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: batch.contacts.map { ($0.id, .notMember) }, released: [],
            releaseCountsAsLook: false, looks: [before])
        await #expect(try ledger(fixture) == [["http://x/before", "200", String(batch.lease.batchID)]])
        _ = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "http://x", requestBody: "{}", startedAt: 0))
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: batch.contacts.map {
                Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: nil, verifyAfter: 0))
            })
        let first = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 1_000))
        try await fixture.store.settleVerification(
            first.lease, outcomes: [Settlement(contactID: first.contacts[0].id, outcome: .confirmed)],
            looks: [look(fixture, batchID: first.lease.batchID, url: "http://x/after")])
        await #expect(try ledger(fixture).map { $0[0] } == ["http://x/before", "http://x/after"])
        // A look that outlived its lease: the verdict is refused, the request stays in the ledger.
        let slow = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 1_000))
        fixture.clock.advance(by: 1_001)
        await #expect(throws: StoreError.leaseLost(batchID: slow.lease.batchID)) {
            try await fixture.store.settleVerification(
                slow.lease, outcomes: [Settlement(contactID: slow.contacts[0].id, outcome: .confirmed)],
                looks: [self.look(fixture, batchID: slow.lease.batchID, url: "http://x/late")])
        }
        await #expect(try ledger(fixture).map { $0[0] } == ["http://x/before", "http://x/after", "http://x/late"])
        #expect(try await fixture.states() == ["a": .confirmed, "b": .accepted])
        // Looks that decided nothing are written on their own.
        try await fixture.store.recordAttempts([look(fixture, batchID: nil, url: "http://x/failed")])
        await #expect(try ledger(fixture).last == ["http://x/failed", "200", nil])
        #expect(try await fixture.store.reports(destination: "dest", since: nil).first?.looks == 4)
    }
}
