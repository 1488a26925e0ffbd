import Foundation
import JourneyQueue
import Testing

/// The store's half of "no look before the settle time, bounded looks, evidence tied to this run" (issue 9).
@Suite struct DeliveryTruthStoreTests {
    func send(_ fixture: StoreFixture, limit: Int = 10, leaseMillis: Int64 = 3_000) async throws -> (ClaimedBatch, Int64) {
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: limit, leaseMillis: leaseMillis))
        let id = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x", requestBody: "{}",
                startedAt: fixture.clock.nowMillis()))
        return (batch, id)
    }

    func column(_ fixture: StoreFixture, _ name: String, key: String) async throws -> Int64? {
        try await fixture.column(name, key: key)
    }

    @Test(arguments: Engine.allCases) func leaseRecoveryMakesAnAbandonedContactLookableOnlyAfterTheSettleTime(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        _ = try await fixture.store.ensureDestination(name: "dest", kind: "sfmc-async-events", settleMillis: 20_000)
        try await fixture.enqueue(["a"])
        _ = try await send(fixture)
        // The worker dies: the lease runs out 3 s later and recovery finds the request abandoned.
        fixture.clock.advance(by: 3_001)
        #expect(try await fixture.store.recoverExpiredLeases().madeUnknown == 1)
        #expect(try await fixture.states() == ["a": .unknown])
        // The remote may still be entering it: no look for the settle time from recovery.
        fixture.clock.advance(by: 19_999)
        #expect(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 1_000) == nil)
        fixture.clock.advance(by: 1)
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(look.contacts.map(\.key) == ["a"])
        #expect(look.contacts[0].sentAt == fixture.clock.nowMillis() - 23_001)
        await #expect(try column(fixture, "ambiguous", key: "a") == 1)
    }

    @Test(arguments: Engine.allCases) func theWriteAheadStampsTheSendAndStartsTheLooksAfresh(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        let (batch, _) = try await send(fixture)
        let sentAt = fixture.clock.nowMillis()
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(
                    contactID: batch.contacts[0].id,
                    outcome: .accepted(eventInstanceID: "e-1", verifyAfter: sentAt))
            ])
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 1_000))
        try await fixture.store.settleVerification(
            look.lease, outcomes: [Settlement(contactID: look.contacts[0].id, outcome: .recheck(at: 0, note: "500"))])
        await #expect(try column(fixture, "looks", key: "a") == 1)
        // A throttled look costs nothing.
        let again = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 1_000))
        try await fixture.store.settleVerification(
            again.lease,
            outcomes: [
                Settlement(
                    contactID: again.contacts[0].id,
                    outcome: .recheck(at: 0, note: "429", counted: false))
            ])
        await #expect(try column(fixture, "looks", key: "a") == 1)
        // Absent: sent again. The new request resets the looks and forgets the old eventInstanceId.
        let third = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 1_000))
        #expect(third.contacts[0].looks == 1 && third.contacts[0].eventInstanceID == "e-1")
        try await fixture.store.settleVerification(
            third.lease,
            outcomes: [
                Settlement(
                    contactID: third.contacts[0].id,
                    outcome: .retry(at: 0, error: "absent", refundAttempt: false))
            ])
        fixture.clock.advance(by: 5_000)
        let (resent, _) = try await send(fixture)
        let resentAt = fixture.clock.nowMillis()
        // The write-ahead stamps the batch; the contact takes the stamp with the answer that moves it next. Meanwhile it
        // shows no id: the earlier request's no longer describes it.
        #expect(try await fixture.states() == ["a": .sending])
        #expect(try await fixture.store.timeline(contactKey: "a").first?.0.eventInstanceID == nil)
        fixture.clock.advance(by: 100)
        try await fixture.store.settle(
            resent.lease, result: nil,
            outcomes: [Settlement(contactID: resent.contacts[0].id, outcome: .unknown(error: "timeout", verifyAfter: 0))])
        await #expect(try column(fixture, "looks", key: "a") == 0)
        await #expect(try column(fixture, "sent_at", key: "a") == resentAt)
        #expect(try await fixture.rows("SELECT event_instance_id FROM contact") == [[nil]])
    }

    @Test(arguments: Engine.allCases) func aFailedLookBeforeTheFirstSendHandsContactsBackWithoutSendingThem(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a", "b", "c"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 3, leaseMillis: 60_000))
        #expect(batch.contacts.allSatisfy { $0.priorMember == nil && $0.looks == 0 })
        let ids = Dictionary(uniqueKeysWithValues: batch.contacts.map { ($0.key, $0.id) })
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [(ids["a"]!, .member), (ids["b"]!, .notMember)],
            released: [Settlement(contactID: ids["c"]!, outcome: .retry(at: 0, error: "look failed", refundAttempt: true))],
            releaseCountsAsLook: true)
        _ = try await fixture.store.beginAttempt(
            batch.lease, AttemptStart(purpose: .submit, method: "POST", url: "http://x", requestBody: "{}", startedAt: 1))
        // The released contact was not moved to sending by the write-ahead, and its claim cost no attempt.
        #expect(try await fixture.states() == ["a": .sending, "b": .sending, "c": .queued])
        #expect(try await fixture.attempts("c") == 0)
        await #expect(try column(fixture, "looks", key: "c") == 1)
        await #expect(try column(fixture, "prior_member", key: "a") == 1)
        await #expect(try column(fixture, "prior_member", key: "b") == 0)
        let next = try #require(try await fixture.store.claim(destination: "dest", limit: 3, leaseMillis: 60_000))
        #expect(next.contacts.map(\.key) == ["c"] && next.contacts[0].looks == 1 && next.contacts[0].priorMember == nil)
    }

    @Test(arguments: Engine.allCases) func aRenewedLookKeepsItsContactsFromOtherReconcilers(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        let (batch, _) = try await send(fixture)
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .unknown(error: "timeout", verifyAfter: 0))])
        var look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 1_000))
        // A slow look renews its lease; meanwhile nobody else may take its contacts, or its verdict would land nowhere.
        for _ in 0..<3 {
            fixture.clock.advance(by: 800)
            look.lease = try await fixture.store.renewLease(look.lease, leaseMillis: 1_000)
            #expect(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 1_000) == nil)
        }
        try await fixture.store.settleVerification(look.lease, outcomes: [Settlement(contactID: look.contacts[0].id, outcome: .confirmed)])
        #expect(try await fixture.states() == ["a": .confirmed])
    }

    @Test(arguments: Engine.allCases) func possibleDuplicatesAreCountedDurably(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        for _ in 0..<2 {
            let (batch, _) = try await send(fixture)
            try await fixture.store.settle(
                batch.lease, result: nil,
                outcomes: [
                    Settlement(
                        contactID: batch.contacts[0].id,
                        outcome: .retry(
                            at: 0, error: "possible duplicate: timeout", refundAttempt: false, possibleDuplicate: true))
                ])
        }
        let (batch, _) = try await send(fixture)
        // A later, clean settle overwrites the last error but not the count.
        try await fixture.store.settle(
            batch.lease, result: nil, outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .unverifiable())])
        await #expect(try column(fixture, "possible_duplicates", key: "a") == 2)
        #expect(try await fixture.store.reports(destination: "dest", since: nil).first?.possibleDuplicates == 2)
    }

    @Test(arguments: Engine.allCases) func redriveLooksFirstForContactsWhoseLastRequestMayHaveBeenTaken(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        _ = try await fixture.store.ensureDestination(name: "dest", kind: "symplify-batchtrigger", settleMillis: 10_000)
        try await fixture.enqueue(["maybe", "never"])
        let (batch, _) = try await send(fixture)
        let ids = Dictionary(uniqueKeysWithValues: batch.contacts.map { ($0.key, $0.id) })
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(contactID: ids["maybe"]!, outcome: .dead(reason: "ambiguous: timeout", ambiguous: true)),
                Settlement(contactID: ids["never"]!, outcome: .dead(reason: "attempts used up (1): not sent")),
            ])
        let sentAt = fixture.clock.nowMillis()
        fixture.clock.advance(by: 2_000)
        #expect(
            try await fixture.store.redrive(destination: "dest", reason: nil, lookable: true) == RedriveSummary(queued: 1, toLookFor: 1))
        #expect(try await fixture.states() == ["maybe": .unknown, "never": .queued])
        await #expect(try column(fixture, "available_at", key: "maybe") == sentAt + 10_000)
        await #expect(try column(fixture, "attempts", key: "maybe") == 0)
    }

    @Test(arguments: Engine.allCases) func aRedriveSkipsAKeyDeliveredSinceUnderANewerRow(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["again", "alone"])
        let (first, _) = try await send(fixture)
        try await fixture.store.settle(
            first.lease, result: nil, outcomes: first.contacts.map { Settlement(contactID: $0.id, outcome: .dead(reason: "bad field")) })
        // The producer enqueued `again` once more, and that row was confirmed.
        try await fixture.enqueue(["again"])
        let (second, _) = try await send(fixture)
        try await fixture.store.settle(
            second.lease, result: nil, outcomes: [Settlement(contactID: second.contacts[0].id, outcome: .confirmed)])
        #expect(try await fixture.store.redrive(destination: "dest", reason: nil, lookable: true) == RedriveSummary(queued: 1, skipped: 1))
        let rows = try await fixture.rows("SELECT contact_key, state FROM contact WHERE contact_key = ? ORDER BY id", ["again"]).map {
            $0[1]
        }
        #expect(rows == [String(ContactState.dead.rawValue), String(ContactState.confirmed.rawValue)], "the dead copy stays dead")
        #expect(try await fixture.states()["alone"] == .queued)
    }

    @Test(arguments: Engine.allCases) func aRedrivenContactIsLookedForAfreshBeforeItIsSent(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["member", "stranger"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: batch.contacts.map { ($0.id, $0.key == "member" ? .member : .notMember) },
            released: [], releaseCountsAsLook: true)
        _ = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x", requestBody: "{}",
                startedAt: fixture.clock.nowMillis()))
        try await fixture.store.settle(
            batch.lease, result: nil, outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .dead(reason: "bad field")) })
        #expect(try await fixture.column("prior_member", key: "member") == Int64(PriorMembership.member.rawValue))
        #expect(try await fixture.store.redrive(destination: "dest", reason: nil, lookable: true) == RedriveSummary(queued: 2))
        let again = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        #expect(again.contacts.count == 2)
        #expect(again.contacts.allSatisfy { $0.priorMember == nil }, "what an earlier look found is asked again, not reused")
    }

    @Test(arguments: Engine.allCases) func whereNobodyCanLookARedriveSendsInDoubtContactsAgainAsPossibleDuplicates(engine: Engine)
        async throws
    {
        let fixture = try await StoreFixture(engine)
        _ = try await fixture.store.ensureDestination(name: "dest", kind: "symplify-batchtrigger", settleMillis: 10_000)
        try await fixture.enqueue(["maybe", "never"])
        let (batch, _) = try await send(fixture)
        let ids = Dictionary(uniqueKeysWithValues: batch.contacts.map { ($0.key, $0.id) })
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(contactID: ids["maybe"]!, outcome: .dead(reason: "ambiguous: the upload may have been taken", ambiguous: true)),
                Settlement(contactID: ids["never"]!, outcome: .dead(reason: "HTTP 400")),
            ])
        #expect(
            try await fixture.store.redrive(destination: "dest", reason: "ambiguous", lookable: false)
                == RedriveSummary(queued: 1, possibleDuplicates: 1))
        #expect(try await fixture.states() == ["maybe": .queued, "never": .dead], "only what the reason names")
        #expect(try await fixture.column("possible_duplicates", key: "maybe") == 1)
        #expect(try await fixture.column("ambiguous", key: "maybe") == 0)
        #expect(try await fixture.store.reports(destination: "dest", since: nil).first?.possibleDuplicates == 1)
    }

    @Test(arguments: Engine.allCases) func theHistorysFindingIsKeptAndAProvenAbsenceCounted(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        _ = try await fixture.store.ensureDestination(name: "dest", kind: "sfmc-async-events", settleMillis: 1_000)
        try await fixture.enqueue(["a"])
        var (batch, _) = try await send(fixture)
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(
                    contactID: batch.contacts[0].id,
                    outcome: .accepted(
                        eventInstanceID: "e1", verifyAfter: fixture.clock.nowMillis()))
            ])
        var look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 60_000))
        try await fixture.store.settleVerification(
            look.lease,
            outcomes: [
                Settlement(
                    contactID: look.contacts[0].id, outcome: .retry(at: 0, error: "never entered", refundAttempt: false),
                    evidence: "journey history: the request entered nobody", provenAbsent: true)
            ])
        #expect(try await fixture.states() == ["a": .queued])
        #expect(try await fixture.store.reports(destination: "dest", since: nil).first?.provenAbsent == 1)
        // Sent again and confirmed by membership: the finding that led to the re-send stays on the record.
        (batch, _) = try await send(fixture)
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: [
                Settlement(
                    contactID: batch.contacts[0].id,
                    outcome: .accepted(
                        eventInstanceID: "e2", verifyAfter: fixture.clock.nowMillis()))
            ])
        look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 1, leaseMillis: 60_000))
        try await fixture.store.settleVerification(look.lease, outcomes: [Settlement(contactID: look.contacts[0].id, outcome: .confirmed)])
        let contact = try #require(try await fixture.store.timeline(contactKey: "a").first?.0)
        #expect(contact.state == "confirmed" && contact.evidence == "journey history: the request entered nobody")
        #expect(try await fixture.column("proven_absent", key: "a") == 1)
    }

}
