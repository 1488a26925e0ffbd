import Foundation
import JourneyQueue
import Testing

/// The write-ahead record writes the batch, not its contacts (SQLite schema v16, PostgreSQL v10): a contact's row is
/// written at its claim and at the settle (or recovery) that moves it next, and every reader still sees it `sending`.
@Suite struct WriteAheadBatchTests {
    @Test(arguments: Engine.allCases) func theWriteAheadStampsTheBatchAndReadersStillSeeSending(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b", "c"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 60_000))
        let claimedAt = fixture.clock.nowMillis()
        fixture.clock.advance(by: 1_000)
        let startedAt = fixture.clock.nowMillis()
        let id = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "http://x/entry", requestBody: "{}", startedAt: startedAt))
        // The rows are as the claim left them; the batch carries the stamp.
        for contact in batch.contacts {
            #expect(try await fixture.column("state", key: contact.key) == Int64(ContactState.claimed.rawValue))
            #expect(try await fixture.column("updated_at", key: contact.key) == claimedAt)
        }
        #expect(try await fixture.rows("SELECT sent_at FROM batch WHERE id = ?", [batch.lease.batchID]) == [[String(startedAt)]])
        // Every reader sees them sending: the states, the counts, the report, the export's filter and the timeline.
        let sent = Set(batch.contacts.map(\.key))
        #expect(
            try await fixture.states()
                == Dictionary(uniqueKeysWithValues: ["a", "b", "c"].map { ($0, sent.contains($0) ? .sending : .queued) }))
        let counts = try #require(try await fixture.store.counts().first)
        #expect(counts.counts[.sending] == 2 && counts.counts[.claimed] == 0 && counts.counts[.queued] == 1)
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the write-ahead")
        var exported: [String] = []
        try await fixture.store.eachContact(destination: "dest", state: .sending, since: nil) { exported.append($0.key) }
        #expect(Set(exported) == sent)
        let key = batch.contacts[0].key
        let timeline = try await fixture.store.timeline(contactKey: key)
        #expect(timeline.first?.0.state == "sending" && timeline.first?.0.updatedAt == startedAt)
        #expect(timeline.first?.1.map(\.id) == [id])
        // The settle copies the stamp in, and the contacts leave the batch's reckoning.
        fixture.clock.advance(by: 50)
        try await fixture.store.settle(
            batch.lease,
            result: AttemptResult(
                attemptID: id, status: 202, headers: [:], responseBody: "{}", remoteID: "r", latencyMillis: 50, errorClass: nil,
                finishedAt: fixture.clock.nowMillis()),
            outcomes: batch.contacts.map {
                Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: "e-\($0.key)", verifyAfter: 60_000))
            })
        for contact in batch.contacts {
            #expect(try await fixture.column("sent_at", key: contact.key) == startedAt)
            #expect(try await fixture.column("looks", key: contact.key) == 0)
            #expect(
                try await fixture.rows("SELECT carried FROM contact WHERE contact_key = ?", [contact.key])
                    == [[String(batch.lease.batchID)]])
        }
        #expect(try await fixture.states()[key] == .accepted)
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the settle")
    }

    @Test(arguments: Engine.allCases) func aSentBatchWhoseLeaseRunsOutLeavesItsContactsUnknownWithTheStamp(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let sent = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 1_000))
        let idle = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 1_000))
        _ = try await fixture.store.beginAttempt(
            sent.lease, AttemptStart(purpose: .submit, method: "POST", url: "http://x/entry", requestBody: "{}", startedAt: 7))
        fixture.clock.advance(by: 2_000)
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(requeued: 1, madeUnknown: 1, batches: 2))
        let key = sent.contacts[0].key
        #expect(try await fixture.states() == [key: .unknown, idle.contacts[0].key: .queued])
        #expect(try await fixture.column("sent_at", key: key) == 7)
        #expect(try await fixture.rows("SELECT carried FROM contact WHERE contact_key = ?", [key]) == [[String(sent.lease.batchID)]])
        #expect(try await fixture.attempts(key) == 1)
        #expect(try await fixture.attempts(idle.contacts[0].key) == 0)
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the recovery")
    }
}

extension WriteAheadBatchTests {
    /// During a rolling upgrade an older journeyq's lease recovery would send a sent batch's contacts (stored `claimed`)
    /// back to the queue, to be sent again: the database refuses that move, whoever makes it.
    @Test(arguments: Engine.allCases) func anOlderRecoveryCannotQueueASentContactAgain(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 1_000))
        _ = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "http://x/entry", requestBody: "{}", startedAt: 7))
        fixture.clock.advance(by: 2_000)
        // The older recovery's statement, as it ran before schema v16.
        await #expect(throws: (any Error).self) {
            _ = try await fixture.rows(
                "UPDATE contact SET state = 0, attempts = attempts - 1, available_at = ?, updated_at = ? WHERE batch_id = ? AND state = 1",
                [fixture.clock.nowMillis(), fixture.clock.nowMillis(), batch.lease.batchID])
        }
        #expect(try await fixture.states() == ["a": .sending])
        // This code's recovery looks for it instead.
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(requeued: 0, madeUnknown: 1, batches: 1))
        #expect(try await fixture.states() == ["a": .unknown])
    }

    /// A contact taken out of a batch after an earlier request of it left (erased meanwhile: it waits for a look) takes
    /// the batch's stamp, as a settle gives it: its look is bounded by that request.
    @Test(arguments: Engine.allCases) func aContactWithdrawnAfterARequestLeftTakesTheStamp(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 60_000))
        _ = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "http://x/entry", requestBody: "{}", startedAt: 7))
        let withdrawn = batch.contacts[0]
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [],
            released: [Settlement(contactID: withdrawn.id, outcome: .unknown(error: "erased", verifyAfter: 0))],
            releaseCountsAsLook: false)
        #expect(try await fixture.states()[withdrawn.key] == .unknown)
        #expect(try await fixture.column("sent_at", key: withdrawn.key) == 7)
        #expect(
            try await fixture.rows("SELECT carried FROM contact WHERE contact_key = ?", [withdrawn.key]) == [[String(batch.lease.batchID)]])
    }
}

/// A queue an older journeyq left with requests in flight (SQLite schema v15, PostgreSQL v9: its write-ahead stamped
/// every contact `sending`) opens with this code: nobody is sent again, its contacts read as they were, a batch still
/// leased is settled as before and an abandoned one is looked for.
@Suite struct WriteAheadMigrationTests {
    /// Rows both engines' older schemas take: batch 1 was sent and abandoned, batch 2 claimed and abandoned, batch 3 sent
    /// and still leased (token `t3`); every other state beside them.
    static let oldRows = [
        "INSERT INTO destination(name, kind, created_at, settle_ms) VALUES ('dest', NULL, 0, 500)",
        """
        INSERT INTO batch(destination_id, lease_token, lease_until, state, size, created_at)
        VALUES (1, 't1', 100, 0, 2, 10), (1, 't2', 100, 0, 1, 20), (1, 't3', 9000000000000000, 0, 1, 30)
        """,
        """
        INSERT INTO contact(destination_id, contact_key, data, state, attempts, available_at, batch_id, enqueued_at, updated_at,
                            sent_at, carried, event_instance_id)
        VALUES (1, 's1', '{}', 2, 1, 0, 1, 1, 15, 15, '1', NULL), (1, 's2', '{}', 2, 2, 0, 1, 1, 15, 15, '1', NULL),
               (1, 'c', '{}', 1, 1, 0, 2, 1, 20, NULL, NULL, NULL), (1, 'live', '{}', 2, 1, 0, 3, 1, 35, 35, '3', NULL),
               (1, 'q', '{}', 0, 0, 0, NULL, 1, 1, NULL, NULL, NULL), (1, 'a', '{}', 3, 1, 9999, NULL, 1, 5, 5, NULL, 'e-a'),
               (1, 'done', '{}', 5, 1, 0, NULL, 1, 5, 5, NULL, 'e-d')
        """,
        """
        INSERT INTO attempt(destination_id, batch_id, purpose, method, url, request_body, started_at, call_purpose)
        VALUES (1, 1, 'submit', 'POST', 'u', '{}', 15, 'submission'), (1, 3, 'submit', 'POST', 'u', '{}', 35, 'submission')
        """,
    ]

    @Test(arguments: Engine.allCases) func requestsInFlightUnderTheOlderWriteAheadAreNeitherLostNorSentAgain(engine: Engine) async throws {
        let fixture = try await StoreFixture.older(
            engine, sqlite: "0015_statement_counters", postgres: "0009_report_counters", rows: Self.oldRows
        ) { db in
            // The older enqueue and moves kept these themselves.
            try StoreFixture.countAsAnOlderEnqueueDid(db)
            try db.execute(
                sql: """
                    INSERT INTO settled_count(destination_id, grain, at, state, n)
                    SELECT c.destination_id, g.grain, c.updated_at / g.grain * g.grain, c.state, COUNT(*)
                    FROM contact c, (SELECT 1000 AS grain UNION ALL SELECT 60000 UNION ALL SELECT 3600000) AS g
                    WHERE c.state >= 5 GROUP BY 1, 2, 3, 4
                    """)
        }
        fixture.clock.advance(by: 1_000)
        #expect(
            try await fixture.states() == [
                "s1": .sending, "s2": .sending, "c": .claimed, "live": .sending, "q": .queued, "a": .accepted, "done": .confirmed,
            ])
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the migration")
        // The batch still leased settles as before: its contact was stamped by the older code, and is not stamped twice.
        let live = Lease(batchID: 3, token: "t3", destination: "dest", until: 9_000_000_000_000_000)
        let liveID = try #require(try await fixture.rows("SELECT id FROM contact WHERE contact_key = 'live'").first?.first ?? nil)
        try await fixture.store.settle(
            live, result: nil,
            outcomes: [Settlement(contactID: Int64(liveID)!, outcome: .accepted(eventInstanceID: "e-live", verifyAfter: 60_000))])
        #expect(try await fixture.rows("SELECT carried, sent_at FROM contact WHERE contact_key = 'live'") == [["3", "35"]])
        // The abandoned ones: the sent contacts wait for a look, the claimed one goes back to the queue untried.
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(requeued: 1, madeUnknown: 2, batches: 2))
        #expect(
            try await fixture.states() == [
                "s1": .unknown, "s2": .unknown, "c": .queued, "live": .accepted, "q": .queued, "a": .accepted, "done": .confirmed,
            ])
        #expect(try await fixture.attempts("c") == 0)
        #expect(try await fixture.attempts("s2") == 2)
        #expect(try await fixture.rows("SELECT carried FROM contact WHERE contact_key = 's1'") == [["1"]])
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the recovery")
        // Nobody in flight is claimed again: only the queued ones.
        let next = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(Set(next.contacts.map(\.key)) == ["c", "q"])
    }
}
