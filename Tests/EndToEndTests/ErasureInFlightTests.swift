import Foundation
import JourneyQueue
import Testing

/// Erasures that arrive while the daemon works: a contact erased between its claim and its request never leaves.
@Suite(.timeLimit(.minutes(12))) struct ErasureInFlightTests {
    actor Erased {
        var keys: [String] = []
        var batches = 0
        /// Erases the first and last contact of the first two batches claimed.
        func pick(_ batch: ClaimedBatch) -> [String] {
            guard batches < 2, let first = batch.contacts.first, let last = batch.contacts.last, first.id != last.id else { return [] }
            batches += 1
            keys += [first.key, last.key]
            return [first.key, last.key]
        }
    }

    @Test func aContactErasedAfterItsClaimIsTakenOutOfTheRequestAndNeverSent() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            try await harness.enqueue(300)
            let faulty = FaultyStore(harness.store)
            let erased = Erased()
            faulty.afterClaim { batch in
                for key in await erased.pick(batch) { _ = try await harness.store.forget(contactKey: key, actor: "test") }
            }
            try await harness.work(try harness.configs(), deadline: 120, store: faulty)
            let keys = await erased.keys
            #expect(keys.count == 4)
            let truth = await harness.truth()
            #expect(keys.allSatisfy { truth[$0] == nil }, "erased contacts reached the remote: \(keys.filter { truth[$0] != nil })")
            #expect(truth.count == 296 && truth.values.allSatisfy { $0 == 1 })
            let counts = try await harness.counts()
            #expect(counts[.confirmed] == 296 && counts[.dead] == 4, "\(counts)")
            _ = try await harness.store.finishErasures()  // the daemon's own pass may have come first
            for key in keys {
                let (contact, requests) = try #require(try await harness.store.timeline(contactKey: key).first)
                #expect(
                    contact.deadReason == ContactErasure.deadReason && contact.dataJSON == "{}" && contact.erasedAt != nil, "\(contact)")
                // The look before the first send asked for its key; no entry request carried it.
                #expect(requests.allSatisfy { $0.purpose != "submit" }, "\(key) was sent: \(requests.map(\.requestBody))")
            }
        }
    }
}
