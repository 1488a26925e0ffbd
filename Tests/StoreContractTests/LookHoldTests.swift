import Foundation
import JourneyQueue
import Testing

/// A look holds the batches its contacts came in, not the contacts (SQLite schema v17, PostgreSQL v11): its claim and
/// its lease renewals write one row a batch, and a contact's row is written once, by the verdict, fenced by the hold.
@Suite struct LookHoldTests {
    /// `keys` sent in one batch and accepted, due for a look now.
    static func accepted(_ fixture: StoreFixture, _ keys: [String]) async throws -> Lease {
        try await fixture.enqueue(keys)
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: keys.count, leaseMillis: 60_000))
        _ = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(purpose: .submit, method: "POST", url: "http://x/entry", requestBody: "{}", startedAt: fixture.clock.nowMillis()))
        let due = fixture.clock.nowMillis() + 1_000
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: batch.contacts.map {
                Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: "e-\($0.key)", verifyAfter: due))
            })
        fixture.clock.advance(by: 2_000)
        return batch.lease
    }

    static let contactRows = "SELECT contact_key, state, batch_id, available_at, updated_at, carried, looks FROM contact ORDER BY id"

    @Test(arguments: Engine.allCases) func aLookHoldsTheBatchNotItsContactsAndTheVerdictWritesThemOnce(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let sent = try await Self.accepted(fixture, ["a", "b", "c"])
        let before = try await fixture.rows(Self.contactRows)
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 5_000))
        #expect(Set(look.contacts.map(\.key)) == ["a", "b", "c"])
        // No contact row was written: the batch they were sent in carries the hold.
        #expect(try await fixture.rows(Self.contactRows) == before)
        #expect(
            try await fixture.rows("SELECT look_by, look_until FROM batch WHERE id = ?", [sent.batchID])
                == [[String(look.lease.batchID), String(look.lease.until)]])
        // Nobody else takes them, or counts them as the next look's, while the lease lives, renewals included.
        #expect(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 5_000) == nil)
        // The next look's fill counts them due when the hold ends: a recheck handed back may join the next look.
        #expect(try await fixture.store.lookFill(destination: "dest", count: 10) == LookFill(contacts: 3, dueAt: look.lease.until))
        let pending = try await fixture.store.pendingWork(destination: "dest")
        #expect(pending.awaitingVerification && pending.nextVerifyAt == look.lease.until + 1, "\(pending)")
        fixture.clock.advance(by: 4_000)
        let renewed = try await fixture.store.renewLease(look.lease, leaseMillis: 5_000)
        fixture.clock.advance(by: 3_000)
        #expect(renewed.until > look.lease.until && fixture.clock.nowMillis() > look.lease.until)
        #expect(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 5_000) == nil)
        #expect(try await fixture.rows(Self.contactRows) == before)
        // The verdict writes each contact once: its state, and the look in its `carried` (the timeline reads it there).
        let recheckAt = fixture.clock.nowMillis() + 10_000
        let byKey = Dictionary(uniqueKeysWithValues: look.contacts.map { ($0.key, $0.id) })
        try await fixture.store.settleVerification(
            renewed,
            outcomes: [
                Settlement(contactID: byKey["a"]!, outcome: .confirmed), Settlement(contactID: byKey["b"]!, outcome: .confirmed),
                Settlement(contactID: byKey["c"]!, outcome: .recheck(at: recheckAt, note: "not yet")),
            ])
        #expect(try await fixture.states() == ["a": .confirmed, "b": .confirmed, "c": .accepted])
        let carried = "\(sent.batchID) \(look.lease.batchID)"
        #expect(try await fixture.rows("SELECT DISTINCT carried, batch_id FROM contact") == [[carried, String(sent.batchID)]])
        #expect(try await fixture.column("available_at", key: "c") == recheckAt)
        #expect(try await fixture.rows("SELECT look_by, look_until FROM batch WHERE id = ?", [sent.batchID]) == [[nil, nil]])
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the look's verdict")
        // The one left is due again at its own time, and taken by the next look then.
        #expect(try await fixture.store.pendingWork(destination: "dest").nextVerifyAt == recheckAt)
        fixture.clock.advance(by: 10_000)
        let next = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 5_000))
        #expect(next.contacts.map(\.key) == ["c"])
    }

    @Test(arguments: Engine.allCases) func aLookWhoseLeaseRanOutIsFencedOutAndTheNextTakesItsContacts(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let sent = try await Self.accepted(fixture, ["a", "b"])
        let stale = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 1_000))
        fixture.clock.advance(by: 2_000)
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(batches: 1))
        #expect(try await fixture.rows("SELECT look_by FROM batch WHERE id = ?", [sent.batchID]) == [[nil]])
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 5_000))
        #expect(Set(look.contacts.map(\.key)) == ["a", "b"])
        // The stale look's verdict changes nobody.
        await #expect(throws: StoreError.self) {
            try await fixture.store.settleVerification(
                stale.lease, outcomes: stale.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        }
        #expect(try await fixture.states() == ["a": .accepted, "b": .accepted])
        try await fixture.store.settleVerification(
            look.lease, outcomes: look.contacts.map { Settlement(contactID: $0.id, outcome: .unverifiable(reason: "gone")) })
        #expect(try await fixture.states() == ["a": .unverifiable, "b": .unverifiable])
        #expect(try await fixture.rows("SELECT DISTINCT carried FROM contact") == [["\(sent.batchID) \(look.lease.batchID)"]])
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the second look's verdict")
    }

    /// A look that takes part of a batch holds all of it: the rest wait, and the next look takes them once the verdict
    /// lets the batch go. Nobody is left behind a hold.
    @Test(arguments: Engine.allCases) func theRestOfAHeldBatchIsTakenOnceTheVerdictLetsItGo(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        _ = try await Self.accepted(fixture, ["a", "b", "c"])
        let first = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 2, leaseMillis: 60_000))
        #expect(first.contacts.count == 2)
        #expect(try await fixture.store.claimVerification(destination: "dest", limit: 2, leaseMillis: 60_000) == nil)
        try await fixture.store.settleVerification(
            first.lease, outcomes: first.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        let rest = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 2, leaseMillis: 60_000))
        #expect(Set(rest.contacts.map(\.key)) == Set(["a", "b", "c"]).subtracting(first.contacts.map(\.key)))
        try await fixture.store.settleVerification(
            rest.lease, outcomes: rest.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        #expect(try await fixture.states() == ["a": .confirmed, "b": .confirmed, "c": .confirmed])
    }

    /// A contact with no batch (one an operator's redrive or an older journeyq left so) is held through the look's own.
    @Test(arguments: Engine.allCases) func aContactWithNoBatchIsHeldThroughTheLooksOwn(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        _ = try await Self.accepted(fixture, ["a", "b"])
        _ = try await fixture.rows("UPDATE contact SET batch_id = NULL WHERE contact_key = 'a'")
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 5_000))
        #expect(Set(look.contacts.map(\.key)) == ["a", "b"])
        #expect(try await fixture.column("batch_id", key: "a") == look.lease.batchID)
        #expect(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 5_000) == nil)
        try await fixture.store.settleVerification(
            look.lease, outcomes: look.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        #expect(try await fixture.states() == ["a": .confirmed, "b": .confirmed])
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the verdict")
    }
}

/// A queue an older journeyq left with a look in flight (SQLite schema v16, PostgreSQL v10: its look moved each contact
/// into its own batch, hidden until its lease's end) opens with this code: those contacts are looked for once that lease
/// has passed, not before, and the others as usual.
@Suite struct LookHoldMigrationTests {
    /// Batch 1 sent and settled; batch 2 an older look, leased until 5,000 (token `t2`). `x` and `y` are in that look,
    /// `z` is due.
    static let oldRows = [
        "INSERT INTO destination(name, kind, created_at, settle_ms) VALUES ('dest', NULL, 0, 500)",
        """
        INSERT INTO batch(destination_id, lease_token, lease_until, state, size, created_at, sent_at)
        VALUES (1, 't1', 100, 1, 3, 10, 15), (1, 't2', 5000, 0, 2, 1000, NULL)
        """,
        """
        INSERT INTO contact(destination_id, contact_key, data, state, attempts, available_at, batch_id, enqueued_at, updated_at,
                            sent_at, carried, event_instance_id)
        VALUES (1, 'x', '{}', 3, 1, 5000, 2, 1, 1000, 15, '1 2', 'e-x'), (1, 'y', '{}', 4, 1, 5000, 2, 1, 1000, 15, '1 2', NULL),
               (1, 'z', '{}', 3, 1, 500, 1, 1, 20, 15, '1', 'e-z')
        """,
    ]

    @Test(arguments: Engine.allCases) func contactsInAnOlderLookAreLookedForOnceItsLeaseHasPassed(engine: Engine) async throws {
        let fixture = try await StoreFixture.older(
            engine, sqlite: "0016_batch_sent", postgres: "0010_batch_sent", rows: Self.oldRows, clock: ManualClock(startingAt: 1_000)
        ) { db in
            try StoreFixture.countAsAnOlderEnqueueDid(db)
        }
        let first = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(first.contacts.map(\.key) == ["z"])
        try await fixture.store.settleVerification(
            first.lease, outcomes: [Settlement(contactID: first.contacts[0].id, outcome: .confirmed)])
        #expect(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 1_000) == nil)
        // The older look's lease passes: its batch is closed, its contacts are looked for from the batch it left them in.
        fixture.clock.advance(by: 4_500)
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(batches: 1))
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(Set(look.contacts.map(\.key)) == ["x", "y"])
        #expect(try await fixture.rows("SELECT look_by FROM batch WHERE id = 2") == [[String(look.lease.batchID)]])
        try await fixture.store.settleVerification(
            look.lease, outcomes: look.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        #expect(try await fixture.states() == ["x": .confirmed, "y": .confirmed, "z": .confirmed])
        #expect(try await fixture.rows("SELECT carried FROM contact WHERE contact_key = 'x'") == [["1 2 \(look.lease.batchID)"]])
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the looks")
    }
}
