import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import Testing

/// Doubt ends in a re-send or a confirmation, not in `unverifiable` (issue 23): the journey history proves who entered
/// this time and who did not, over real HTTP against the sandbox's own reading of it.
@Suite(.timeLimit(.minutes(12))) struct JourneyHistoryTests {
    /// Every contact final, confirmed exactly the sandbox's truth, nobody twice; returns the contacts' rows.
    static func states(_ harness: WorkerHarness, _ destination: String = "sfmc-async-events") async throws -> [[String: String]] {
        let rows = try SQLiteInspection.rows(
            path: harness.store.path, "SELECT contact_key, state, dead_reason, last_error, evidence FROM contact")
        let truth = await harness.truth(destination)
        #expect(rows.allSatisfy { (ContactState(rawValue: Int($0["state"] ?? "") ?? -1)?.isFinal) == true }, "nothing is lost")
        #expect(truth.values.allSatisfy { $0 == 1 }, "nobody entered twice")
        let confirmed = Set(rows.filter { $0["state"] == "\(ContactState.confirmed.rawValue)" }.compactMap { $0["contact_key"] })
        #expect(confirmed == Set(truth.keys), "confirmed is exactly who entered in this run")
        return rows
    }

    static func count(_ rows: [[String: String]], _ state: ContactState) -> Int {
        rows.filter { $0["state"] == "\(state.rawValue)" }.count
    }

    @Test func tenThousandContactsWithRealisticFaultsAreConfirmedAndTheDroppedAreEnteredOnce() async throws {
        try await WorkerHarness.with({ config in
            config.seed = 23
            config.faults = .realistic
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 10...150
            config.journeys[0].fields = ["n"]
        }) { harness in
            // One in a hundred has a field the journey's entry data lacks: the remote's permanent member error.
            _ = try await harness.store.enqueue(destination: "sfmc-async-events") { sink in
                for index in 0..<10_000 {
                    let field = index % 100 == 42 ? Field("shoe", .number("1")) : Field("n", .number(String(index)))
                    sink.add(ContactRecord(key: "h\(index)", data: [field]))
                }
            }
            try await harness.work(
                try harness.configs(configure: { config in
                    config.limits.timeoutMillis = 1_000
                    config.limits.requestsPerSecond = 1_000
                    config.limits.concurrency = 8
                    config.policy.throttlePauseMillis = 300
                    // The settle time must cover how late the remote may still take a request: the sandbox shares this process,
                    // and on a machine starved of CPU it can take a request seconds after the client gave up waiting.
                    config.policy.settleMillis = 2_000
                }), deadline: 400)
            let rows = try await Self.states(harness)
            let dead = rows.filter { $0["state"] == "\(ContactState.dead.rawValue)" }
            #expect(
                dead.count == 100 && dead.allSatisfy { ($0["dead_reason"] ?? "").contains("errorcode 10005") },
                "only the permanent member errors")
            let unverifiable = Self.count(rows, .unverifiable)
            #expect(unverifiable <= 10, "at most 0.1 % unverifiable, got \(unverifiable)")
            // The sandbox dropped some silently; the history proved it, and each was entered by a second request.
            let stats = await harness.state.statistics()
            #expect(stats.silentlyDropped > 50)
            let resent = try SQLiteInspection.int(path: harness.store.path, "SELECT SUM(proven_absent) FROM contact")
            #expect(resent >= stats.silentlyDropped - 10, "\(resent) re-sent after proven absence, \(stats.silentlyDropped) dropped")
            #expect(try await harness.store.reports(destination: "sfmc-async-events", since: nil).first?.provenAbsent == resent)
        }
    }

    @Test func earlierMembersOfARejoinableJourneyAreConfirmedWhenTheyEnterThisTime() async throws {
        // Half were in the journey before (a recurring campaign); some entries are dropped silently.
        try await WorkerHarness.with({ config in
            config.seed = 31
            config.entryDelayMillis = 10...100
            config.faults.silentDrop = 0.1
            config.priorMembers = Set((0..<1_000).filter { $0 % 2 == 0 }.map { "c\($0)" })
        }) { harness in
            try await harness.enqueue(1_000)
            try await harness.work(try harness.configs(), deadline: 200)
            let rows = try await Self.states(harness)
            #expect(Self.count(rows, .confirmed) == 1_000, "every contact entered in this run and was confirmed for it")
            let earlier = rows.filter { Int(($0["contact_key"] ?? "c1").dropFirst())! % 2 == 0 }
            #expect(
                earlier.allSatisfy { ($0["evidence"] ?? "").contains("entered at") },
                "an earlier member is confirmed by this run's entry row")
            // Every download carried its filter (contact keys, journey, window): without it the remote answers the account's whole history.
            #expect(
                try SQLiteInspection.int(
                    path: harness.store.path, "SELECT COUNT(*) FROM attempt WHERE url LIKE '%journeyhistory/download%'") > 0)
            #expect(await harness.state.unfilteredHistoryDownloads() == 0)
        }
    }

    /// The remote's clock is off this host's (its `Date` headers say by how much): its history's times are read through
    /// that offset, so this run's entries count as after the request and earlier members' entries do not, and absences
    /// are proven only against a history complete in the remote's own time.
    @Test(arguments: [Int64(-40_000), 90_000]) func aRemoteWhoseClockIsOffStillProvesWhoEnteredThisTime(offset: Int64) async throws {
        try await WorkerHarness.with(remoteOffsetMillis: offset) { config in
            config.seed = 41
            config.entryDelayMillis = 10...100
            config.faults.silentDrop = 0.1
            config.priorMembers = Set((0..<400).filter { $0 % 2 == 0 }.map { "c\($0)" })
        } _: { harness in
            try await harness.enqueue(400)
            try await harness.work(try harness.configs(), deadline: 200)
            let rows = try await Self.states(harness)
            #expect(Self.count(rows, .confirmed) == 400, "every contact entered in this run and was confirmed for it")
            let truth = await harness.truth()
            #expect(truth.values.allSatisfy { $0 == 1 } && truth.count == 400, "nobody twice, nobody missing")
            let earlier = rows.filter { Int(($0["contact_key"] ?? "c1").dropFirst())! % 2 == 0 }
            #expect(earlier.allSatisfy { ($0["evidence"] ?? "").contains("entered at") }, "\(earlier.prefix(2))")
        }
    }

    @Test func onceAndDoneEndsEarlierMembersWithTheHistorysVerdictNeverSentAgain() async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 10...100
            config.journeys[0].entryMode = .onceAndDone
            config.priorMembers = Set((0..<200).filter { $0 % 2 == 0 }.map { "c\($0)" })
        }) { harness in
            try await harness.enqueue(200)
            try await harness.work(try harness.configs(), deadline: 120)
            let rows = try await Self.states(harness)
            let earlier = rows.filter { Int(($0["contact_key"] ?? "c1").dropFirst())! % 2 == 0 }
            #expect(
                earlier.allSatisfy {
                    $0["state"] == "\(ContactState.dead.rawValue)" && ($0["dead_reason"] ?? "").contains("re-entry is not allowed")
                },
                "\(earlier.prefix(3))")
            #expect(Self.count(rows, .confirmed) == 100)
            // Each earlier member went out once: the refusal is the verdict, not a reason to try again.
            let sends = try SQLiteInspection.int(
                path: harness.store.path,
                "SELECT SUM(json_array_length(request_body, '$.members')) FROM attempt_text WHERE purpose = 'submit'")
            #expect(sends == 200)
        }
    }

    @Test func aHistoryRunningLaterThanTheSettleTimeIsWaitedForNeverGuessed() async throws {
        // The history has a row 2–3 s after it happened, ten times the settle time: absence is proven only once it caught up.
        try await WorkerHarness.with({ config in
            config.seed = 5
            config.entryDelayMillis = 10...100
            config.faults.silentDrop = 0.1
            config.historyLagMillis = 2_000...3_000
        }) { harness in
            try await harness.enqueue(500)
            try await harness.work(try harness.configs(), deadline: 200)
            let rows = try await Self.states(harness)
            #expect(Self.count(rows, .confirmed) == 500)
            #expect(try SQLiteInspection.int(path: harness.store.path, "SELECT SUM(proven_absent) FROM contact") > 20)
        }
    }

    @Test func timesWithoutAnOffsetAreReadInTheZoneTheFileItselfShows() async throws {
        // No epoch column: only TransactionTime, in Central time without an offset.
        try await WorkerHarness.with({ config in
            config.seed = 9
            config.entryDelayMillis = 10...100
            config.faults.silentDrop = 0.1
            config.historyOmitsEpoch = true
        }) { harness in
            try await harness.enqueue(600)
            try await harness.work(try harness.configs(), deadline: 200)
            let rows = try await Self.states(harness)
            #expect(Self.count(rows, .confirmed) == 600)
            #expect(try SQLiteInspection.int(path: harness.store.path, "SELECT SUM(proven_absent) FROM contact") > 20)
        }
    }

    @Test func aHistoryThatMayNotBeReadFallsBackToMembershipsRules() async throws {
        try await WorkerHarness.with({ config in
            config.seed = 3
            config.entryDelayMillis = 10...100
            config.faults.silentDrop = 0.2
            config.historyForbidden = true
        }) { harness in
            try await harness.enqueue(300)
            try await harness.work(try harness.configs(), deadline: 120)
            let rows = try await Self.states(harness)
            let unverifiable = rows.filter { $0["state"] == "\(ContactState.unverifiable.rawValue)" }
            #expect(unverifiable.count > 20, "the dropped stay in doubt without the history")
            #expect(unverifiable.allSatisfy { ($0["last_error"] ?? "").contains("journey history not permitted") })
            #expect(await harness.truth().count + unverifiable.count == 300)
        }
    }

    @Test func checkSaysWhetherTheHistoryCanBeRead() async throws {
        let scratch = try Scratch()
        let (simulator, _, config) = try await startSimulator(scratch)
        defer { simulator.signal(SIGTERM) }
        let readable = try await JourneyqProcess.run(["check", "--config", config, "--destination", "sfmc-async-events"])
        #expect(readable.status == 0, "\(readable.stdout)\(readable.stderr)")
        #expect(readable.stdout.contains("✓ journey history readable"), "\(readable.stdout)")
        let forbiddenScratch = try Scratch()
        let (forbidden, _, forbiddenConfig) = try await startSimulator(forbiddenScratch, extra: ["--history-forbidden"])
        defer { forbidden.signal(SIGTERM) }
        let refused = try await JourneyqProcess.run(["check", "--config", forbiddenConfig, "--destination", "sfmc-events"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("✗ journey history readable"), "\(refused.stdout)")
    }
}
