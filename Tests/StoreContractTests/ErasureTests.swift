import Foundation
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

/// Erasure on request (GDPR art. 17), on both engines: the data leaves the records, the ledger and the messages; the
/// key, states, ids and times stay as the proof; nobody erased is ever sent again.
@Suite struct ErasureTests {
    static let ada = [
        Field("email", .string("ada.lovelace@example.org")), Field("city", .string("Lovelace Cove")), Field("score", .number("4711")),
    ]
    static let bob = [Field("email", .string("bob.babbage@example.org")), Field("city", .string("Engine Row"))]

    func enqueue(_ fixture: StoreFixture) async throws {
        _ = try await fixture.store.enqueue(destination: "dest") { sink in
            sink.add(ContactRecord(key: "ada", data: Self.ada))
            sink.add(ContactRecord(key: "bob", data: Self.bob))
        }
    }

    /// A batch entry with both, answered with an echo of Ada's email, as remotes do in their error details.
    func sendBoth(_ fixture: StoreFixture) async throws -> ClaimedBatch {
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        let body =
            "{\"members\":["
            + batch.contacts.map { "{\"contactKey\":\(JSONText.string($0.key)),\"data\":\($0.dataJSON)}" }.joined(separator: ",")
            + "],\"padding\":\"" + String(repeating: "x", count: 400) + "\"}"
        let id = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "POST", url: "http://x/entries", requestBody: body,
                startedAt: fixture.clock.nowMillis()))
        try await fixture.store.finishAttempt(
            AttemptResult(
                attemptID: id, status: 201, headers: [:],
                responseBody: "{\"accepted\":[{\"contactKey\":\"ada\",\"email\":\"ada.lovelace@example.org\"}]}",
                remoteID: "req-1", latencyMillis: 5, errorClass: nil, finishedAt: fixture.clock.nowMillis()))
        return batch
    }

    @Test(arguments: Engine.allCases) func forgetTakesTheDataOutOfRecordsAndLedgerAndKeepsTheStory(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await enqueue(fixture)
        let batch = try await sendBoth(fixture)
        try await fixture.store.settle(
            batch.lease, result: nil, outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })

        let summary = try await fixture.store.forget(contactKey: "ada", actor: "ops")
        #expect(summary.contacts == 1 && summary.erased == 1 && summary.pending == 0 && summary.bodies == 1, "\(summary)")
        let timeline = try await fixture.store.timeline(contactKey: "ada")
        let (contact, requests) = try #require(timeline.first)
        #expect(contact.dataJSON == "{}" && contact.erasedAt != nil && contact.state == "confirmed", "\(contact)")
        // The story stays: the request that carried Ada is still found, with Bob's member whole and Ada's without data.
        let request = try #require(requests.first)
        #expect(
            !request.requestBody.contains("ada.lovelace@example.org") && !request.requestBody.contains("Lovelace Cove")
                && !request.requestBody.contains("4711"), "\(request.requestBody)")
        #expect(
            request.requestBody.contains("\"contactKey\":\"ada\"") && request.requestBody.contains("bob.babbage@example.org"),
            "\(request.requestBody)")
        #expect(request.remoteID == "req-1" && request.status == 201)
        #expect(!(request.responseBody ?? "").contains("ada.lovelace"), "\(request.responseBody ?? "")")
        // Bob keeps his data.
        #expect(try await fixture.store.timeline(contactKey: "bob").first?.0.dataJSON.contains("bob.babbage@example.org") == true)
        // The erasure is in the audit log by the key's digest, never the key or the data.
        let audit = try await fixture.store.auditEntries(after: nil, limit: 10)
        #expect(audit.map(\.action) == ["forget"] && audit.first?.actor == "ops")
        #expect(audit.first?.target == ContactErasure.keyDigest("ada") && !(audit.first?.detail ?? "").contains("ada"), "\(audit)")
        if engine == .sqlite {
            // No byte of Ada's data is left in the file or its WAL.
            for path in [fixture.location, fixture.location + "-wal"] {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
                for value in ["ada.lovelace@example.org", "Lovelace Cove"] {
                    #expect(bytes.range(of: Data(value.utf8)) == nil, "\(value) is still in \(path)")
                }
            }
        }
    }

    @Test(arguments: Engine.allCases) func aQueuedContactIsTakenOutUnsentAndNoRedriveBringsItBack(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await enqueue(fixture)
        let summary = try await fixture.store.forget(contactKey: "ada", actor: "ops")
        #expect(summary.withdrawn == 1 && summary.erased == 1)
        #expect(try await fixture.states() == ["ada": .dead, "bob": .queued])
        let redriven = try await fixture.store.redrive(destination: "dest", reason: nil, lookable: true)
        #expect(redriven.total == 0, "\(redriven)")
        #expect(try await fixture.states()["ada"] == .dead)
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        #expect(batch.contacts.map(\.key) == ["bob"])
    }

    @Test(arguments: Engine.allCases) func aContactInFlightIsErasedOnceSettledAndNeverSentAgain(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await enqueue(fixture)
        let batch = try await sendBoth(fixture)
        let summary = try await fixture.store.forget(contactKey: "ada", actor: "ops")
        #expect(summary.pending == 1 && summary.erased == 0, "\(summary)")
        #expect(try await fixture.store.finishErasures() == 0, "still in flight")
        // The request failed: the contact goes back to the queue, but its notAfter of the erasure keeps it from being sent.
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: batch.contacts.map {
                Settlement(contactID: $0.id, outcome: .retry(at: 0, error: "HTTP 500", refundAttempt: false))
            })
        let ada = try #require(batch.contacts.first { $0.key == "ada" })
        let notAfter = try #require(try await fixture.column("not_after", key: "ada"))
        #expect(notAfter <= fixture.clock.nowMillis())
        #expect(try await fixture.store.finishErasures() == 1)
        let (contact, requests) = try #require(try await fixture.store.timeline(contactKey: "ada").first)
        #expect(contact.dataJSON == "{}" && contact.erasedAt != nil && contact.state == "dead", "\(contact)")
        #expect(requests.allSatisfy { !$0.requestBody.contains("ada.lovelace@example.org") })
        #expect(try await fixture.store.finishErasures() == 0, "done once")
        let next = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        #expect(!next.contacts.contains { $0.id == ada.id })
    }

    /// The request was built from the claim's copy of the data: once the contact is erased, the store refuses to write it
    /// ahead, writes nothing, and says who was never carried and who an earlier request of the batch carried.
    @Test(arguments: Engine.allCases) func aRequestBuiltBeforeAnErasureIsNotWrittenAhead(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await enqueue(fixture)
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        let ada = try #require(batch.contacts.first { $0.key == "ada" })
        let bob = try #require(batch.contacts.first { $0.key == "bob" })
        _ = try await fixture.store.forget(contactKey: "ada", actor: "ops")
        let start = AttemptStart(
            purpose: .submit, method: "POST", url: "http://x/entries", requestBody: "{}", startedAt: fixture.clock.nowMillis())
        await #expect(throws: StoreError.erasedBeforeSend(batchID: batch.lease.batchID, neverSent: [ada.id], sentBefore: [])) {
            try await fixture.store.beginAttempt(batch.lease, start)
        }
        #expect(try await fixture.states() == ["ada": .claimed, "bob": .claimed], "nothing was written")
        #expect(try await fixture.store.timeline(contactKey: "bob").first?.1.isEmpty == true, "no request in the ledger")
        // A request that carries nobody (a Bulk job's status) is not held back.
        _ = try await fixture.store.beginAttempt(
            batch.lease,
            AttemptStart(
                purpose: .submit, method: "GET", url: "http://x/job", requestBody: "",
                startedAt: fixture.clock.nowMillis(), takesContacts: false))
        // Once Ada is out, Bob's request is written ahead; an erasure after it finds Bob carried by that request.
        try await fixture.store.prepareBatch(
            batch.lease, priorMembers: [], released: [Settlement(contactID: ada.id, outcome: .dead(reason: ContactErasure.deadReason))],
            releaseCountsAsLook: false)
        _ = try await fixture.store.beginAttempt(batch.lease, start)
        _ = try await fixture.store.forget(contactKey: "bob", actor: "ops")
        await #expect(throws: StoreError.erasedBeforeSend(batchID: batch.lease.batchID, neverSent: [], sentBefore: [bob.id])) {
            try await fixture.store.beginAttempt(batch.lease, start)
        }
        #expect(try await fixture.states() == ["ada": .dead, "bob": .sending])
    }

    /// What a look found (the journey history's evidence) may quote the contact's data: it is scrubbed with the rest.
    @Test(arguments: Engine.allCases) func theEvidenceOfALookLosesTheData(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await enqueue(fixture)
        let batch = try await sendBoth(fixture)
        let now = fixture.clock.nowMillis()
        try await fixture.store.settle(
            batch.lease, result: nil,
            outcomes: batch.contacts.map {
                Settlement(contactID: $0.id, outcome: .accepted(eventInstanceID: nil, verifyAfter: now))
            })
        let look = try #require(try await fixture.store.claimVerification(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.settleVerification(
            look.lease,
            outcomes: look.contacts.map {
                Settlement(
                    contactID: $0.id, outcome: .confirmed,
                    evidence: "journey history: entered (EmailAddress ada.lovelace@example.org, city Lovelace Cove)")
            })
        #expect(try await fixture.store.timeline(contactKey: "ada").first?.0.evidence?.contains("Lovelace Cove") == true)
        _ = try await fixture.store.forget(contactKey: "ada", actor: "ops")
        let evidence = try #require(try await fixture.store.timeline(contactKey: "ada").first?.0.evidence)
        #expect(
            evidence.hasPrefix("journey history: entered") && !evidence.contains("ada.lovelace@example.org")
                && !evidence.contains("Lovelace Cove"),
            "\(evidence)")
        #expect(
            try await fixture.store.timeline(contactKey: "bob").first?.0.evidence?.contains("Lovelace Cove") == true,
            "only Ada's record changes")
    }
}
