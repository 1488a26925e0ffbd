import Foundation
import JourneyQueue
import Testing

@testable import JourneyQueuePostgres
@testable import JourneyQueueSQLite

/// `journeyq copy`: a queue moves off SQLite whole, keeps working on PostgreSQL, and is never copied over another.
@Suite struct CopyTests {
    /// A SQLite queue with every kind of row: finished and live contacts, a long (compressed) ledger body, a pause, an
    /// idempotency key, and a contact left `sending` by a daemon that died.
    func populatedSource() async throws -> StoreFixture {
        let fixture = try await StoreFixture(.sqlite)
        try await fixture.store.ensureWebhooks(["crm"])
        try await fixture.enqueue(fixture.keys(40))
        _ = try await fixture.store.enqueue(
            destination: "other", idempotency: IdempotencyRecord(key: "req-7") { "{\"enqueued\":\($0.enqueued)}" }
        ) { sink in
            sink.add(ContactRecord(key: "o1", data: []))
        }
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 30, leaseMillis: 60_000))
        let body =
            "{\"members\":["
            + batch.contacts.map { "{\"contactKey\":\"\($0.key)\",\"data\":\"" + String(repeating: "x", count: 40) + "\"}" }.joined(
                separator: ",") + "]}"
        let id = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x", requestBody: body,
                startedAt: fixture.clock.nowMillis()))
        try await fixture.store.settle(
            batch.lease,
            result: AttemptResult(
                attemptID: id, status: 202, headers: ["X-Request-Id": "r"], responseBody: "{}",
                remoteID: "req-1", latencyMillis: 9, errorClass: nil, finishedAt: fixture.clock.nowMillis()),
            outcomes: batch.contacts.enumerated().map { index, contact in
                Settlement(
                    contactID: contact.id,
                    outcome: index < 20
                        ? .confirmed
                        : index < 25
                            ? .dead(reason: "bad", ambiguous: true)
                            : .accepted(eventInstanceID: "e\(index)", verifyAfter: 0))
            })
        let abandoned = try #require(try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 1_000))
        _ = try await fixture.store.beginAttempt(
            abandoned.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x", requestBody: "{}",
                startedAt: fixture.clock.nowMillis()))
        try await fixture.store.setPause(destination: "other", paused: true, until: nil, reason: "on hold")
        // Ten events told to the endpoint, the rest waiting for it.
        let told = try #require(
            try await fixture.store.claimWebhookBatch(endpoint: "crm", owner: "w", filter: .all, limit: 10, leaseMillis: 1_000))
        #expect(try await fixture.store.webhookDelivered(told, owner: "w"))
        // A contact waiting for its send window, and one for its notBefore.
        _ = try await fixture.store.enqueue(destination: "win") { sink in
            sink.add(ContactRecord(key: "w1", data: []))
            var later = ContactRecord(key: "w2", data: [])
            later.notBefore = fixture.clock.nowMillis() + 86_400_000
            later.notAfter = fixture.clock.nowMillis() + 2 * 86_400_000
            sink.add(later)
        }
        let waiting = try #require(try await fixture.store.claim(destination: "win", limit: 10, leaseMillis: 1_000))
        try await fixture.store.prepareBatch(
            waiting.lease, priorMembers: [],
            released: [
                Settlement(
                    contactID: waiting.contacts[0].id, outcome: .waitForWindow(until: fixture.clock.nowMillis() + 3_600_000, note: "window")
                )
            ], releaseCountsAsLook: false)
        try await fixture.store.settle(waiting.lease, result: nil, outcomes: [])
        fixture.clock.advance(by: 5_000)
        return fixture
    }

    func contacts(_ store: any JourneyStore) async throws -> [String] {
        var rows: [String] = []
        try await store.eachContact(destination: nil, state: nil, since: nil) { rows.append("\($0)") }
        return rows
    }

    @Test func aQueueMovesWholeAndKeepsWorking() async throws {
        let source = try await populatedSource()
        let target = try await StoreFixture(.postgres, clock: source.clock)
        let summary = try await QueueCopier.copy(
            from: source.store as! SQLiteQueueStore, to: target.store as! PostgresQueueStore, now: source.clock.nowMillis())
        // The file is marked as moved there, in the copy itself: nothing works it again by mistake.
        let moved = try (source.store as! SQLiteQueueStore).movedTo()
        #expect(moved?.url == (target.store as! PostgresQueueStore).locationDescription && moved?.at == source.clock.nowMillis())
        #expect(
            summary.rows == [
                "destination": 3, "batch": 3, "contact": 43, "attempt": 2, "idempotency_key": 1, "event": 26, "webhook_endpoint": 1,
                "erasure": 0, "audit": 0, "ledger_carried_from": 1,
            ])
        // The outbox moves whole: the same events, and the endpoint goes on where it was (16 not yet told).
        func told(_ store: any JourneyStore) async throws -> [String] {
            try await store.events(after: nil, limit: 100, filter: .all).map {
                "\($0.type) \($0.destination) \($0.contactKey ?? "-") \($0.reason ?? "-") \($0.at)"
            }
        }
        // PostgreSQL's feed shows an event once every transaction older than it has ended on the server, other tests'
        // included: on a loaded machine that can take a moment.
        let expected = try await told(source.store)
        var copied: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        repeat {
            copied = try await told(target.store)
            if copied.count < expected.count { try await Task.sleep(for: .milliseconds(50)) }
        } while copied.count < expected.count && ContinuousClock.now < deadline
        #expect(copied == expected)
        let rest = try #require(
            try await target.store.claimWebhookBatch(endpoint: "crm", owner: "w", filter: .all, limit: 100, leaseMillis: 1_000))
        #expect(rest.events.count == 16 && rest.events.first?.position.id == 11)
        // The schedule moves too: the window's waiting are counted, a notBefore still holds.
        #expect(try await target.store.counts().first { $0.name == "win" }?.waitingForWindow == 1)
        let w2 = try #require(try await target.store.timeline(contactKey: "w2").first?.0)
        #expect(w2.waitingFor == "notBefore" && w2.notAfter == source.clock.nowMillis() - 5_000 + 2 * 86_400_000)
        await #expect(try contacts(target.store) == (try contacts(source.store)))
        #expect(try await target.store.counts().map(\.counts) == (try await source.store.counts().map(\.counts)))
        // The reports' counters arrive with their rows: the moved queue reports what the source reports.
        #expect(
            try await target.store.reports(destination: nil, since: nil) == (try await source.store.reports(destination: nil, since: nil)))
        #expect(try await target.store.counts().first { $0.name == "other" }?.pause?.reason == "on hold")
        #expect(try await target.store.idempotentResponse(destination: "other", key: "req-7") == "{\"enqueued\":1}")
        let timeline = try await target.store.timeline(contactKey: "k3")
        #expect(timeline.first?.1.map(\.requestBody) == (try await source.store.timeline(contactKey: "k3")).first?.1.map(\.requestBody))
        #expect(timeline.first?.1.first?.requestBody.contains("\"contactKey\":\"k3\"") == true, "the compressed body arrives as text")
        // The abandoned request's contacts are recovered on the target as they would have been on the file.
        #expect(try await target.store.recoverExpiredLeases() == RecoverySummary(requeued: 0, madeUnknown: 2, batches: 1))
        // New rows take ids after the copied ones.
        try await target.enqueue(["fresh"])
        let next = try #require(try await target.store.claim(destination: "dest", limit: 20, leaseMillis: 60_000))
        #expect(Set(next.contacts.map(\.key)) == Set(source.keys(40).suffix(8) + ["fresh"]))
        #expect(next.lease.batchID > 2)
    }

    /// An erasure survives the move: the copied record is still erased, so no redrive on PostgreSQL sends it again.
    @Test func anErasedContactStaysErasedOnTheTarget() async throws {
        let source = try await StoreFixture(.sqlite)
        _ = try await source.store.enqueue(destination: "dest") { sink in
            sink.add(ContactRecord(key: "gone", data: [Field("email", .string("g@example.org"))]))
        }
        _ = try await source.store.forget(contactKey: "gone", actor: "ops")
        let target = try await StoreFixture(.postgres, clock: source.clock)
        _ = try await QueueCopier.copy(
            from: source.store as! SQLiteQueueStore, to: target.store as! PostgresQueueStore, now: source.clock.nowMillis())
        let copied = try #require(try await target.store.timeline(contactKey: "gone").first?.0)
        #expect(copied.erasedAt != nil && copied.dataJSON == "{}", "\(copied)")
        #expect(try await target.store.redrive(destination: "dest", reason: nil, lookable: true).total == 0)
        // The erasure's record and the audit trail move with the queue, and go on after it.
        let audit = try await target.store.auditEntries(after: nil, limit: 10)
        #expect(audit.map(\.action) == ["forget"] && audit.first?.target == ContactErasure.keyDigest("gone"), "\(audit)")
        try await target.store.recordAudit(actor: "ops", action: "pause", target: "dest", detail: nil)
        #expect(try await target.store.auditEntries(after: audit.last?.id, limit: 10).map(\.action) == ["pause"])
    }

    @Test func aTargetThatIsNotEmptyOrASourceStillWorkedIsRefused() async throws {
        let source = try await populatedSource()
        let target = try await StoreFixture(.postgres, clock: source.clock)
        try await target.enqueue(["already"])
        await #expect(throws: CopyError.self) {
            _ = try await QueueCopier.copy(
                from: source.store as! SQLiteQueueStore, to: target.store as! PostgresQueueStore, now: source.clock.nowMillis())
        }
        await #expect(try contacts(target.store).count == 1)
        // A daemon still holds a lease on the source: copying now would let two queues send the same contacts.
        let busy = try await populatedSource()
        _ = try #require(try await busy.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000))
        let empty = try await StoreFixture(.postgres, clock: busy.clock)
        await #expect(throws: CopyError.self) {
            _ = try await QueueCopier.copy(
                from: busy.store as! SQLiteQueueStore, to: empty.store as! PostgresQueueStore, now: busy.clock.nowMillis())
        }
        await #expect(try contacts(empty.store).isEmpty)
    }
}
