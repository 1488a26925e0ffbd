import Foundation
import JourneyQueue
import Testing

@testable import JourneyQueuePostgres
@testable import JourneyQueueSQLite

/// The outbox on both engines: every final verdict and every pause is an event written with it, the feed pages through
/// them once and in order while verdicts keep arriving, webhook batches are fixed once claimed, and retention keeps
/// what an endpoint has not been told.
@Suite struct OutboxTests {
    /// Claims `keys`' batch, writes ahead and settles each contact as `outcomes` says.
    func settle(_ fixture: StoreFixture, limit: Int, _ outcome: (Int, ClaimedContact) -> ContactOutcome) async throws {
        try await settle(fixture.store, limit: limit, outcome)
    }

    func settle(_ store: any JourneyStore, limit: Int, _ outcome: (Int, ClaimedContact) -> ContactOutcome) async throws {
        let batch = try #require(try await store.claim(destination: "dest", limit: limit, leaseMillis: 60_000))
        _ = try await store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "x", requestBody: "", startedAt: 0))
        try await store.settle(
            batch.lease, result: nil, outcomes: batch.contacts.enumerated().map { Settlement(contactID: $1.id, outcome: outcome($0, $1)) })
    }

    /// The feed once it holds `count` events: on PostgreSQL an event shows only when every older transaction on the
    /// server has ended, and tests on other databases of the same server run at the same time.
    func feed(_ store: any JourneyStore, after: EventPosition? = nil, filter: EventFilter = .all, count: Int) async throws -> [QueueEvent] {
        var events: [QueueEvent] = []
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            events = try await store.events(after: after, limit: 100, filter: filter)
            if events.count >= count { return events }
            try await Task.sleep(for: .milliseconds(20))
        }
        return events
    }

    /// A webhook batch once one can be claimed (see `feed`).
    func claim(_ store: any JourneyStore, owner: String, filter: EventFilter = .all, limit: Int = 50) async throws -> WebhookBatch? {
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let batch = try await store.claimWebhookBatch(
                endpoint: "crm", owner: owner, filter: filter, limit: limit, leaseMillis: 10_000)
            {
                return batch
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    @Test(arguments: Engine.allCases) func everyFinalVerdictAndPauseIsAnEventAndNothingElseIs(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["c", "u", "d", "r", "a"])
        try await settle(fixture, limit: 5) { _, contact in
            switch contact.key {
            case "c": .confirmed
            case "u": .unverifiable(reason: "the journey never showed it")
            case "d": .dead(reason: "bad email", ambiguous: false)
            case "r": .retry(at: 0, error: "HTTP 503", refundAttempt: false)
            default: .accepted(eventInstanceID: "ev-a", verifyAfter: 0)
            }
        }
        var events = try await feed(fixture.store, count: 3)
        #expect(
            Set(events.map { "\($0.type.rawValue) \($0.contactKey ?? "-")" }) == [
                "contact.confirmed c", "contact.unverifiable u", "contact.dead d",
            ], "retried and accepted contacts are not final: no event")
        let dead = try #require(events.first { $0.contactKey == "d" })
        #expect(
            dead.reason == "bad email" && dead.state == .dead && dead.destination == "dest" && dead.attempts == 1
                && dead.at == fixture.clock.nowMillis())
        #expect(events.first { $0.contactKey == "c" }?.reason == nil)

        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.settleVerification(
            look.lease, outcomes: look.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        events = try await feed(fixture.store, after: events.last?.position, count: 1)
        #expect(events.map(\.contactKey) == ["a"] && events.first?.eventInstanceID == "ev-a", "a look's verdict is an event too")

        try await fixture.store.setPause(destination: "dest", paused: true, until: nil, reason: "campaign on hold")
        try await fixture.store.setPause(destination: "dest", paused: true, until: nil, reason: "campaign on hold")
        try await fixture.store.reportHealth(
            destination: "dest",
            pause: DestinationPause(until: fixture.clock.nowMillis() + 60_000, reason: "HTTP 503 five times", cause: .unavailable))
        try await fixture.store.reportHealth(
            destination: "dest",
            pause: DestinationPause(until: fixture.clock.nowMillis() + 90_000, reason: "HTTP 503 five times", cause: .unavailable))
        try await fixture.store.reportHealth(destination: "dest", pause: nil)
        try await fixture.store.setPause(destination: "dest", paused: false, until: nil, reason: nil)
        let pauses = try await feed(fixture.store, after: events.last?.position, count: 4)
        #expect(
            pauses.map { "\($0.type.rawValue) \($0.cause ?? "-") \($0.reason ?? "-")" } == [
                "destination.paused operator campaign on hold", "destination.paused health HTTP 503 five times",
                "destination.resumed health -", "destination.resumed operator -",
            ], "a pause reported again (the same reason) is not news")
        #expect(pauses.first?.until == nil, "an operator's pause without an end")

        let dead2 = try await fixture.store.events(after: nil, limit: 100, filter: EventFilter(types: [.contactDead, .destinationResumed]))
        #expect(dead2.map(\.type) == [.contactDead, .destinationResumed, .destinationResumed])
        #expect(try await fixture.store.events(after: nil, limit: 100, filter: EventFilter(destinations: ["other"])).isEmpty)
        #expect(try await fixture.store.events(after: nil, limit: 2, filter: .all).count == 2)
    }

    @Test(arguments: Engine.allCases) func expiryIsAnEvent(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["late"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [],
            released: [
                Settlement(contactID: batch.contacts[0].id, outcome: .expired(reason: "notAfter passed before it was sent"))
            ], releaseCountsAsLook: false)
        let events = try await feed(fixture.store, count: 1)
        #expect(events.map(\.type) == [.contactExpired] && events.first?.reason == "notAfter passed before it was sent")
    }

    /// Pages through the feed while another store settles verdicts: every event once, in order. On PostgreSQL a
    /// transaction that drew an earlier id and commits later must not be passed by the cursor (it would be lost).
    @Test(arguments: Engine.allCases) func theFeedGivesEveryEventOnceInOrderWhileVerdictsArrive(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(400))
        let writers = [try await fixture.secondStore(), try await fixture.secondStore()]
        let done = DoneFlag()
        let producing = Task {
            defer { Task { await done.set() } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in writers {
                    group.addTask {
                        for _ in 0..<20 {
                            try await self.settle(writer, limit: 10) { index, _ in
                                index % 3 == 0 ? .dead(reason: "bad", ambiguous: false) : .confirmed
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var seen: [QueueEvent] = []
        var cursor: EventPosition?
        var pagesWhileWriting = 0
        // Bounded, generously for a loaded machine: a writer that failed leaves fewer than 400, and the checks below say so.
        let deadline = Date().addingTimeInterval(180)
        while true {
            let finished = await done.value
            let page = try await fixture.store.events(after: cursor, limit: 7, filter: .all)
            seen += page
            cursor = page.last?.position ?? cursor
            if !finished { pagesWhileWriting += 1 }
            // Read after the writers finished until the last of them are in (on PostgreSQL once every older
            // transaction on the server has ended).
            if page.isEmpty && finished && (seen.count >= 400 || Date() > deadline) { break }
            if page.isEmpty && finished { try await Task.sleep(for: .milliseconds(20)) }
            if page.isEmpty { await Task.yield() }
        }
        try await producing.value
        #expect(pagesWhileWriting > 0, "the feed was read while verdicts were written")
        #expect(seen.count == 400, "every verdict once")
        #expect(Set(seen.compactMap(\.contactKey)).count == 400)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.position < $1.position }, "in order")
        #expect(try await fixture.store.events(after: cursor, limit: 100, filter: .all).isEmpty)
    }

    @Test func onPostgresAnEventOfAnOpenTransactionHoldsBackThoseAfterIt() async throws {
        let fixture = try await StoreFixture(.postgres)
        // Two destinations: the two transactions then share no counter row (a counter's slot is the server process's
        // pid modulo 16, and two pids can meet), so the later one never waits for the open one's lock.
        try await fixture.enqueue(["early"], destination: "first")
        try await fixture.enqueue(["late"], destination: "second")
        let postgres = try #require(fixture.store as? PostgresQueueStore)
        // A transaction writes an event (its id drawn first) and stays open while a later one commits.
        let open = try await postgres.client.withConnection { connection in
            try await connection.query("BEGIN", logger: postgres.logger)
            // Claimed, then confirmed: the store refuses a move outside the lifecycle, a test's included.
            try await postgres.execute(connection, "UPDATE contact SET state = 1 WHERE contact_key = 'early'")
            try await postgres.execute(connection, "UPDATE contact SET state = 5, updated_at = 1 WHERE contact_key = 'early'")
            let later = try await postgres.feedAfterAnotherCommit()
            try await connection.query("COMMIT", logger: postgres.logger)
            return later
        }
        #expect(open.isEmpty, "the later event is held back while an earlier transaction is open: \(open.map(\.contactKey))")
        let all = try await feed(fixture.store, count: 2)
        #expect(Set(all.compactMap(\.contactKey)) == ["early", "late"])
    }

    @Test(arguments: Engine.allCases) func aWebhookBatchIsFixedOnceClaimedAndTheCursorMovesOnlyWhenDelivered(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(5, prefix: "before"))
        try await settle(fixture, limit: 5) { _, _ in .confirmed }
        #expect(try await feed(fixture.store, count: 5).count == 5)
        try await fixture.store.ensureWebhooks(["crm"])
        #expect(
            try await fixture.store.claimWebhookBatch(endpoint: "crm", owner: "w1", filter: .all, limit: 3, leaseMillis: 10_000) == nil,
            "a new endpoint is told what happens from now on")
        try await fixture.enqueue(fixture.keys(5))
        try await settle(fixture, limit: 5) { index, _ in index == 4 ? .dead(reason: "bad", ambiguous: false) : .confirmed }
        let first = try #require(try await claim(fixture.store, owner: "w1", limit: 3))
        #expect(first.events.count == 3 && first.attempt == 1)
        #expect(
            try await fixture.store.claimWebhookBatch(endpoint: "crm", owner: "w2", filter: .all, limit: 3, leaseMillis: 10_000) == nil,
            "another worker waits for the lease")
        // The worker dies after posting: the lease passes and another takes the very same batch, whatever its own
        // config's filter says.
        fixture.clock.advance(by: 10_001)
        let again = try #require(
            try await fixture.store.claimWebhookBatch(
                endpoint: "crm", owner: "w2", filter: EventFilter(types: [.contactDead]),
                limit: 50, leaseMillis: 10_000))
        #expect(again.messageID == first.messageID && again.events == first.events && again.attempt == 2)
        #expect(try await fixture.store.webhookDelivered(first, owner: "w1") == false, "the first worker's late record changes nothing")
        let failed = try #require(
            try await fixture.store.webhookFailed(
                again, owner: "w2", error: "HTTP 500", nextAttemptAt: fixture.clock.nowMillis() + 5_000,
                parkAfterMillis: 600_000))
        #expect(failed.status == "failing" && failed.undelivered == 5 && failed.attempts == 2, "a try cut short by a crash counts")
        #expect(
            try await fixture.store.claimWebhookBatch(endpoint: "crm", owner: "w2", filter: .all, limit: 50, leaseMillis: 10_000) == nil,
            "backing off")
        fixture.clock.advance(by: 5_000)
        let third = try #require(
            try await fixture.store.claimWebhookBatch(endpoint: "crm", owner: "w2", filter: .all, limit: 50, leaseMillis: 10_000))
        #expect(third.messageID == first.messageID && third.attempt == 3)
        #expect(try await fixture.store.webhookDelivered(third, owner: "w2"))
        let rest = try #require(try await claim(fixture.store, owner: "w2", filter: EventFilter(types: [.contactDead])))
        #expect(rest.events.map(\.contactKey) == ["k4"] && rest.messageID != first.messageID && rest.from == first.to)
        #expect(try await fixture.store.webhookDelivered(rest, owner: "w2"))
        let state = try #require(try await fixture.store.webhookStates(filters: [:]).first)
        #expect(state.delivered == 4 && state.deliveries == 2 && state.undelivered == 0 && state.status == "delivering")
    }

    @Test(arguments: Engine.allCases) func anEndpointFailingLongerThanParkAfterIsParkedUntilRedelivered(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.store.ensureWebhooks(["crm"])
        try await fixture.enqueue(["a"])
        try await settle(fixture, limit: 5) { _, _ in .confirmed }
        var parked = false
        for _ in 0..<20 {
            let batch = try #require(try await claim(fixture.store, owner: "w"))
            let state = try #require(
                try await fixture.store.webhookFailed(
                    batch, owner: "w", error: "HTTP 500", nextAttemptAt: fixture.clock.nowMillis() + 60_000,
                    parkAfterMillis: 600_000))
            if state.parkedAt != nil { parked = true; break }
            fixture.clock.advance(by: 60_000)
        }
        #expect(parked)
        let state = try #require(try await fixture.store.webhookStates(filters: [:]).first)
        #expect(state.status == "parked" && state.undelivered == 1 && state.failingSince! <= fixture.clock.nowMillis() - 600_000)
        fixture.clock.advance(by: 86_400_000)
        #expect(
            try await fixture.store.claimWebhookBatch(endpoint: "crm", owner: "w", filter: .all, limit: 50, leaseMillis: 10_000) == nil,
            "parked stays parked")
        let before = try #require(try await fixture.store.redeliverWebhook(endpoint: "crm"))
        #expect(before.parkedAt != nil)
        let batch = try #require(
            try await fixture.store.claimWebhookBatch(endpoint: "crm", owner: "w", filter: .all, limit: 50, leaseMillis: 10_000))
        #expect(batch.events.map(\.contactKey) == ["a"])
        #expect(try await fixture.store.redeliverWebhook(endpoint: "nobody") == nil)
    }

    @Test(arguments: Engine.allCases) func retentionRemovesOnlyOldEventsEveryEndpointWasToldOf(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.store.ensureWebhooks(["crm", "warehouse"])
        try await fixture.enqueue(fixture.keys(4))
        try await settle(fixture, limit: 4) { _, _ in .confirmed }
        let batch = try #require(try await claim(fixture.store, owner: "w"))
        #expect(batch.events.count == 4)
        #expect(try await fixture.store.webhookDelivered(batch, owner: "w"))
        fixture.clock.advance(by: 10_000)
        var pruned = try await fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: fixture.clock.nowMillis(), limit: 100)
        #expect(pruned.events == 0, "the warehouse has not been told")
        #expect(
            try await fixture.store.ensureWebhooks(["crm"]) == ["warehouse"], "a worker without the warehouse in its config retires nothing"
        )
        pruned = try await fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: fixture.clock.nowMillis(), limit: 100)
        #expect(pruned.events == 0, "the warehouse still waits for its events")
        #expect(try await fixture.store.retireWebhook(endpoint: "warehouse")?.undelivered == 4)
        pruned = try await fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: fixture.clock.nowMillis() - 20_000, limit: 100)
        #expect(pruned.events == 0, "younger than the ledger's age")
        pruned = try await fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: fixture.clock.nowMillis(), limit: 100)
        #expect(pruned.events == 4, "delivered to every endpoint not retired, and old")
        #expect(try await fixture.store.events(after: nil, limit: 10, filter: .all).isEmpty)
    }
}

actor DoneFlag {
    private(set) var value = false
    func set() { value = true }
}

extension PostgresQueueStore {
    /// Settles `late` in a transaction of its own that commits, then reads the feed.
    func feedAfterAnotherCommit() async throws -> [QueueEvent] {
        try await transaction { connection in
            try await self.execute(connection, "UPDATE contact SET state = 1 WHERE contact_key = 'late'")
            try await self.execute(connection, "UPDATE contact SET state = 5, updated_at = 2 WHERE contact_key = 'late'")
        }
        return try await events(after: nil, limit: 10, filter: .all)
    }
}
