import Foundation
import JourneyQueue
import JourneyQueuePostgres
import Testing

/// A fleet on PostgreSQL whose hosts disagree on the time still agrees on leases: each host corrects its clock to the
/// database server's before it writes or compares any time.
@Suite struct ServerClockTests {
    /// How far a reading of the server's time may be off: the server runs on this machine, so only by a round trip,
    /// which a loaded machine stretches to seconds. Half the smallest host offset (30 s): a host's own time, or a
    /// correction with the wrong sign, never passes for the server's.
    static let tolerance: Int64 = 15_000

    /// The host's clock off by a fixed amount, as a host with a wrong clock is.
    struct OffsetClock: WallClock {
        let offset: Int64
        func nowMillis() -> Int64 { SystemClock().nowMillis() + offset }
    }

    @Test(arguments: [false, true]) func aHostBehindDoesNotLoseItsLeaseToAHostAhead(synchronized: Bool) async throws {
        let fixture = try await StoreFixture(.postgres)
        try await fixture.enqueue(["a", "b"])
        let behind = ReferenceClock(host: OffsetClock(offset: -30_000))
        let ahead = ReferenceClock(host: OffsetClock(offset: 90_000))
        let hostBehind = try #require(try await StoreFixture.open(.postgres, fixture.location, clock: behind) as? PostgresQueueStore)
        let hostAhead = try #require(try await StoreFixture.open(.postgres, fixture.location, clock: ahead) as? PostgresQueueStore)
        defer {
            hostBehind.close()
            hostAhead.close()
        }
        if synchronized {
            let offsets = (try await hostBehind.synchronize(behind), try await hostAhead.synchronize(ahead))
            // The server runs on this machine: its clock is the system's, within a round trip (see `tolerance`).
            #expect(abs(offsets.0 - 30_000) < Self.tolerance && abs(offsets.1 + 90_000) < Self.tolerance, "\(offsets)")
            #expect(abs(behind.nowMillis() - ahead.nowMillis()) < Self.tolerance)
        }
        // A lease of a minute, taken by the host 30 s behind, looked at by the host 90 s ahead.
        let batch = try #require(try await hostBehind.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        let recovered = try await hostAhead.recoverExpiredLeases()
        if synchronized {
            #expect(recovered == RecoverySummary(), "a live lease was taken")
            try await hostBehind.settle(batch.lease, result: nil, outcomes: [])
        } else {
            // Without the server's clock the live lease looks two minutes old: what this suite exists to prevent.
            #expect(recovered.batches == 1)
        }
    }

    /// A one-shot command (`journeyq reconcile`, `prune`, `pause`…) opens the store on the server's time too: run on a
    /// host 90 s ahead, it takes no lease a daemon still holds.
    @Test func aOneShotCommandOnAHostAheadTakesNoLiveLease() async throws {
        let fixture = try await StoreFixture(.postgres)
        try await fixture.enqueue(["a"])
        let right = ReferenceClock(host: SystemClock())
        let daemon = try #require(try await StoreFixture.open(.postgres, fixture.location, clock: right) as? PostgresQueueStore)
        defer { daemon.close() }
        try await daemon.synchronize(right)
        let batch = try #require(try await daemon.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await PostgresQueueStore.onServerTime(url: fixture.location, host: OffsetClock(offset: 90_000)) { store, clock in
            #expect(abs(clock.nowMillis() - SystemClock().nowMillis()) < Self.tolerance, "the server's time, not the host's")
            let recovered = try await store.recoverExpiredLeases()
            #expect(recovered == RecoverySummary(), "a live lease was taken")
        }
        try await daemon.settle(batch.lease, result: nil, outcomes: [])
    }
}
