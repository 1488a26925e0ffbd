import Foundation
import JourneyQueue
import Testing

/// When a contact may be claimed: its `notBefore`, the send window's wait, `notAfter` ending it `expired`, and an
/// operator's redrive of the expired, on both engines.
@Suite struct ScheduleTests {
    func record(_ key: String, notBefore: Int64? = nil, notAfter: Int64? = nil) -> ContactRecord {
        var record = ContactRecord(key: key, data: [Field("n", .number("1"))])
        record.notBefore = notBefore
        record.notAfter = notAfter
        return record
    }

    @Test(arguments: Engine.allCases) func aContactIsNotClaimedBeforeItsNotBefore(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let now = fixture.clock.nowMillis()
        _ = try await fixture.store.enqueue(destination: "dest") { sink in
            sink.add(record("now"))
            sink.add(record("later", notBefore: now + 60_000, notAfter: now + 120_000))
        }
        let first = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(first.contacts.map(\.key) == ["now"])
        #expect(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000) == nil)
        #expect(try await fixture.store.pendingWork(destination: "dest").nextReadyAt == now + 60_000)
        let waiting = try #require(try await fixture.store.timeline(contactKey: "later").first?.0)
        #expect(waiting.waitingFor == "notBefore" && waiting.availableAt == now + 60_000 && waiting.notAfter == now + 120_000)
        fixture.clock.advance(by: 60_000)
        let second = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(second.contacts.map(\.key) == ["later"])
        #expect(second.contacts.first?.notAfter == now + 120_000, "the claim hands the worker the contact's notAfter")
    }

    @Test(arguments: Engine.allCases) func aWaitForTheWindowKeepsTheAttemptAndIsCountedAndExpiryIsFinal(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let now = fixture.clock.nowMillis()
        try await fixture.enqueue(["a", "b", "c"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        let ids = Dictionary(uniqueKeysWithValues: batch.contacts.map { ($0.key, $0.id) })
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [],
            released: [
                Settlement(contactID: ids["a"]!, outcome: .waitForWindow(until: now + 3_600_000, note: "waiting for the send window")),
                Settlement(contactID: ids["b"]!, outcome: .waitForWindow(until: now + 7_200_000, note: "waiting for the send window")),
                Settlement(contactID: ids["c"]!, outcome: .expired(reason: "notAfter passed before it was sent")),
            ], releaseCountsAsLook: false)
        try await fixture.store.settle(batch.lease, result: nil, outcomes: [])
        let counts = try #require(try await fixture.store.counts().first)
        #expect(counts.counts[.queued] == 2 && counts.counts[.expired] == 1 && counts.counts[.claimed] == 0)
        #expect(counts.waitingForWindow == 2 && counts.nextWindowOpening == now + 3_600_000)
        let report = try #require(try await fixture.store.reports(destination: "dest", since: nil).first)
        #expect(report.waitingForWindow == 2 && report.nextWindowOpening == now + 3_600_000 && report.counts["expired"] == 1)
        let rows = try await fixture.rows("SELECT contact_key, attempts, state FROM contact ORDER BY contact_key")
        #expect(
            rows == [["a", "0", "0"], ["b", "0", "0"], ["c", "0", "\(ContactState.expired.rawValue)"]],
            "no attempt is used up by waiting or expiring")
        #expect(
            try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000) == nil,
            "the waiting are not claimed before the opening")
        let timeline = try #require(try await fixture.store.timeline(contactKey: "a").first?.0)
        #expect(timeline.waitingFor == "sendWindow" && timeline.availableAt == now + 3_600_000)

        fixture.clock.advance(by: 3_600_000)
        let reclaimed = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(reclaimed.contacts.map(\.key) == ["a"])
        #expect(try await fixture.store.counts().first?.waitingForWindow == 1, "a claimed contact no longer waits")
    }

    @Test(arguments: Engine.allCases) func anExpiredContactIsRedrivenWithANewNotAfter(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let now = fixture.clock.nowMillis()
        try await fixture.enqueue(["x", "y"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [],
            released: batch.contacts.map {
                Settlement(contactID: $0.id, outcome: .expired(reason: "notAfter passed"))
            }, releaseCountsAsLook: false)
        try await fixture.store.settle(batch.lease, result: nil, outcomes: [])
        try await fixture.enqueue(["y"])
        let moved = try await fixture.store.redriveExpired(destination: "dest", notAfter: now + 86_400_000)
        #expect(moved.queued == 1, "y is live again under a new row: only x moves")
        let again = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(Set(again.contacts.map(\.key)) == ["x", "y"])
        #expect(again.contacts.first { $0.key == "x" }?.notAfter == now + 86_400_000)
        #expect(try await fixture.store.counts().first?.counts[.expired] == 1, "y's expired row stays as it was")
    }
}
