import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import JourneyWorker
import Testing

/// The promises of docs/ARCHITECTURE.md, checked against the sandbox over real HTTP.
@Suite(.timeLimit(.minutes(12))) struct WorkerPromiseTests {
    @Test func deliversEveryContactOnceWithFaultsOff() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            try await harness.enqueue(1_234)
            try await harness.work(try harness.configs())
            #expect(try await harness.counts()[.confirmed] == 1_234)
            let truth = await harness.truth()
            #expect(truth.count == 1_234)
            #expect(truth.values.allSatisfy { $0 == 1 })
            // Everything is on record: each request with its answer and every eventInstanceId.
            let path = harness.store.path
            #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit' AND status = 202") == 13)
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE remote_id IS NULL AND purpose = 'submit'") == 0)
            #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM contact WHERE event_instance_id IS NULL") == 0)
            #expect(
                try SQLiteInspection.int(
                    path: path, "SELECT MAX(json_array_length(request_body, '$.members')) FROM attempt_text WHERE purpose = 'submit'")
                    == 100)
        }
    }

    @Test func throttlingCostsNoAttemptAndPausesTheDestination() async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...0
            // The first submission meets a 429 with Retry-After whatever order a loaded machine sends requests in.
            config.faults.scripted["POST /interaction/v1/async/events"] = [.throttleWithRetryAfter]
            config.faults.throttleWithRetryAfter = 0.25
            config.faults.throttleBlocked = 0.1
            config.seed = 3
        }) { harness in
            try await harness.enqueue(1_500)
            try await harness.work(
                try harness.configs(configure: { config in
                    config.limits.requestsPerSecond = 1_000
                    // One place: no other request can have left before a 429's pause began and be stamped after it (a
                    // loaded machine stamps `started_at` late), so every start inside the pause is a broken promise.
                    // The other submitters still wait for the place, and must then wait out the pause.
                    config.limits.concurrency = 1
                    config.policy.throttlePauseMillis = 500
                }))
            #expect(try await harness.counts()[.confirmed] == 1_500)
            let path = harness.store.path
            let throttled = try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE status = 429")
            #expect(throttled > 0)
            // No contact paid for a 429 with an attempt.
            #expect(try SQLiteInspection.int(path: path, "SELECT MAX(attempts) FROM contact") == 1)
            #expect(
                try SQLiteInspection.int(
                    path: path, "SELECT COUNT(*) FROM attempt WHERE status = 429 AND response_headers LIKE '%Retry-After%'") > 0)
            // After a 429 with Retry-After: 1, no request starts until the pause is over. The pause runs a second from
            // the answer, which came after the throttled request started: a start within that second is inside it
            // (measured from `started_at`, not `finished_at`, which a loaded machine may stamp late).
            let violations = try SQLiteInspection.int(
                path: path,
                """
                SELECT COUNT(*) FROM attempt t JOIN attempt a
                ON a.purpose = 'submit' AND a.started_at > t.started_at AND a.started_at < t.started_at + 1000
                WHERE t.status = 429 AND t.response_headers LIKE '%Retry-After%'
                """)
            #expect(violations == 0)
            #expect(await harness.truth().values.allSatisfy { $0 == 1 })
        }
    }

    @Test func tokensAreRenewedMidRunWithoutLosingABatch() async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...0
            config.tokenTTLSeconds = 1
            config.faults.tokenRevocation = 0.3
        }) { harness in
            try await harness.enqueue(2_000)
            // Every token lives 1 s and 30 % are revoked early: slow by design, and slower still on a loaded machine.
            try await harness.work(try harness.configs(configure: { $0.limits.requestsPerSecond = 15 }), deadline: 200)
            #expect(try await harness.counts()[.confirmed] == 2_000)
            let path = harness.store.path
            #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'token' AND status = 200") > 1)
            #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit' AND status = 401") > 0)
            #expect(
                try SQLiteInspection.int(
                    path: path,
                    "SELECT COUNT(*) FROM attempt_text WHERE response_body LIKE '%sim-client-secret%' "
                        + "OR request_body LIKE '%sim-client-secret%'"
                ) == 0)
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt_text WHERE response_body LIKE '%access_token%'") == 0)
            #expect(await harness.truth().values.allSatisfy { $0 == 1 })
        }
    }

    @Test func anAmbiguousTimeoutIsNotSentAgain() async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...0
            config.faults.timeoutAfterTaken = 0.3
            config.faults.serverErrorAfterTaken = 0.2
            config.faults.holdSeconds = 1.5
            // Drawn faults fall on whichever requests a loaded machine sends first; these two fall on submits.
            config.faults.scripted["POST /interaction/v1/async/events"] = [.timeoutAfterTaken, .none, .serverErrorAfterTaken]
            config.seed = 11
        }) { harness in
            try await harness.enqueue(600)
            // Looks meet the same faults: give them room to decide rather than end unverifiable.
            try await harness.work(
                try harness.configs(configure: { config in
                    config.limits.timeoutMillis = 400
                    config.policy.verifyAttempts = 40
                    config.policy.retry.maxDelayMillis = 2_000
                    // On a loaded machine a token request misses 400 ms too and pauses the destination: pauses of a
                    // few seconds, not the minute an operator's default allows, keep the run about ambiguity.
                    config.circuit = CircuitBreaker(baseMillis: 200, maxMillis: 2_000)
                }), deadline: 120)
            let path = harness.store.path
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit' AND error_class = 'timeout'")
                    > 0)
            // The contacts whose request got no answer (no requestId) were looked for, found, and never sent again.
            let ambiguous = try SQLiteInspection.rows(
                path: path, "SELECT contact_key, state, attempts FROM contact WHERE request_id IS NULL")
            #expect(!ambiguous.isEmpty)
            #expect(ambiguous.allSatisfy { Int($0["state"] ?? "") == ContactState.confirmed.rawValue && Int($0["attempts"] ?? "") == 1 })
            #expect(try await harness.counts()[.confirmed] == 600)
            #expect(try SQLiteInspection.int(path: path, "SELECT MAX(attempts) FROM contact") == 1)
            let truth = await harness.truth()
            #expect(truth.count == 600)
            #expect(truth.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func aRequestThatArrivesAfterItsDeadlineIsNotSentAgain() async throws {
        // The first submit reaches the remote 6 s after it was sent, when its client gave up at 2 s: a retransmission
        // once a cut link comes back. Nothing that looks before it arrived (a status look by key finds no record, the
        // history no entry) may send its contacts again: they wait for the late arrival, and are found entered once.
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...0
            config.faults.scripted["POST /interaction/v1/async/events"] = [.takenLate]
            config.faults.lateSeconds = 6
            config.seed = 12
        }) { harness in
            try await harness.enqueue(150)
            try await harness.work(
                try harness.configs(configure: { config in
                    // Long enough that on a loaded machine no other request misses it: only the late one times out.
                    config.limits.timeoutMillis = 2_000
                    config.policy.settleMillis = 300
                    // Covers the 4 s the request arrives after its deadline, with room for a loaded machine.
                    config.policy.lateArrivalMillis = 10_000
                    // Looks go out as soon as they are due, not gathered for a download that serves more contacts.
                    config.updateConnection(SFMCKind.Connection.self) { $0.settings.history?.gatherMillis = 0 }
                }), deadline: 120)
            let path = harness.store.path
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE purpose = 'submit' AND error_class = 'timeout'")
                    == 1)
            // The truth counts once the late request was taken (its unread answer is counted after).
            let taken = try await waitFor(seconds: 120) {
                await harness.state.statistics().requests["POST /interaction/v1/async/events"]?[504] == 1
            }
            #expect(taken, "the late request was taken")
            let truth = await harness.truth()
            #expect(truth.count == 150)
            #expect(truth.values.allSatisfy { $0 == 1 }, "nobody entered twice: \(truth.filter { $0.value > 1 }.count) did")
            #expect(try await harness.counts()[.confirmed] == 150)
            #expect(try SQLiteInspection.int(path: path, "SELECT MAX(attempts) FROM contact") == 1)
        }
    }

    @Test func permanentMemberErrorsAreDeadWithTheirReason() async throws {
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...0
            config.journeys[0].fields = ["n"]
        }) { harness in
            try await harness.enqueue(10)
            _ = try await harness.store.enqueue(destination: "sfmc-async-events") { sink in
                sink.add(ContactRecord(key: "bad", data: [Field("shoe", .number("1"))]))
            }
            try await harness.work(try harness.configs())
            #expect(try await harness.counts()[.confirmed] == 10)
            #expect(try await harness.counts()[.dead] == 1)
            let reason = try SQLiteInspection.rows(path: harness.store.path, "SELECT dead_reason FROM contact WHERE contact_key = 'bad'")
                .first?["dead_reason"]
            #expect(reason?.hasPrefix("member errorcode 10005") == true)
        }
    }

    @Test func requestsStayWithinTheDestinationsRateAndBatchSize() async throws {
        try await WorkerHarness.with({ $0.entryDelayMillis = 0...0 }) { harness in
            try await harness.enqueue(300)
            let configs = try harness.configs(configure: { config in
                config.limits.requestsPerSecond = 20
                config.limits.batchSize = 10
                // Two places: requests still wait for the rate side by side, and the allowance below stays small.
                config.limits.concurrency = 2
            })
            try await harness.work(configs, drain: .submitted)
            let starts = try SQLiteInspection.rows(
                path: harness.store.path, "SELECT started_at FROM attempt WHERE purpose = 'submit' ORDER BY started_at"
            )
            .compactMap { Int64($0["started_at"] ?? "") }
            #expect(starts.count == 30)
            // At 20 requests per second the gate lets no more than 20 go in any one second. `started_at` is stamped a
            // moment after, which a loaded machine can stretch, so a second's stamps may also hold requests let go before
            // it: each holds one of the destination's places until its answer, so there are no more of them than places.
            // A sender over the rate by more than that fails here, however slow the machine.
            let places = try #require(configs.first?.limits.concurrency)
            let busiest = starts.indices.map { index in starts[index...].prefix { $0 < starts[index] + 1_000 }.count }.max() ?? 0
            #expect(busiest <= 20 + places, "busiest second had \(busiest) requests")
            #expect(
                try SQLiteInspection.int(
                    path: harness.store.path,
                    "SELECT MAX(json_array_length(request_body, '$.members')) FROM attempt_text WHERE purpose = 'submit'") == 10)
        }
    }

    @Test func aDestinationHasAsManyRequestsInFlightAsItsConcurrencyAndNoMore() async throws {
        // Every request is held 300 ms, so the 12 submitters and 12 reconcilers overlap. Submissions and looks share
        // the destination's concurrency (promise 5), and the pool of connections to one host must not cap them below
        // it (the HTTP client's default was 8 a host). The sandbox holds the first requests until 12 are in flight
        // (30 s at most), so a machine too slow to get 12 out within 300 ms still shows whether the client allows 12.
        try await WorkerHarness.with({ config in
            config.entryDelayMillis = 0...0
            config.faults.latencyMillis = 300...300
            config.faults.gatherInFlight = 12
        }) { harness in
            try await harness.enqueue(2_400)
            try await harness.work(
                try harness.configs(configure: { config in
                    config.limits.requestsPerSecond = 1_000
                    config.limits.concurrency = 12
                    config.limits.batchSize = 100
                    config.policy.settleMillis = 0
                    // Membership's looks (two calls of 50 keys a batch, before and after) keep the reconcilers as busy as the
                    // submitters; the journey history would decide a thousand contacts in one call.
                    config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil }
                }))
            let peak = await harness.state.statistics().peakInFlight
            // The sandbox counts every request; a token request and a journey check are not submissions or looks.
            #expect((12...14).contains(peak), "\(peak) requests were in flight at once")
            #expect(await harness.truth().count == 2_400)
        }
    }
}
