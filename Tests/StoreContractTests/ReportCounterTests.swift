import Foundation
import GRDB
import JourneyQueue
import Logging
import PostgresNIO
import Testing

@testable import JourneyQueuePostgres
@testable import JourneyQueueSQLite

/// A report without `since` is read from counters kept beside the rows; with one, from a scan. After every kind of move
/// (submissions answered and throttled, uploads, looks, verdicts at seconds, minutes and hours apart, redrive,
/// retention) the counted report equals the scan of everything, but for latency percentiles, which come from a
/// histogram and stay within its bucket (2^(1/8) wide) of the exact value.
@Suite struct ReportCounterTests {
    func expectCountedEqualsScanned(_ fixture: StoreFixture, _ step: String) async throws {
        try await Self.expectCountedEqualsScanned(fixture.store, step)
    }

    static func expectCountedEqualsScanned(_ store: any JourneyStore, _ step: String) async throws {
        let counted = try #require(try await store.reports(destination: "dest", since: nil).first)
        var scanned = try #require(try await store.reports(destination: "dest", since: Int64.min).first)
        if let histogram = counted.latency, let exact = scanned.latency {
            for (estimate, value) in [(histogram.p50, exact.p50), (histogram.p95, exact.p95), (histogram.p99, exact.p99)] {
                #expect(abs(estimate - value) <= value / 11 + 1, "latency \(estimate) for \(value) after \(step)")
            }
            scanned.latency = counted.latency
        }
        #expect(counted == scanned, "after \(step)")
    }

    func submit(
        _ fixture: StoreFixture, method: String = "POST", status: Int, latency: Int64, remoteID: String? = nil,
        outcome: (Int, ClaimedContact) -> ContactOutcome
    ) async throws {
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 10_000_000))
        let now = fixture.clock.nowMillis()
        let id = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: method, url: "http://x/entry", requestBody: "{}", startedAt: now))
        fixture.clock.advance(by: latency)
        try await fixture.store.settle(
            batch.lease,
            result: AttemptResult(
                attemptID: id, status: status, headers: [:], responseBody: "{}", remoteID: remoteID, latencyMillis: latency,
                errorClass: nil, finishedAt: fixture.clock.nowMillis()),
            outcomes: batch.contacts.enumerated().map { Settlement(contactID: $0.element.id, outcome: outcome($0.offset, $0.element)) })
    }

    @Test(arguments: Engine.allCases) func countedReportsEqualTheScanAfterEveryMove(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(40))
        try await fixture.enqueue(["elsewhere"], destination: "other")
        try await expectCountedEqualsScanned(fixture, "enqueue")
        try await submit(fixture, status: 202, latency: 40, remoteID: "r1") { index, _ in
            switch index {
            case 0..<5: .confirmed
            case 5..<7: .dead(reason: "member errorcode 10005: bad field")
            case 7: .unverifiable()
            case 8: .accepted(eventInstanceID: "e-8", verifyAfter: 0)
            default: .retry(at: 0, error: "not sent", refundAttempt: false)
            }
        }
        try await expectCountedEqualsScanned(fixture, "a submission answered")
        fixture.clock.advance(by: 3_000)
        try await submit(fixture, method: "PUT", status: 429, latency: 900) { _, _ in .retry(at: 0, error: "429", refundAttempt: false) }
        try await expectCountedEqualsScanned(fixture, "an upload throttled")
        fixture.clock.advance(by: 120_000)
        try await submit(fixture, method: "PUT", status: 201, latency: 1_234, remoteID: "r3") { _, _ in .confirmed }
        try await expectCountedEqualsScanned(fixture, "an upload answered, minutes later")
        let look = AttemptStart(
            purpose: .reconcile, method: "GET", url: "http://x/look", requestBody: "", startedAt: fixture.clock.nowMillis())
        try await fixture.store.recordAttempts([
            RecordedAttempt(
                destination: "dest", batchID: nil, attempt: look,
                result: AttemptResult(
                    attemptID: 0, status: 200, headers: [:], responseBody: "{}", remoteID: nil, latencyMillis: 15, errorClass: nil,
                    finishedAt: fixture.clock.nowMillis() + 15))
        ])
        let verification = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.settleVerification(
            verification.lease, outcomes: verification.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        try await expectCountedEqualsScanned(fixture, "a look and reconciliation")
        fixture.clock.advance(by: 2 * 3_600_000)
        _ = try await fixture.store.redrive(destination: "dest", reason: "bad field", lookable: true)
        try await expectCountedEqualsScanned(fixture, "redrive, hours later")
        try await submit(fixture, status: 500, latency: 3_700_000) { index, _ in
            switch index {
            case 0..<3: .dead(reason: "gave up", ambiguous: true)
            case 3: .dead(reason: "member errorcode 10006: another field")
            default: .unknown(error: "timeout", verifyAfter: 0)
            }
        }
        try await expectCountedEqualsScanned(fixture, "a request slower than an hour")
        #expect(try await fixture.store.redrive(destination: "dest", reason: "gave up", lookable: false).possibleDuplicates == 3)
        try await expectCountedEqualsScanned(fixture, "a redrive of possible duplicates")
        let report = try #require(try await fixture.store.reports(destination: "dest", since: nil).first)
        // The workload reached every figure the counters keep: a test of equal zeros would prove nothing.
        #expect(report.funnel.confirmed > 0 && report.funnel.dead > 0 && report.funnel.unverifiable > 0)
        #expect(report.possibleDuplicates == 3 && report.retries > 0 && report.looks == 1 && report.throttled == 1)
        #expect(report.uploads == 1 && report.uploadsFailed == 1 && report.remoteBatches == 2)
        #expect(report.latency != nil && report.throughput.count > 1)
        _ = try await fixture.store.pruneAll(
            contactsBefore: fixture.clock.nowMillis() - 3_600_000, ledgerBefore: fixture.clock.nowMillis() - 3_600_000, chunk: 3)
        try await expectCountedEqualsScanned(fixture, "retention")
        let pruned = try #require(try await fixture.store.reports(destination: "dest", since: nil).first)
        #expect(pruned.funnel.enqueued < report.funnel.enqueued && pruned.requests < report.requests)
    }

    /// Bars of every width read the grain that fits them: their sums are the final contacts, whatever the span.
    @Test(arguments: Engine.allCases) func barsAtEveryGrainAddUpToTheFinalContacts(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(60))
        for step: Int64 in [400, 20_000, 600_000, 9_000_000] {
            try await submit(fixture, status: 202, latency: 10) { index, _ in index % 3 == 0 ? .dead(reason: "bad") : .confirmed }
            fixture.clock.advance(by: step)
            try await expectCountedEqualsScanned(fixture, "a step of \(step) ms")
            let report = try #require(try await fixture.store.reports(destination: "dest", since: nil).first)
            let barred = report.throughput.reduce(0) { $0 + $1.confirmed + $1.dead }
            #expect(barred == report.funnel.confirmed + report.funnel.dead)
        }
    }
}

/// A queue made before the counters (SQLite schema v13, PostgreSQL v8), with contacts in every state, a ledger and a
/// batch the remote named, reports the same from its new counters as from a scan once this code has opened it.
@Suite struct ReportCounterMigrationTests {
    /// Rows both engines' older schemas take, counters for them written as the older code wrote them.
    static let oldRows = [
        "INSERT INTO destination(name, kind, created_at) VALUES ('dest', NULL, 0)",
        """
        INSERT INTO batch(destination_id, lease_token, lease_until, state, size, remote_id, created_at)
        VALUES (1, 't1', 0, 1, 3, 'job-1', 1000), (1, 't2', 0, 1, 3, NULL, 2000), (1, 't3', 99999999, 0, 2, NULL, 3000)
        """,
        """
        INSERT INTO contact(destination_id, contact_key, data, state, attempts, available_at, batch_id, event_instance_id,
                            dead_reason, enqueued_at, updated_at, possible_duplicates, proven_absent)
        VALUES (1, 'q', '{}', 0, 0, 0, NULL, NULL, NULL, 10, 10, 0, 0), (1, 'q2', '{}', 0, 2, 0, 2, NULL, NULL, 10, 2500, 0, 1),
               (1, 's', '{}', 2, 1, 0, 3, NULL, NULL, 10, 3000, 0, 0), (1, 'a', '{}', 3, 1, 0, 1, 'e-a', NULL, 10, 1500, 0, 0),
               (1, 'u', '{}', 4, 3, 0, 1, NULL, NULL, 10, 1500, 1, 0), (1, 'c1', '{}', 5, 1, 0, 1, 'e-c1', NULL, 10, 1600, 0, 0),
               (1, 'c2', '{}', 5, 2, 0, 2, NULL, NULL, 10, 95000, 0, 0),
               (1, 'v', '{}', 6, 1, 0, 2, NULL, NULL, 10, 4000000, 0, 0),
               (1, 'd', '{}', 7, 4, 0, 2, NULL, 'bad', 10, 4001000, 2, 1), (1, 'x', '{}', 8, 0, 0, NULL, NULL, NULL, 10, 30, 0, 0)
        """,
        """
        INSERT INTO attempt(destination_id, batch_id, purpose, method, url, request_body, started_at, status, latency_ms,
                            finished_at, call_purpose)
        VALUES (1, 1, 'submit', 'POST', 'u', '{"members":[{"contactKey":"c1"},{"contactKey":"a"}]}', 1000, 202, 40, 1040, 'submission'),
               (1, 2, 'submit', 'PUT', 'u', '', 2000, 429, 900, 2900, 'submission'),
               (1, 2, 'submit', 'PUT', 'u', '', 3000, 201, 1234, 4234, 'submission'),
               (1, NULL, 'reconcile', 'GET', 'u', '', 5000, 200, 15, 5015, 'look-after'),
               (1, 3, 'submit', 'POST', 'u', '{}', 6000, NULL, NULL, NULL, 'submission')
        """,
    ]

    @Test(arguments: Engine.allCases) func aQueueFromBeforeTheCountersReportsTheSame(engine: Engine) async throws {
        let fixture = try await StoreFixture.older(engine, sqlite: "0013_pause_cause", postgres: "0008_pause_cause", rows: Self.oldRows) {
            db in
            // The older enqueue wrote the state counts itself; its triggers moved them.
            try db.execute(
                sql: """
                    INSERT INTO contact_count(destination_id, state, n)
                    SELECT destination_id, state, COUNT(*) FROM contact GROUP BY 1, 2
                    """)
        }
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "the migration")
        let report = try #require(try await fixture.store.reports(destination: "dest", since: nil).first)
        #expect(report.funnel == DestinationReport.Funnel(enqueued: 10, submitted: 9, accepted: 4, confirmed: 2, unverifiable: 1, dead: 1))
        #expect(report.retries == 7 && report.possibleDuplicates == 3 && report.provenAbsent == 2)
        #expect(report.requests == 4 && report.throttled == 1 && report.looks == 1 && report.remoteBatches == 1)
        #expect(report.uploads == 1 && report.uploadsFailed == 1 && report.latency?.p50 == 900)
        // Its earlier requests are still found, by their bodies among the older ledger's rows; later ones by the batch.
        #expect(try await fixture.store.timeline(contactKey: "c1")[0].1.map(\.status) == [202])
        #expect(try await fixture.store.timeline(contactKey: "q2")[0].1.isEmpty)
        // And the counters move on from there.
        try await fixture.enqueue(["new"])
        try await ReportCounterTests.expectCountedEqualsScanned(fixture.store, "an enqueue after the migration")
    }
}

/// The counted report's statements use indexes on both engines: none reads the contact or attempt table through.
@Suite struct ReportPlanTests {
    @Test func sqliteCountedReportReadsNoTable() async throws {
        let fixture = try await StoreFixture(.sqlite)
        try await fixture.enqueue(fixture.keys(50))
        let statements: [(String, [any Sendable])] = [
            (SQLiteQueueStore.countedFunnelSQL, [1]), (SQLiteQueueStore.countedRequestsSQL, [1]),
            (SQLiteQueueStore.settledSpanSQL, [1]), (SQLiteQueueStore.settledBarsSQL, [1, 1_000, 0, 1_000_000]),
            (SQLiteQueueStore.latencyHistogramSQL, [1]),
        ]
        for (sql, index) in [
            (SQLiteQueueStore.deadReasonsSQL, "contact_dead"), (SQLiteQueueStore.unverifiableReasonsSQL, "contact_unverifiable"),
            (SQLiteQueueStore.recentRemoteIDsSQL, "batch_remote"),
        ] {
            let details = try await fixture.rows("EXPLAIN QUERY PLAN " + sql, [1, 0]).map { $0[3] ?? "" }
            #expect(details.contains { $0.contains("USING INDEX \(index)") || $0.contains("USING COVERING INDEX \(index)") }, "\(details)")
        }
        for (sql, arguments) in statements {
            let details = try await fixture.rows("EXPLAIN QUERY PLAN " + sql, arguments).map { $0[3] ?? "" }
            #expect(!details.contains { $0.hasPrefix("SCAN contact") || $0.hasPrefix("SCAN attempt") }, "\(sql): \(details)")
            #expect(!details.contains { $0.hasPrefix("SCAN settled_count") || $0.hasPrefix("SCAN latency_count") }, "\(sql): \(details)")
        }
    }

    @Test func postgresCountedReportReadsNoTable() async throws {
        let fixture = try await StoreFixture(.postgres)
        try await fixture.enqueue(fixture.keys(50))
        let store = try #require(fixture.store as? PostgresQueueStore)
        let statements: [(String, [Int64])] = [
            (PostgresQueueStore.countedFunnelSQL, [1]), (PostgresQueueStore.countedRequestsSQL, [1]),
            (PostgresQueueStore.settledSpanSQL, [1]), (PostgresQueueStore.settledBarsSQL, [1, 1_000, 0, 1_000_000]),
            (PostgresQueueStore.latencyHistogramSQL, [1]), (PostgresQueueStore.deadReasonsSQL, [1, 0]),
            (PostgresQueueStore.unverifiableReasonsSQL, [1, 0]), (PostgresQueueStore.recentRemoteIDsSQL, [1, 0]),
        ]
        for (sql, arguments) in statements {
            // Sequential scans priced out: a plan that still holds one has no index to take (tiny tables would
            // otherwise be scanned whatever the indexes).
            let plan = try await store.client.withConnection { connection in
                _ = try await store.rows(connection, "SET enable_seqscan = off")
                let lines = try await store.rows(connection, "EXPLAIN " + sql, arguments.map { $0 }).map {
                    try $0[0].decode(String.self)
                }
                _ = try await store.rows(connection, "RESET enable_seqscan")
                return lines
            }
            #expect(
                !plan.contains {
                    $0.contains("Seq Scan on contact ") || $0.contains("Seq Scan on attempt ") || $0.contains("Seq Scan on batch")
                },
                "\(sql): \(plan)")
            #expect(!plan.contains { $0.contains("Seq Scan on settled_count") || $0.contains("Seq Scan on latency_count") }, "\(plan)")
        }
    }
}
