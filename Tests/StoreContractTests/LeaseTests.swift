import Foundation
import JourneyQueue
import Testing

@Suite struct LeaseTests {
    @Test(arguments: Engine.allCases) func claimersOnTwoPoolsNeverShareAContact(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let keys = fixture.keys(3_000)
        try await fixture.enqueue(keys)
        let stores = [fixture.store, try await fixture.secondStore(), try await fixture.secondStore()]
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for (index, store) in stores.enumerated() {
                for _ in 0..<2 {
                    group.addTask {
                        var mine: [String] = []
                        while let batch = try await store.claim(destination: "dest", limit: 7 + index, leaseMillis: 60_000) {
                            mine += batch.contacts.map(\.key)
                            try await store.settle(
                                batch.lease, result: nil,
                                outcomes: batch.contacts.map {
                                    Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: nil, verifyAfter: 0))
                                })
                        }
                        return mine
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(claimed.count == keys.count)
        #expect(Set(claimed) == Set(keys))
        #expect(try await fixture.states().values.allSatisfy { $0 == .accepted })
    }

    @Test(arguments: Engine.allCases) func theClaimCountsTheAttemptAndHonoursBackoff(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000))
        #expect(batch.contacts.map(\.attempts) == [1])
        #expect(try await fixture.attempts(batch.contacts[0].key) == 1)
        let now = fixture.clock.nowMillis()
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(
                    contactID: batch.contacts[0].id, outcome: .retry(at: now + 5_000, error: "connection refused", refundAttempt: false))
            ])
        // The retried contact waits for its backoff; the other is ready now.
        let next = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        #expect(next.contacts.map(\.key) == ["b"])
        #expect(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000) == nil)
        fixture.clock.advance(by: 5_000)
        let again = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        #expect(again.contacts.map(\.key) == [batch.contacts[0].key])
        #expect(again.contacts[0].attempts == 2)
    }

    /// Looks that wait for submissions to drain must not wait for each other: a look's open batch is no submission.
    @Test(arguments: Engine.allCases) func onlyASubmissionsBatchIsWorkLeftToSend(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let sending = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000))
        var work = try await fixture.store.pendingWork(destination: "dest")
        #expect(work.queued && work.leased && work.sending && !work.nothingToSend)
        let accepted = { (batch: ClaimedBatch) in
            batch.contacts.map { Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: nil, verifyAfter: 0)) }
        }
        try await fixture.store.settle(sending.lease, result: nil, outcomes: accepted(sending))
        let last = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000))
        #expect(try await fixture.store.pendingWork(destination: "dest").sending)
        try await fixture.store.settle(last.lease, result: nil, outcomes: accepted(last))
        // Both are sent and one is in a look: nothing is left to send, and both still wait for their verdicts.
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 60_000))
        work = try await fixture.store.pendingWork(destination: "dest")
        #expect(!work.sending && work.nothingToSend && work.leased && work.awaitingVerification && !work.fullyDrained)
        try await fixture.store.settleVerification(
            look.lease, outcomes: look.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) }, looks: [])
        work = try await fixture.store.pendingWork(destination: "dest")
        #expect(work.awaitingVerification && !work.leased)
    }

    @Test(arguments: Engine.allCases) func aRefundedRetryCostsNoAttempt(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 60_000))
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(contactID: batch.contacts[0].id, outcome: .retry(at: 0, error: "429", refundAttempt: true))
            ])
        #expect(try await fixture.attempts("a") == 0)
    }

    @Test(arguments: Engine.allCases) func aStaleLeaseIsRefusedAfterExpiryAndReclaim(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let stale = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        fixture.clock.advance(by: 1_001)
        // Expired but not yet recovered: still refused.
        await #expect(throws: StoreError.leaseLost(batchID: stale.lease.batchID)) {
            _ = try await fixture.store.renewLease(stale.lease, leaseMillis: 1_000)
        }
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(requeued: 2, madeUnknown: 0, batches: 1))
        let other = try await fixture.secondStore()
        let fresh = try #require(try await other.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        #expect(Set(fresh.contacts.map(\.id)) == Set(stale.contacts.map(\.id)))
        // The stale holder's writes change nothing.
        await #expect(throws: StoreError.leaseLost(batchID: stale.lease.batchID)) {
            try await fixture.store.settle(
                stale.lease, result: nil, outcomes: stale.contacts.map { Settlement(contactID: $0.id, outcome: .dead(reason: "stale")) })
        }
        await #expect(throws: StoreError.leaseLost(batchID: stale.lease.batchID)) {
            _ = try await fixture.store.beginAttempt(
                stale.lease, AttemptStart(purpose: .submit, method: "POST", url: "u", requestBody: "", startedAt: 0))
        }
        #expect(try await fixture.states() == ["a": .claimed, "b": .claimed])
        // A forged token is refused too.
        var forged = fresh.lease
        forged.token = "forged"
        await #expect(throws: StoreError.leaseLost(batchID: fresh.lease.batchID)) {
            try await other.settle(
                forged, result: nil, outcomes: fresh.contacts.map { Settlement(contactID: $0.id, outcome: .dead(reason: "x")) })
        }
        try await other.settle(fresh.lease, result: nil, outcomes: fresh.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        #expect(try await fixture.states() == ["a": .confirmed, "b": .confirmed])
    }

    @Test(arguments: Engine.allCases) func renewalKeepsALeaseAlive(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        var batch = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 1_000))
        for _ in 0..<5 {
            fixture.clock.advance(by: 900)
            batch.lease = try await fixture.store.renewLease(batch.lease, leaseMillis: 1_000)
            #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary())
        }
        try await fixture.store.settle(
            batch.lease, result: nil, outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .unverifiable())])
        #expect(try await fixture.states() == ["a": .unverifiable])
    }

    @Test(arguments: Engine.allCases) func expiredLeasesRequeueClaimedAndMakeSentContactsUnknown(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(fixture.keys(5))
        let sent = try #require(try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 1_000))
        let attemptID = try await fixture.store.beginAttempt(
            sent.lease, AttemptStart(purpose: .submit, method: "POST", url: "http://x/", requestBody: "{}", startedAt: 1))
        let idle = try #require(try await fixture.store.claim(destination: "dest", limit: 2, leaseMillis: 1_000))
        fixture.clock.advance(by: 2_000)
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(requeued: 2, madeUnknown: 2, batches: 2))
        let states = try await fixture.states()
        for contact in sent.contacts { #expect(states[contact.key] == .unknown) }
        for contact in idle.contacts {
            #expect(states[contact.key] == .queued)
            #expect(try await fixture.attempts(contact.key) == 0)
        }
        #expect(try await fixture.rows("SELECT error_class FROM attempt WHERE id = ?", [attemptID]) == [["abandoned"]])
        // An unknown contact is not claimable: it waits for reconciliation.
        let rest = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(Set(rest.contacts.map(\.key)) == Set(fixture.keys(5)).subtracting(sent.contacts.map(\.key)))
    }

    @Test(arguments: Engine.allCases) func theLedgerKeepsRequestAndAnswerEvenForALostLease(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 1, leaseMillis: 1_000))
        let id = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(purpose: .submit, method: "POST", url: "http://sim/async", requestBody: "{\"members\":[]}", startedAt: 5))
        #expect(try await fixture.states() == ["a": .sending])
        fixture.clock.advance(by: 5_000)
        let result = AttemptResult(
            attemptID: id, status: 202, headers: ["X-Request-Id": "r1"], responseBody: "{}", remoteID: "req-1",
            latencyMillis: 12, errorClass: nil, finishedAt: 99)
        await #expect(throws: StoreError.leaseLost(batchID: batch.lease.batchID)) {
            try await fixture.store.settle(
                batch.lease, result: result, outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .confirmed)])
        }
        let row = try await fixture.rows("SELECT status, remote_id, response_headers, latency_ms FROM attempt WHERE id = ?", [id])
        #expect(row == [["202", "req-1", #"{"X-Request-Id":"r1"}"#, "12"]])
        #expect(try await fixture.states() == ["a": .sending])
    }

    /// A lease shorter than a request's deadline: the write-ahead extends it past the deadline, so that a worker that dies
    /// (or stalls) mid-request leaves contacts nobody looks at while the request could still be arriving.
    @Test(arguments: Engine.allCases) func theWriteAheadMakesTheLeaseOutliveTheRequest(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        _ = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x/entries", requestBody: "{}", startedAt: fixture.clock.nowMillis(),
                timeoutMillis: 10_000))
        // A renewal in the meantime never shortens what the write-ahead extended.
        let started = fixture.clock.nowMillis()
        fixture.clock.advance(by: 500)
        let renewed = try await fixture.store.renewLease(batch.lease, leaseMillis: 1_000)
        #expect(renewed.until >= started + 10_000, "renewed to \(renewed.until - started) ms after the request began")
        // The lease of 1 s has run out, the request's 10 s have not: nothing is recovered.
        fixture.clock.advance(by: 4_500)
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary())
        fixture.clock.advance(by: 10_000 - 5_000 + Lease.requestMarginMillis + 1)
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(requeued: 0, madeUnknown: 2, batches: 1))
        #expect(try await fixture.states() == ["a": .unknown, "b": .unknown])
        // A request with no deadline given leaves the lease as it was.
        try await fixture.enqueue(["c"])
        let next = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        _ = try await fixture.store.beginAttempt(
            next.lease,
            AttemptStart(purpose: .submit, method: "POST", url: "http://x/entries", requestBody: "{}", startedAt: fixture.clock.nowMillis())
        )
        fixture.clock.advance(by: 1_001)
        #expect(try await fixture.store.recoverExpiredLeases() == RecoverySummary(requeued: 0, madeUnknown: 1, batches: 1))
    }
}
