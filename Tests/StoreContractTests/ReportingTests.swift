import Foundation
import JourneyQueue
import Testing

@Suite struct ReportingTests {
    /// Five contacts: two confirmed, one dead (permanent), one dead (unconfirmed), one queued after a refused connection.
    func populated(_ engine: Engine) async throws -> StoreFixture {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b", "c", "d", "e"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 5, leaseMillis: 60_000))
        let id = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x/async",
                requestBody: #"{"members":[{"contactKey":"a"},{"contactKey":"b"}]}"#,
                startedAt: fixture.clock.nowMillis()))
        let ids = Dictionary(uniqueKeysWithValues: batch.contacts.map { ($0.key, $0.id) })
        let now = fixture.clock.nowMillis()
        try await fixture.store.settle(
            batch.lease,
            result: AttemptResult(
                attemptID: id, status: 202, headers: [:], responseBody: "{}", remoteID: "req-1",
                latencyMillis: 40, errorClass: nil, finishedAt: 2),
            outcomes: [
                Settlement(contactID: ids["a"]!, outcome: .confirmed),
                Settlement(contactID: ids["b"]!, outcome: .confirmed),
                Settlement(contactID: ids["c"]!, outcome: .dead(reason: "member errorcode 10005: bad field")),
                Settlement(contactID: ids["d"]!, outcome: .dead(reason: "unconfirmed: not in the journey")),
                Settlement(contactID: ids["e"]!, outcome: .retry(at: now + 1_000, error: "not sent", refundAttempt: false)),
            ])
        return fixture
    }

    @Test(arguments: Engine.allCases) func reportCountsTheFunnelAndDeadLetters(engine: Engine) async throws {
        let fixture = try await populated(engine)
        let report = try #require(try await fixture.store.reports(destination: "dest", since: nil).first)
        #expect(report.counts["confirmed"] == 2 && report.counts["dead"] == 2 && report.counts["queued"] == 1)
        #expect(report.funnel == DestinationReport.Funnel(enqueued: 5, submitted: 5, accepted: 2, confirmed: 2, unverifiable: 0, dead: 2))
        #expect(report.deadReasons == ["member errorcode 10005: bad field": 1, "unconfirmed: not in the journey": 1])
        #expect(report.requests == 1)
        #expect(report.latency == DestinationReport.Latency(p50: 40, p95: 40, p99: 40))
        #expect(report.recentRemoteIDs == ["req-1"])
        let json = try ReportRenderer.json([report], generatedAt: 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let destination = (object["destinations"] as! [[String: Any]])[0]
        #expect(destination["name"] as? String == "dest")
        #expect((destination["counts"] as! [String: Int]).count == ContactState.allCases.count)
    }

    /// A NUL in what an API caller asks for (PostgreSQL cannot store one) names nothing, on both stores: no error.
    @Test(arguments: Engine.allCases) func aNulInWhatIsAskedForFindsNothing(engine: Engine) async throws {
        let fixture = try await populated(engine)
        let store = fixture.store
        #expect(try await store.searchContacts("a\u{0}", prefix: true, limit: 10).isEmpty)
        #expect(try await store.searchContacts("\u{0}", prefix: false, limit: 10).isEmpty)
        #expect(try await store.timeline(contactKey: "a\u{0}b").isEmpty)
        #expect(try await store.deadLetters(destination: "dest", reason: "\u{0}bad", after: nil, limit: 10).isEmpty)
        #expect(try await store.redrive(destination: "dest", reason: "bad\u{0}", lookable: true) == RedriveSummary(queued: 0, toLookFor: 0))
        #expect(try await store.reports(destination: "de\u{0}st", since: nil).isEmpty)
        await #expect(throws: StoreError.unknownDestination("de\u{0}st")) {
            try await store.deadLetters(destination: "de\u{0}st", reason: nil, after: nil, limit: 10)
        }
        // And the same questions without the NUL still find what is there.
        #expect(try await store.deadLetters(destination: "dest", reason: "bad", after: nil, limit: 10).count == 1)
        #expect(try await store.searchContacts("a", prefix: true, limit: 10).count == 1)
    }

    @Test(arguments: Engine.allCases) func csvAndHTMLCarryEveryContactAndEscape(engine: Engine) async throws {
        let fixture = try await populated(engine)
        var lines: [String] = []
        try await fixture.store.eachContact(destination: nil, state: nil, since: nil) { lines.append(ReportRenderer.csvLine($0)) }
        #expect(lines.count == 5)
        #expect(
            lines.contains { $0.hasPrefix("dest,c,dead,1,member errorcode 10005: bad field,member errorcode 10005: bad field,,req-1,") })
        let html = HTMLReport.render(try await fixture.store.reports(destination: nil, since: nil), generatedAt: 0)
        #expect(html.contains("<svg") && html.contains("unconfirmed: not in the journey"))
        #expect(!html.contains("http://") && !html.contains("https://"), "no external assets")
        #expect(HTMLReport.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }

    @Test(arguments: Engine.allCases) func timelineFindsTheRequestsThatCarriedAContact(engine: Engine) async throws {
        let fixture = try await populated(engine)
        let timeline = try await fixture.store.timeline(contactKey: "a")
        #expect(timeline.count == 1)
        #expect(timeline[0].0.state == "confirmed")
        #expect(timeline[0].1.map(\.status) == [202])
        // The ledger rows of the batches that carried a contact, not a search of bodies: c was in the batch (its answer
        // made it dead), though this test's body names only a and b.
        #expect(try await fixture.store.timeline(contactKey: "c")[0].1.map(\.status) == [202])
        // Never claimed: no request, however large the ledger.
        try await fixture.enqueue(["later"])
        #expect(try await fixture.store.timeline(contactKey: "later")[0].1.isEmpty)
    }

    /// A timeline is paged newest first: `limit` rows, then those before the oldest one read.
    @Test(arguments: Engine.allCases) func timelinePagesNewestFirst(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        var sent: [Int64] = []
        for attempt in 1...3 {
            let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000))
            let id = try await fixture.store.beginAttempt(
                batch.lease,
                AttemptStart(purpose: .submit, method: "POST", url: "u", requestBody: "{}", startedAt: fixture.clock.nowMillis()))
            sent.append(id)
            try await fixture.store.settle(
                batch.lease,
                result: AttemptResult(
                    attemptID: id, status: attempt < 3 ? 503 : 202, headers: [:], responseBody: "", remoteID: nil, latencyMillis: 5,
                    errorClass: nil, finishedAt: fixture.clock.nowMillis()),
                outcomes: [
                    Settlement(
                        contactID: batch.contacts[0].id,
                        outcome: attempt < 3 ? .retry(at: 0, error: "503", refundAttempt: false) : .confirmed)
                ])
        }
        let first = try await fixture.store.timeline(contactKey: "a", before: nil, limit: 2)
        #expect(first[0].1.map(\.id) == [sent[2], sent[1]])
        let second = try await fixture.store.timeline(contactKey: "a", before: sent[1], limit: 2)
        #expect(second[0].1.map(\.id) == [sent[0]] && second[0].1[0].status == 503)
        #expect(try await fixture.store.timeline(contactKey: "a")[0].1.map(\.id) == sent, "the whole story, oldest first")
    }

    @Test(arguments: Engine.allCases) func redriveMovesDeadBackButNeverDoublesALiveContact(engine: Engine) async throws {
        let fixture = try await populated(engine)
        #expect(try await fixture.store.redrive(destination: "dest", reason: "unconfirmed", lookable: true) == RedriveSummary(queued: 1))
        #expect(try await fixture.states()["d"] == .queued)
        #expect(try await fixture.attempts("d") == 0)
        // c was enqueued again meanwhile: the dead copy stays dead rather than making two live rows.
        try await fixture.enqueue(["c"])
        #expect(try await fixture.store.redrive(destination: "dest", reason: nil, lookable: true) == RedriveSummary())
        await #expect(throws: StoreError.unknownDestination("nope")) {
            _ = try await fixture.store.redrive(destination: "nope", reason: nil, lookable: true)
        }
    }
}

@Suite struct PruneTests {
    @Test(arguments: Engine.allCases) func prunesOnlyOldFinishedWorkInChunks(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(30))
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 25, leaseMillis: 60_000))
        let id = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "u", requestBody: "", startedAt: fixture.clock.nowMillis()))
        try await fixture.store.settle(
            batch.lease,
            result: AttemptResult(
                attemptID: id, status: 202, headers: [:], responseBody: "", remoteID: nil, latencyMillis: 1,
                errorClass: nil, finishedAt: fixture.clock.nowMillis()),
            outcomes: batch.contacts.enumerated().map { index, contact in
                Settlement(contactID: contact.id, outcome: index < 20 ? .confirmed : .accepted(eventInstanceID: nil, verifyAfter: 0))
            })
        fixture.clock.advance(by: 86_400_000)
        let summary = try await fixture.store.pruneAll(
            contactsBefore: fixture.clock.nowMillis() - 1_000, ledgerBefore: fixture.clock.nowMillis() - 1_000, chunk: 7)
        #expect(summary.contacts == 20)
        // The request also carried five contacts that are still live: its ledger row stays.
        #expect(summary.attempts == 0)
        // The batch is still referenced by its five accepted contacts: kept.
        #expect(summary.batches == 0)
        let states = try await fixture.states()
        #expect(states.count == 10)
        #expect(states.values.allSatisfy { !$0.isFinal })
    }
}

@Suite struct RetentionAgeTests {
    @Test(arguments: Engine.allCases) func contactsAndLedgerHaveTheirOwnAges(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(10))
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        let id = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "u", requestBody: "", startedAt: fixture.clock.nowMillis()))
        try await fixture.store.settle(
            batch.lease,
            result: AttemptResult(
                attemptID: id, status: 202, headers: [:], responseBody: "", remoteID: nil, latencyMillis: 1,
                errorClass: nil, finishedAt: fixture.clock.nowMillis()),
            outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        fixture.clock.advance(by: 2 * 3_600_000)
        // Contacts kept for good, the ledger for an hour: the request goes, the contacts stay.
        let ledgerOnly = try await fixture.store.pruneAll(
            contactsBefore: nil, ledgerBefore: fixture.clock.nowMillis() - 3_600_000, chunk: 3)
        #expect(
            ledgerOnly == PruneSummary(contacts: 0, attempts: 1, batches: 0, events: 10),
            "the outbox's events go with the ledger (no endpoint waits)")
        #expect(try await fixture.states().count == 10)
        let contacts = try await fixture.store.pruneAll(contactsBefore: fixture.clock.nowMillis() - 3_600_000, ledgerBefore: nil, chunk: 3)
        #expect(contacts == PruneSummary(contacts: 10, attempts: 0, batches: 1))
        #expect(try await fixture.states().isEmpty)
        #expect(try await fixture.store.counts().first?.counts.values.reduce(0, +) == 0, "the per-state counters follow deletions")
    }
}
