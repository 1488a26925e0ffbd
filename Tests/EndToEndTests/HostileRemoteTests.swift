import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import Testing

/// A remote that answers what no API should (issue 10): absurd Retry-After values, redirects to another origin,
/// token lifetimes that are huge, negative or text. The daemon keeps running, loses nothing, follows no redirect
/// and leaks nothing.
@Suite(.timeLimit(.minutes(12))) struct HostileRemoteTests {
    /// Each kind's first request of a batch, as the sandbox counts endpoints (`FaultProfile.scripted`).
    static let entryEndpoints = [
        "sfmc-async-events": "POST /interaction/v1/async/events",
        "sfmc-batchcontactevents": "POST /interaction-experimental/v1/batchcontactevents",
        "salesforce-bulk-ingest": "POST /services/data/v61.0/jobs/ingest",
        "symplify-batchtrigger": "POST /rest/{customerId}/batchtrigger/v2",
    ]

    @Test(arguments: ["sfmc-async-events", "sfmc-batchcontactevents", "salesforce-bulk-ingest", "symplify-batchtrigger"])
    func theDaemonKeepsGoingAndLeaksNothing(kind: String) async throws {
        let entry = try #require(Self.entryEndpoints[kind])
        try await WorkerHarness.with({ config in
            config.seed = 4
            // Drawn faults fall on whichever requests a loaded machine sends first, token and look requests among them,
            // so an absurd throttle and a redirect are scripted on the kind's own entry requests as well: every kind
            // meets both whatever the order. The rates add more of them, anywhere.
            config.faults.scripted[entry] = [.absurdThrottle, .redirect]
            config.faults.absurdThrottle = 0.08
            config.faults.redirect = 0.15
            config.faults.absurdTokenLifetime = true
            config.entryDelayMillis = 0...50
        }) { harness in
            _ = try await harness.store.enqueue(destination: kind) { sink in
                for index in 0..<600 { sink.add(ContactRecord(key: "h\(index)", data: [Field("n", .number(String(index)))])) }
            }
            try await harness.work(
                try harness.configs(
                    [kind],
                    configure: { config in
                        config.policy.maxPauseMillis = 300
                        // Rechecks of a look that proved nothing back off up to a second, not the default five minutes.
                        config.policy.retry.maxDelayMillis = 1_000
                        config.policy.settleMillis = 300
                        config.policy.membershipListsExited = true
                        config.limits.batchSize = min(config.limits.batchSize, 20)
                        config.limits.requestsPerSecond = 200
                        config.updateConnection(BulkIngestKind.Connection.self) { $0.pollMillis = 100 }
                        config.circuit = .init(baseMillis: 50, maxMillis: 300)
                    }), deadline: 120)
            let path = harness.store.path
            let counts = try await harness.counts(kind)
            let stuck = try SQLiteInspection.rows(
                path: path,
                """
                SELECT state, looks, attempts, last_error, available_at - CAST(strftime('%s', 'now') AS INTEGER) * 1000 AS due_in_ms
                FROM contact WHERE state < 5 LIMIT 3
                """)
            #expect(counts.filter { !$0.key.isFinal }.values.reduce(0, +) == 0, "every contact final: \(counts) \(stuck)")
            let truth = await harness.truth(kind)
            #expect(truth.values.allSatisfy { $0 == 1 }, "nobody twice")
            if kind != "symplify-batchtrigger" {
                #expect(counts[.confirmed] == truth.count, "confirmed equals the truth")
            }
            // The redirects were answers, recorded with their target's origin only, and never followed.
            #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE status = 307") > 0)
            #expect(
                try SQLiteInspection.int(
                    path: path, "SELECT COUNT(*) FROM attempt WHERE url LIKE '%collector.invalid%' OR response_headers LIKE '%steal%'") == 0
            )
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE response_headers LIKE '%collector.invalid%'") > 0)
            // Absurd pauses were clamped: nothing waited anywhere near the 1e16 seconds asked.
            if kind.hasPrefix("sfmc") {
                #expect(try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE status = 429") > 0)
            }
            for secret in [
                "sim-client-secret", "sim-legacy-client-secret", "sim-sf-client-secret", "sim-symplify-token", "access_token\":\"",
            ] {
                #expect(
                    try SQLiteInspection.int(
                        path: path,
                        "SELECT COUNT(*) FROM attempt_text WHERE instr(request_body, '\(secret)') "
                            + "OR instr(response_body, '\(secret)') OR instr(url, '\(secret)')"
                    ) == 0, "\(secret)")
            }
        }
    }

    @Test func bulkLooksThatMeetRedirectsCostNoLook() async throws {
        try await WorkerHarness.with({ config in
            config.seed = 11
            config.faults.redirect = 0.4
            config.entryDelayMillis = 0...20
        }) { harness in
            let kind = BulkIngestKind.name
            _ = try await harness.store.enqueue(destination: kind) { sink in
                for index in 0..<100 { sink.add(ContactRecord(key: "r\(index)", data: [Field("n", .number(String(index)))])) }
            }
            try await harness.work(
                try harness.configs(
                    [kind],
                    configure: { config in
                        // Two looks that fail on their own end a contact unverifiable; a redirect is not such a look.
                        config.policy.verifyAttempts = 2
                        config.policy.maxPauseMillis = 300
                        config.policy.retry.maxDelayMillis = 300
                        config.limits.batchSize = 20
                        config.limits.requestsPerSecond = 200
                        config.updateConnection(BulkIngestKind.Connection.self) { $0.pollMillis = 50 }
                        config.circuit = .init(baseMillis: 20, maxMillis: 100)
                    }), deadline: 120)
            let counts = try await harness.counts(kind)
            let truth = await harness.truth(kind)
            #expect(counts[.confirmed] == 100 && truth.count == 100, "\(counts)")
            #expect(
                try SQLiteInspection.int(
                    path: harness.store.path, "SELECT COUNT(*) FROM attempt WHERE status = 307 AND purpose = 'reconcile'") > 0,
                "some looks met a redirect")
        }
    }

    @Test func aStatusListingWithoutACountIsReadToItsLastPage() async throws {
        // A remote that leaves out the listing's `count`: a request of 100 members lists them on two pages of 50, and a
        // client that took the missing count for zero would read one page and find no record of the other half.
        try await WorkerHarness.with({ config in
            config.seed = 12
            config.statusOmitsCount = true
            config.faults.silentDrop = 0.25
            config.entryDelayMillis = 0...50
        }) { harness in
            try await harness.enqueue(400)
            try await harness.work(
                try harness.configs(
                    ["sfmc-async-events"],
                    configure: { config in
                        config.limits.batchSize = 100
                        config.policy.settleMillis = 300
                        config.policy.membershipListsExited = true
                        // Membership and the status listing decide here, not the journey history.
                        config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil }
                    }))
            let path = harness.store.path
            #expect(
                try SQLiteInspection.int(path: path, "SELECT COUNT(*) FROM attempt WHERE url LIKE '%async/events/status%$page=2%'") > 0,
                "the listings' second pages were read")
            let counts = try await harness.counts()
            #expect(counts[.confirmed] == 400, "\(counts)")
            #expect(counts[.unverifiable, default: 0] == 0)
            #expect(await harness.truth().values.allSatisfy { $0 == 1 }, "nobody twice")
        }
    }
}
