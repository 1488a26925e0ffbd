import Foundation
import GRDB
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import Testing

@testable import JourneyQueueSQLite

/// API calls are the user's money (issue 32): with the journey history, looks cost a fraction of a call per contact.
@Suite(.timeLimit(.minutes(12))) struct APICallTests {
    /// The calls per 100 contacts of each purpose, from the report (the ledger's counts), and the whole.
    static func rates(_ harness: WorkerHarness, _ destination: String) async throws -> [String: Double] {
        try #require(try await harness.store.reports(destination: destination, since: nil).first?.callsPer100Contacts)
    }

    @Test func batchEntryCostsAtMostThreeCallsAHundredContactsAndTheBatchEndpointTwo() async throws {
        try await WorkerHarness.with({ config in
            config.seed = 41
            config.faults = .realistic
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 10...150
        }) { harness in
            try await harness.enqueue(10_000, destination: "sfmc-async-events", prefix: "a")
            try await harness.enqueue(10_000, destination: "sfmc-batchcontactevents", prefix: "b")
            try await harness.work(
                try harness.configs(
                    ["sfmc-async-events", "sfmc-batchcontactevents"],
                    configure: { config in
                        // As long as the remote may still take a request on a machine starved of CPU (the sandbox shares this process).
                        config.policy.settleMillis = 2_000
                        config.limits.timeoutMillis = 1_000
                        config.limits.requestsPerSecond = 1_000
                        config.policy.throttlePauseMillis = 300
                        // Looks gather for 30 s: however slowly a loaded machine sends, a download serves many contacts.
                        config.updateConnection(SFMCKind.Connection.self) { $0.settings.history?.gatherMillis = 30_000 }
                    }), deadline: 400)
            for (destination, budget) in [("sfmc-async-events", 3.0), ("sfmc-batchcontactevents", 2.0)] {
                let counts = try await harness.counts(destination)
                #expect(counts[.confirmed] == 10_000, "\(destination): \(counts)")
                #expect(await harness.truth(destination).values.allSatisfy { $0 == 1 }, "nobody twice")
                let rates = try await Self.rates(harness, destination)
                #expect(rates["all"]! <= budget, "\(destination): \(rates)")
                // The ledger's counters (what /metrics and the API read) say the same as the report's scan.
                let counted = try #require(try await harness.store.counts().first { $0.name == destination }?.callsPer100Contacts)
                #expect(counted == rates, "\(destination)")
            }
        }
    }

    @Test func singleEventsShareTheirLooks() async throws {
        try await WorkerHarness.with({ config in
            config.seed = 43
            config.faults = .realistic
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 10...150
        }) { harness in
            try await harness.enqueue(2_000, destination: "sfmc-events", prefix: "e")
            try await harness.work(
                try harness.configs(
                    ["sfmc-events"],
                    configure: { config in
                        config.limits.timeoutMillis = 1_000
                        config.limits.requestsPerSecond = 1_000
                        config.policy.throttlePauseMillis = 300
                        // Looks gather for 30 s: however slowly a loaded machine sends, a download serves many contacts.
                        config.updateConnection(SFMCKind.Connection.self) { $0.settings.history?.gatherMillis = 30_000 }
                    }), deadline: 400)
            #expect(try await harness.counts("sfmc-events")[.confirmed] == 2_000)
            #expect(await harness.truth("sfmc-events").values.allSatisfy { $0 == 1 }, "nobody twice")
            let rates = try await Self.rates(harness, "sfmc-events")
            // One submission a contact (and the faults' re-sends); every look together costs less than 50 keys a call would.
            let looks = (rates["look-before"] ?? 0) + (rates["look-after"] ?? 0)
            #expect(looks <= 3, "\(rates)")
        }
    }
}

/// A spent API call budget holds the looks, never the submissions, and costs nobody a verdict (issue 32).
@Suite(.timeLimit(.minutes(12))) struct CallBudgetRunTests {
    @Test func aSpentBudgetHoldsTheLooksUntilTheDayRollsOn() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...50 }) { harness in
            try await harness.enqueue(1_000)
            let configs = try harness.configs(configure: { config in
                config.callBudgetPerDay = 25
                config.journeyCheckMillis = 0
                // Leases outlive the day the test steps through (the keeper renews them on real time's schedule).
                config.limits.leaseMillis = 2 * 86_400_000
            })
            let store = harness.store
            async let worked = harness.work(configs, deadline: 300)
            // Every contact goes out; the looks stop at the budget, and the destination says why.
            let heldBack = try await waitFor(seconds: 120) {
                let counts = try await store.counts().first { $0.name == "sfmc-async-events" }
                let sending = [ContactState.queued, .claimed, .sending].map { counts?.counts[$0] ?? 0 }.reduce(0, +)
                return sending == 0 && (counts?.counts[.accepted] ?? 0) > 0 && counts?.looks?.reason.contains("API call budget") == true
            }
            #expect(heldBack, "every contact went out while the budget held the looks back")
            let held = try #require(try await store.counts().first)
            #expect(held.calls.values.reduce(0, +) <= 30, "\(held.calls)")
            #expect(held.counts[.unverifiable, default: 0] == 0, "waiting for the budget costs nobody a verdict")
            // A day later the window has rolled on: everyone is decided.
            harness.clock.step(by: 86_400_000 + 120_000)
            #expect(try await worked == nil)
            let counts = try await harness.counts()
            #expect(counts[.confirmed] == 1_000 && counts[.unverifiable, default: 0] == 0, "\(counts)")
            #expect(await harness.truth().values.allSatisfy { $0 == 1 })
        }
    }
}

/// Looks gather contacts so that a download serves many, but once everyone is sent, never longer than it takes a full
/// download to come due (or, for a daemon that ends once drained, the last contacts).
@Suite(.timeLimit(.minutes(12))) struct LookGatheringTests {
    @Test func aGatheringLookGoesOutOnceAFullLookIsDue() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...20 }) { harness in
            try await harness.enqueue(3_000)
            let configs = try harness.configs(configure: { config in
                config.journeyCheckMillis = 0
                // Thirty submissions at ten a second: the first look finds fewer contacts due than a download holds.
                config.limits.requestsPerSecond = 10
                // A gathering no test outlives: only its early ends let the looks go out.
                config.updateConnection(SFMCKind.Connection.self) { $0.settings.history?.gatherMillis = 3_600_000 }
            })
            let store = harness.store
            async let worked = harness.work(configs, deadline: 300)
            // Once everyone is sent, full downloads go out as soon as they are due, with nearly all of the hour left.
            let looked = try await waitFor(seconds: 120) {
                let counts = try await store.counts().first { $0.name == "sfmc-async-events" }
                return (counts?.counts[.confirmed] ?? 0) >= 2_000
            }
            #expect(looked, "full looks went out before the gathering time had passed")
            // The rest, fewer than a download holds, goes out too: the daemon runs until drained and no contact can join it.
            let finished = try await waitFor(seconds: 120) {
                let counts = try await store.counts().first { $0.name == "sfmc-async-events" }
                return (counts?.counts[.confirmed] ?? 0) == 3_000
            }
            #expect(finished, "the last look went out once every contact had been sent")
            #expect(try await worked == nil)
            let counts = try await harness.counts()
            #expect(counts[.confirmed] == 3_000, "\(counts)")
            #expect(await harness.truth().values.allSatisfy { $0 == 1 })
            // Gathering still saves calls: the loops' first looks (before any gathering), the full downloads, one for the
            // rest; no download for the leftovers beside a full one.
            let looks = try await store.pool.read { db in
                try Int64.fetchAll(
                    db,
                    sql: """
                        SELECT b.size FROM batch b WHERE b.id IN (SELECT batch_id FROM attempt WHERE call_purpose = 'look-after')
                        ORDER BY b.id
                        """)
            }
            #expect(looks.count <= configs[0].limits.concurrency + 3, "looks of \(looks)")
        }
    }
}
