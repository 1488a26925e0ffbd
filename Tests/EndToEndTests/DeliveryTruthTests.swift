import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import NIOCore
import Testing

@testable import JourneyQueueSQLite
@testable import JourneyWorker

/// Delivery truth against a remote that enters late, looks that fail, and contacts that were already in (issue 9),
/// each over real HTTP against the sandbox with the queue on a real SQLite file.
@Suite(.timeLimit(.minutes(12))) struct DeliveryTruthTests {
    /// A worker that writes a batch ahead, really sends it, and dies before it can record the answer.
    /// Its lease is `deadWorkerLeaseMillis`: the test ends it with `expireTestLeases()`.
    static func dieMidRequest(_ harness: WorkerHarness, count: Int) async throws -> [String] {
        let batch = try #require(
            try await harness.store.claim(destination: "sfmc-async-events", limit: count, leaseMillis: deadWorkerLeaseMillis))
        let body =
            "{\"eventDefinitionKey\":\"APIEvent-async\",\"members\":["
            + batch.contacts.map { "{\"contactKey\":\"\($0.key)\"}" }.joined(separator: ",") + "]}"
        try await underTestLease("write-ahead") {
            try await harness.store.prepareBatch(
                batch.lease, priorMembers: batch.contacts.map { ($0.id, .notMember) }, released: [], releaseCountsAsLook: true)
            _ = try await harness.store.beginAttempt(
                batch.lease,
                AttemptStart(
                    purpose: .submit, method: "POST", url: "async", requestBody: body,
                    startedAt: harness.clock.nowMillis()))
        }
        var tokenRequest = HTTPClientRequest(url: harness.base + "/v2/token")
        tokenRequest.method = .POST
        tokenRequest.body = .bytes(
            ByteBuffer(string: #"{"grant_type":"client_credentials","client_id":"sim-client-id","client_secret":"sim-client-secret"}"#))
        let tokenAnswer = try await HTTPClient.shared.execute(tokenRequest, timeout: .seconds(5)).body.collect(upTo: 1 << 16)
        let token = try #require(JSONValue.parse(Array(buffer: tokenAnswer))?["access_token"]?.string)
        var request = HTTPClientRequest(url: harness.base + "/interaction/v1/async/events")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: body))
        let answer = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        #expect(answer.status.code == 202, "the remote took the batch")
        return batch.contacts.map(\.key)
    }

    @Test func aCrashedRequestIsLookedForOnlyAfterTheSettleTimeSoALateEntryIsNeverSentTwice() async throws {
        // The remote enters 3 s after it took the batch; the crashed worker's lease ends at once after its request (the
        // test steps the clock past it), long before the entry; the settle time is 5 s.
        try await WorkerHarness.with({ $0.entryDelayMillis = 3_000...3_000 }) { harness in
            try await harness.enqueue(100)
            let configs = try harness.configs(configure: { config in
                config.policy.settleMillis = 5_000
                config.policy.lateArrivalMillis = 1_000
            })
            _ = try await harness.store.ensureDestination(name: "sfmc-async-events", kind: "sfmc-async-events", settleMillis: 5_000)
            let sent = try await Self.dieMidRequest(harness, count: 40)
            // `journeyq reconcile` right after the lease ran out: it recovers the batch first, then looks at nothing yet.
            harness.expireTestLeases()
            let recoveredAt = harness.clock.nowMillis()
            try await WorkerDaemon.reconcileOnce(
                configs: configs, store: harness.store, caller: HTTPCaller(client: HTTPClient.shared, clock: harness.clock),
                clock: harness.clock, logger: .init(label: "test"))
            #expect(try await harness.counts()[.unknown] == 40, "recovered, and not looked for before the settle time")
            // The abandoned request may still arrive late (`lateArrival`), and then settle: no look before both passed.
            let lookable = try SQLiteInspection.int(path: harness.store.path, "SELECT MIN(available_at) FROM contact WHERE state = 4")
            #expect(lookable >= recoveredAt + 6_000)
            #expect(try SQLiteInspection.int(path: harness.store.path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'reconcile'") == 0)
            try await harness.work(configs)
            let truth = await harness.truth()
            #expect(truth.count == 100 && truth.values.allSatisfy { $0 == 1 }, "nobody entered twice")
            #expect(try await harness.counts()[.confirmed] == 100)
            let crashed = try SQLiteInspection.int(
                path: harness.store.path,
                """
                SELECT COUNT(*) FROM contact WHERE contact_key IN (\(sent.map { "'\($0)'" }.joined(separator: ",")))
                  AND attempts = 1 AND state = 5
                """)
            #expect(crashed == 40, "the crashed request's contacts were found, never sent again")
        }
    }

    @Test func aLostAnswerIsLookedUpByContactKeyAndAQueuedEntryIsWaitedFor() async throws {
        // Answers are lost after the remote took the batch, and nobody enters until the test steps the sandbox's clock
        // (shared with the harness): every look before that finds the lost answers' contacts still queued, however slow
        // the machine (with entry a few seconds behind, a loaded machine looked only after everyone had entered).
        try await WorkerHarness.with(
            sandboxSharesClock: true,
            { config in
                config.entryDelayMillis = 120_000...120_000
                config.faults.timeoutAfterTaken = 0.3
                // At least one submit loses its answer, whatever order a loaded machine sends requests in.
                config.faults.scripted["POST /interaction/v1/async/events"] = [.timeoutAfterTaken]
                config.faults.holdSeconds = 1
                config.seed = 21
            }
        ) { harness in
            try await harness.enqueue(800)
            let configs = try harness.configs(configure: { config in
                config.limits.timeoutMillis = 400
                config.policy.settleMillis = 300
                // Every look before the step finds the contacts queued; however many that takes, none gives up.
                config.policy.verifyAttempts = 100_000
                config.policy.retry.maxDelayMillis = 1_000
                // Leases outlive the step below.
                config.limits.leaseMillis = 900_000
                // The status endpoint's own looks are the subject: the journey history would decide before them.
                config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil }
            })
            let path = harness.store.path
            async let worked = harness.work(configs, deadline: 300)
            // Everyone sent, and a lost answer's contact looked up by its key and found queued.
            let lookedUp = try await waitFor(seconds: 300) {
                let counts = try await harness.counts()
                let unsent = [ContactState.queued, .claimed, .sending].map { counts[$0, default: 0] }.reduce(0, +)
                guard unsent == 0 else { return false }
                return try SQLiteInspection.int(
                    path: path,
                    """
                    SELECT COUNT(*) FROM attempt_text WHERE url LIKE '%status?contactKey=%startDate=%' AND response_body LIKE '%"queued"%'
                    """) > 0
            }
            #expect(lookedUp, "a lost answer's contact was looked up by its key and found queued")
            harness.clock.step(by: 130_000)
            _ = try await worked
            let truth = await harness.truth()
            #expect(truth.values.allSatisfy { $0 == 1 }, "nobody entered twice")
            let left = try harness.store.rows("SELECT state, last_error, COUNT(*) n FROM contact WHERE state <> 5 GROUP BY 1, 2")
            #expect(try await harness.counts()[.confirmed] == 800, "\(left)")
            #expect(truth.count == 800)
            #expect(try SQLiteInspection.int(path: path, "SELECT MAX(attempts) FROM contact") == 1)
        }
    }

    @Test func lookEndpointsThatAlwaysFailAreAnOutageThatCostsNobodyALook() async throws {
        // Every look answers 500: the look endpoints are down. That proves nothing about anyone and decides nothing: the
        // contacts wait, undecided and never sent again, and `--until-drained` gives up after the outage limit.
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...50
            config.faults.lookFault = 1
        }) { harness in
            try await harness.enqueue(300)
            let gaveUp = try await harness.work(
                try harness.configs(configure: { config in
                    config.policy.verifyAttempts = 3
                    config.policy.lookBeforeFirstSend = false
                    config.policy.retry.maxDelayMillis = 300
                    config.circuit = CircuitBreaker(failureThreshold: 3, baseMillis: 100, maxMillis: 500)
                    config.outageLimitMillis = 3_000
                }), deadline: 90)
            #expect(gaveUp?.reason.contains("the look endpoints fail") == true, "\(String(describing: gaveUp))")
            let counts = try await harness.counts()
            #expect(counts[.accepted] == 300 && counts[.unverifiable, default: 0] == 0, "\(counts)")
            let truth = await harness.truth()
            #expect(truth.count == 300 && truth.values.allSatisfy { $0 == 1 }, "each sent once, never again")
            let path = harness.store.path
            #expect(
                try SQLiteInspection.int(
                    path: path, "SELECT SUM(json_array_length(request_body, '$.members')) FROM attempt_text WHERE purpose = 'submit'")
                    == 300)
            #expect(
                try SQLiteInspection.int(path: path, "SELECT MAX(looks) FROM contact") == 0,
                "a look the remote did not answer costs nothing")
            #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'reconcile' AND status = 500") >= 3)
            #expect(try await harness.store.counts().first?.looks?.reason.contains("HTTP 500") == true, "the look circuit is open")
        }
    }

    @Test func aFailedMembershipCallLeavesOnlyItsOwnContactsUndecided() async throws {
        try await WorkerHarness.with({ config in
            config.seed = 7
            config.entryDelayMillis = 0...50
            config.faults.lookFault = 0.4
        }) { harness in
            try await harness.enqueue(1_000)
            try await harness.work(
                try harness.configs(configure: { config in
                    config.policy.verifyAttempts = 40
                    config.policy.retry.maxDelayMillis = 300
                    // Membership's own calls are the subject: the journey history would decide before them.
                    config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil }
                }), deadline: 120)
            let counts = try await harness.counts()
            #expect(counts[.confirmed] == 1_000, "\(counts)")
            let truth = await harness.truth()
            #expect(truth.count == 1_000 && truth.values.allSatisfy { $0 == 1 })
            // A reconciliation look leases 100 contacts and asks about them 50 at a time: where one call failed and the
            // other answered, the answered half was decided by that look (the last batch in its `carried`: a look's verdict
            // joins it there; the contact stays in the batch it was sent in).
            let split = try SQLiteInspection.int(
                path: harness.store.path,
                """
                SELECT COUNT(*) FROM (
                    SELECT batch_id FROM attempt WHERE purpose = 'reconcile' AND url LIKE '%contactMembership' AND batch_id IS NOT NULL
                    GROUP BY batch_id HAVING SUM(status = 200) > 0 AND SUM(status = 500) > 0) looks
                WHERE EXISTS (
                    SELECT 1 FROM contact WHERE ' ' || contact.carried LIKE '% ' || looks.batch_id
                        AND state = \(ContactState.confirmed.rawValue))
                """)
            #expect(split > 0)
        }
    }

    /// Without the journey history (it decides for them: `JourneyHistoryTests`), membership is all there is.
    @Test func contactsAlreadyInTheJourneyAreNeverConfirmedByMembershipAlone() async throws {
        let keys = (0..<600).map { "c\($0)" }
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...100
            config.priorMembers = Set(keys.filter { Int($0.dropFirst())! % 2 == 0 })
            config.faults.silentDrop = 0.3
            config.seed = 9
        }) { harness in
            try await harness.enqueue(600)
            try await harness.work(
                try harness.configs(configure: { config in
                    config.policy.settleMillis = 500
                    config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil }
                }), deadline: 90)
            let truth = await harness.truth()
            let rows = try SQLiteInspection.rows(
                path: harness.store.path, "SELECT contact_key, state, prior_member, last_error FROM contact")
            let confirmed = Set(rows.filter { Int($0["state"] ?? "") == ContactState.confirmed.rawValue }.map { $0["contact_key"]! })
            #expect(confirmed.isSubset(of: truth.keys), "nobody is confirmed who did not enter in this run")
            #expect(truth.values.allSatisfy { $0 == 1 }, "nobody entered twice")
            #expect(rows.allSatisfy { ContactState(rawValue: Int($0["state"] ?? "") ?? -1)?.isFinal == true })
            // The look before the first request found every earlier member, and only them.
            let prior = Set(rows.filter { $0["prior_member"] == "1" }.map { $0["contact_key"]! })
            #expect(prior == Set(keys.filter { Int($0.dropFirst())! % 2 == 0 }))
            #expect(confirmed.isDisjoint(with: prior))
            // Its cost: one membership call per 50 contacts before their first request.
            let looksBefore = try SQLiteInspection.int(
                path: harness.store.path,
                """
                SELECT COUNT(*) FROM attempt a WHERE purpose = 'reconcile' AND url LIKE '%contactMembership'
                  AND NOT EXISTS (SELECT 1 FROM attempt s WHERE s.purpose = 'submit' AND s.started_at < a.started_at
                    AND s.batch_id = a.batch_id)
                  AND a.batch_id IN (SELECT batch_id FROM attempt WHERE purpose = 'submit')
                """)
            #expect(looksBefore == 12, "\(looksBefore) looks before the first requests of 600 contacts")
        }
    }

    @Test(arguments: [false, true]) func contactsThatLeftBeforeTheLookAreNotSentAgain(history: Bool) async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...50
            config.exitAfterMillis = 100...300
        }) { harness in
            try await harness.enqueue(200)
            try await harness.work(
                try harness.configs(configure: { config in
                    config.policy.settleMillis = 800
                    if !history { config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil } }
                }), deadline: 60)
            let truth = await harness.truth()
            #expect(truth.count == 200 && truth.values.allSatisfy { $0 == 1 }, "entered once, left, and never sent again")
            if history {
                // Their entry rows (this run's, after each request) prove what membership no longer can.
                #expect(try await harness.counts()[.confirmed] == 200)
            } else {
                // Membership no longer lists them and nothing else proves this entry: unverifiable, not re-sent.
                #expect(try await harness.counts()[.unverifiable] == 200)
            }
        }
    }

    @Test func aStoreThatFailsNeverStopsTheDaemon() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...100 }) { harness in
            try await harness.enqueue(1_000)
            let faulty = FaultyStore(harness.store)
            // Counted in store calls, not seconds, so that a slow machine meets as many faults as a fast one: the first
            // 20 calls all fail, then three in ten of the next 200.
            let calls = Counter()
            // A failed write leaves its batch to its lease: each fault ends every lease the daemon holds, as the
            // lease's time passing would (a lease measured in wall time would also run out on a machine merely slow).
            faulty.failing { _ in
                let call = calls.next()
                let fault: (any Error)?
                if call < 20 {
                    fault = [FaultyStore.busy, FaultyStore.full, FaultyStore.readOnly].randomElement()
                } else if call < 220 {
                    fault = Double.random(in: 0..<1) < 0.3 ? [FaultyStore.busy, FaultyStore.full].randomElement() : nil
                } else {
                    fault = nil
                }
                if fault != nil { harness.expireTestLeases() }
                return fault
            }
            try await harness.work(
                try harness.configs(configure: { $0.limits.leaseMillis = deadWorkerLeaseMillis }), deadline: 120, store: faulty)
            #expect(faulty.injected > 10, "the store failed \(faulty.injected) times")
            #expect(try await harness.counts()[.confirmed] == 1_000)
            let truth = await harness.truth()
            #expect(truth.count == 1_000 && truth.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func aWriteAheadThatFailsGivesBackItsPlaceAmongTheRequestsInFlight() async throws {
        // One request in flight at a time: a failed write-ahead record that kept its place would leave none for the rest
        // of the run, and nothing more would be sent. (The failed batches' contacts come back when their leases expire.)
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            try await harness.enqueue(1_000)
            let faulty = FaultyStore(harness.store)
            let failures = Counter()
            // The failed batch's lease ends at the fault, as its time passing would.
            faulty.failing { operation in
                guard operation == "beginAttempt", failures.next() < 3 else { return nil }
                harness.expireTestLeases()
                return FaultyStore.busy
            }
            try await harness.work(
                try harness.configs(configure: { config in
                    config.limits.concurrency = 1
                    config.limits.leaseMillis = deadWorkerLeaseMillis
                }), deadline: 60, store: faulty)
            #expect(faulty.injected == 3)
            #expect(try await harness.counts()[.confirmed] == 1_000)
            #expect(await harness.truth().values.allSatisfy { $0 == 1 })
        }
    }

    /// A request whose lease is lost before it leaves is not sent: the write-ahead is refused, and the sandbox sees no
    /// request the ledger did not write ahead. The batches' contacts come back after their leases and go once.
    @Test func aRequestWhoseLeaseIsLostBeforeItLeavesIsNotSent() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            try await harness.enqueue(1_000)
            let faulty = FaultyStore(harness.store)
            let failures = Counter()
            // The refused batch's lease ends at the fault, as its time passing would.
            faulty.failing { operation in
                guard operation == "beginAttempt", failures.next() < 4 else { return nil }
                harness.expireTestLeases()
                return StoreError.leaseLost(batchID: 0)
            }
            try await harness.work(
                try harness.configs(configure: { config in config.limits.leaseMillis = deadWorkerLeaseMillis }), deadline: 60,
                store: faulty)
            #expect(faulty.injected == 4)
            let arrived = await harness.state.statistics().requests["POST /interaction/v1/async/events"]?.values.reduce(0, +) ?? 0
            let writtenAhead = try SQLiteInspection.int(
                path: harness.store.path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit'")
            #expect(arrived == writtenAhead, "\(arrived) requests reached the remote, \(writtenAhead) were written ahead")
            #expect(try await harness.counts()[.confirmed] == 1_000)
            #expect(await harness.truth().values.allSatisfy { $0 == 1 })
        }
    }

    @Test func leaseRenewalKeepsTryingUntilTheLeaseReallyExpires() async throws {
        let scratch = try Scratch()
        let clock = ManualClock()
        let store = try SQLiteQueueStore(path: scratch.path("q.sqlite"), clock: clock)
        _ = try await store.enqueue(destination: "d") { sink in sink.add(ContactRecord(key: "a", data: [])) }
        let faulty = FaultyStore(store)
        let renewals = Counter()
        faulty.failing { operation in
            guard operation == "renewLease" else { return nil }
            // Each try comes 0.2 s later on the lease's clock; the first three meet a busy database, before the lease ends.
            clock.advance(by: 200)
            return renewals.next() < 3 ? FaultyStore.busy : nil
        }
        let batch = try #require(try await store.claim(destination: "d", limit: 1, leaseMillis: 900))
        let keeper = LeaseKeeper(store: faulty, clock: clock, logger: .init(label: "test"), leaseMillis: 900)
        let renewed = try await keeper.whileHeld(batch.lease) {
            // A request in flight until the renewals got through twice, by when the first lease has long run out.
            try await waitFor(seconds: 120) { renewals.value >= 5 }
        }
        #expect(renewed, "renewal gave up after \(renewals.value) tries")
        #expect(clock.nowMillis() > batch.lease.until)
        #expect(try await store.recoverExpiredLeases() == RecoverySummary(), "the live worker's batch was not recovered under it")
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    /// The count before this call.
    func next() -> Int {
        lock.withLock {
            defer { count += 1 }; return count
        }
    }
    var value: Int { lock.withLock { count } }
}
