import GRDB
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

/// The daemon's moves (claim, write-ahead, settle, the look's verdicts) keep the counters per statement: with the row
/// triggers that count contacts gone, the counters still equal a scan after each of them. Any other writer is still
/// counted by the triggers.
@Suite struct StatementCounterTests {
    /// `contact_count` against a scan of the contacts with the trigger's formula, and `settled_count` (each grain) against
    /// the final contacts.
    func expectCountersEqualTheScan(_ fixture: StoreFixture, _ step: String) throws {
        try fixture.store.pool.read { db in
            let kept = try Row.fetchAll(
                db,
                sql: """
                    SELECT destination_id, state, n, submitted, accepted, retries, duplicates, absent FROM contact_count
                    WHERE state <> \(StateCode.windowWaitCounter)
                      AND (n, submitted, accepted, retries, duplicates, absent) <> (0, 0, 0, 0, 0, 0)
                    ORDER BY 1, 2
                    """
            ).map { Array($0.databaseValues.map(\.description)) }
            let scanned = try Row.fetchAll(
                db,
                sql: """
                    SELECT destination_id, state, COUNT(*), SUM(attempts > 0 OR state > 0),
                        SUM(state IN (3, 5, 6) OR event_instance_id IS NOT NULL), SUM(MAX(attempts - 1, 0)),
                        SUM(possible_duplicates), SUM(proven_absent)
                    FROM contact GROUP BY 1, 2 ORDER BY 1, 2
                    """
            ).map { Array($0.databaseValues.map(\.description)) }
            #expect(kept == scanned, "after \(step)")
            for grain in [1000, 60000, 3_600_000] {
                let settled = try Row.fetchAll(
                    db, sql: "SELECT state, SUM(n) FROM settled_count WHERE grain = ? GROUP BY state HAVING SUM(n) <> 0 ORDER BY 1",
                    arguments: [grain]
                ).map { Array($0.databaseValues.map(\.description)) }
                let final = try Row.fetchAll(
                    db, sql: "SELECT state, COUNT(*) FROM contact WHERE state >= \(StateCode.firstFinal) GROUP BY state ORDER BY 1"
                ).map { Array($0.databaseValues.map(\.description)) }
                #expect(settled == final, "grain \(grain) after \(step)")
            }
        }
    }

    @Test func theDaemonsMovesCountThemselvesWithoutTheRowTriggers() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(30))
        try await fixture.store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER contact_count_move; DROP TRIGGER settled_count_enter")
        }
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 20, leaseMillis: 1_000_000))
        try expectCountersEqualTheScan(fixture, "claim")
        let ids = batch.contacts.map(\.id)
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [(ids[0], .notMember)],
            released: [Settlement(contactID: ids[19], outcome: .retry(at: 0, error: "look failed", refundAttempt: true))],
            releaseCountsAsLook: true)
        try expectCountersEqualTheScan(fixture, "release")
        let attempt = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "x", requestBody: "{}", startedAt: 0))
        try expectCountersEqualTheScan(fixture, "write-ahead")
        fixture.clock.advance(by: 1_500)
        let now = fixture.clock.nowMillis()
        try await fixture.store.settle(
            batch.lease,
            result: AttemptResult(
                attemptID: attempt, status: 202, headers: [:], responseBody: "{}", remoteID: nil, latencyMillis: 5, errorClass: nil,
                finishedAt: now),
            outcomes: ids.prefix(19).enumerated().map { index, id in
                let outcome: ContactOutcome =
                    switch index % 7 {
                    case 0: .accepted(eventInstanceID: "e\(index)", verifyAfter: now)
                    case 1: .unknown(error: "timeout", verifyAfter: now)
                    case 2: .dead(reason: "bad", ambiguous: true)
                    case 3: .confirmed
                    case 4: .unverifiable()
                    case 5: .retry(at: now, error: "throttled", refundAttempt: true)
                    default: .retry(at: now, error: "failed", refundAttempt: false)
                    }
                return Settlement(contactID: id, outcome: outcome)
            })
        try expectCountersEqualTheScan(fixture, "settle")
        // A second round for the contacts sent back: their attempts beyond the first count as retries.
        let again = try #require(try await fixture.store.claim(destination: "dest", limit: 30, leaseMillis: 1_000_000))
        _ = try await fixture.store.beginAttempt(
            again.lease, AttemptStart(purpose: .submit, method: "POST", url: "x", requestBody: "{}", startedAt: now))
        try await fixture.store.settle(
            again.lease, result: nil,
            outcomes: again.contacts.map { Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: nil, verifyAfter: now)) })
        try expectCountersEqualTheScan(fixture, "second round")
        fixture.clock.advance(by: 60_000)
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 50, leaseMillis: 1_000_000))
        try expectCountersEqualTheScan(fixture, "look claim")
        try await fixture.store.settleVerification(
            look.lease,
            outcomes: look.contacts.enumerated().map { index, contact in
                switch index % 3 {
                case 0: Settlement(contactID: contact.id, outcome: .confirmed)
                case 1: Settlement(contactID: contact.id, outcome: .dead(reason: "gone"))
                default:
                    Settlement(
                        contactID: contact.id, outcome: .retry(at: 0, error: "proven absent", refundAttempt: false), evidence: "{}",
                        provenAbsent: true)
                }
            })
        try expectCountersEqualTheScan(fixture, "verdicts")
    }

    @Test func anyOtherWriterIsCountedByTheTriggers() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(10))
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000_000))
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: "e", verifyAfter: 0)) })
        // An operator's own SQL, which knows nothing of `tally`.
        try await fixture.store.pool.write { db in
            try db.execute(sql: "UPDATE contact SET state = \(StateCode.dead), updated_at = 5000 WHERE id % 2 = 0")
            try db.execute(sql: "UPDATE contact SET attempts = 3, possible_duplicates = 1 WHERE id % 3 = 0")
        }
        try expectCountersEqualTheScan(fixture, "an operator's SQL")
    }

    @Test(arguments: [StatementCounters.Scope.batch(1), .heldBy(look: 1)])
    func theBatchSumReadsTheBatchIndex(scope: StatementCounters.Scope) async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(50))
        let details = try await fixture.store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + StatementCounters.funnelSQL(scope), arguments: [1]).map {
                $0["detail"] as String
            }
        }
        #expect(details.contains { $0.contains("contact_batch") }, "plan: \(details)")
        #expect(!details.contains { $0.hasPrefix("SCAN contact") || $0.hasPrefix("SCAN batch") }, "plan: \(details)")
    }
}
