import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import Testing

/// Every seed system as a destination, against the sandbox with faults on: the same promises, within what each system lets anyone know.
@Suite(.timeLimit(.minutes(12))) struct EveryKindTests {
    @Test(arguments: DestinationKind.allCases.map(\.rawValue))
    func promisesHoldWithFaults(kind: String) async throws {
        try await WorkerHarness.with({ config in
            config.seed = 99
            config.faults = .realistic
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 10...100
        }) { harness in
            let definition = try #require(DestinationKind(rawValue: kind)).definition
            // One contact a request: fewer, so that the run stays short.
            let count = definition.batchSizes.max == 1 ? 300 : 1_200
            _ = try await harness.store.enqueue(destination: kind) { sink in
                for index in 0..<count {
                    let email = index % 97 == 5 ? "u\(index)@invalid.example" : "u\(index)@example.com"
                    sink.add(
                        ContactRecord(key: "k\(index)", data: [Field("Email", .string(email)), Field("n", .number(String(index)))]))
                }
            }
            try await harness.work(
                try harness.configs(
                    [kind],
                    configure: { config in
                        config.limits.timeoutMillis = 500
                        config.policy.throttlePauseMillis = 300
                        // Looks meet the same faults and, on a loaded machine, the same 0.5 s timeouts: room to decide rather
                        // than end unverifiable (which would be honest, but not the exact truth this test holds the queue to).
                        config.policy.verifyAttempts = 30
                        switch config.kind.rawValue {
                        case BulkIngestKind.name:
                            config.limits.batchSize = 300
                            config.limits.requestsPerSecond = 50
                            config.updateConnection(BulkIngestKind.Connection.self) { $0.pollMillis = 100 }
                            config.policy.settleMillis = 300
                        case SymplifyBatchTriggerKind.name:
                            config.limits.batchSize = 150
                            config.limits.requestsPerSecond = 50
                        default:
                            break
                        }
                    }), deadline: 180)
            let rows = try SQLiteInspection.rows(path: harness.store.path, "SELECT contact_key, state, dead_reason FROM contact")
            let states = rows.map {
                (key: $0["contact_key"] ?? "", state: ContactState(rawValue: Int($0["state"] ?? "") ?? -1), reason: $0["dead_reason"] ?? "")
            }
            let truth = await harness.truth(kind)
            #expect(states.count == count)
            #expect(states.allSatisfy { $0.state?.isFinal == true }, "nothing is lost: every contact ends in a final state")
            #expect(truth.values.filter { $0 > 1 }.count == 0, "no contact entered twice")
            let dead = Set(states.filter { $0.state == .dead }.map(\.key))
            if !definition.verifiable {
                // No way to look: accepted contacts are unverifiable, never confirmed; an ambiguous upload is dead (the setting),
                // not re-sent.
                #expect(states.allSatisfy { $0.state == .unverifiable || $0.state == .dead })
                let unverifiable = Set(states.filter { $0.state == .unverifiable }.map(\.key))
                #expect(Set(truth.keys).subtracting(unverifiable).isSubset(of: dead))
                #expect(
                    states.filter { $0.state == .dead }.allSatisfy {
                        $0.reason.hasPrefix("ambiguous") || $0.reason.hasPrefix("attempts used up") || $0.reason.hasPrefix("HTTP")
                    })
            } else {
                let confirmed = Set(states.filter { $0.state == .confirmed }.map(\.key))
                #expect(confirmed.symmetricDifference(truth.keys).count == 0, "confirmed equals the sandbox's truth")
                #expect(dead.intersection(truth.keys).count == 0, "no dead contact entered")
            }
            if kind == BulkIngestKind.name {
                #expect(states.contains { $0.state == .dead && $0.reason.contains("INVALID_EMAIL_ADDRESS") })
                #expect(try SQLiteInspection.int(path: harness.store.path, "SELECT COUNT(*) FROM batch WHERE remote_id LIKE '750%'") > 0)
            }
            // Secrets and tokens never reach the ledger.
            let secrets = [
                "sim-client-secret", "sim-legacy-client-secret", "sim-sf-client-secret", "sim-symplify-token", "access_token",
                "accessToken\":\"",
            ]
            for secret in secrets {
                #expect(
                    try SQLiteInspection.int(
                        path: harness.store.path,
                        "SELECT COUNT(*) FROM attempt_text WHERE instr(request_body, '\(secret)') > 0 "
                            + "OR instr(response_body, '\(secret)') > 0 OR instr(url, '\(secret)') > 0"
                    ) == 0, "\(secret)")
            }
        }
    }
}

@Suite(.timeLimit(.minutes(12))) struct UnverifiableRecoveryTests {
    @Test func unknownContactsAtSymplifyFollowTheAmbiguousSettingAndARedriveAsTheOperatorChooses() async throws {
        try await WorkerHarness.with { harness in
            _ = try await harness.store.enqueue(destination: "symplify-batchtrigger") { sink in
                for index in 0..<10 { sink.add(ContactRecord(key: "s\(index)", data: [])) }
            }
            _ = try await harness.store.ensureDestination(name: "symplify-batchtrigger", kind: "symplify-batchtrigger", settleMillis: 200)
            // A worker died between the trigger and the upload: the trigger takes nobody (nothing starts before a file).
            let triggered = try #require(
                try await harness.store.claim(destination: "symplify-batchtrigger", limit: 3, leaseMillis: deadWorkerLeaseMillis))
            let trigger = AttemptStart(
                purpose: .submit, method: "POST", url: "batchtrigger", requestBody: "{}", startedAt: 0, takesContacts: false)
            _ = try await underTestLease("trigger record") { try await harness.store.beginAttempt(triggered.lease, trigger) }
            // Another died mid-upload: its file may have been taken.
            let uploading = try #require(
                try await harness.store.claim(destination: "symplify-batchtrigger", limit: 4, leaseMillis: deadWorkerLeaseMillis))
            _ = try await underTestLease("upload write-ahead") {
                _ = try await harness.store.beginAttempt(uploading.lease, trigger)
                return try await harness.store.beginAttempt(
                    uploading.lease, AttemptStart(purpose: .submit, method: "PUT", url: "x", requestBody: "", startedAt: 0))
            }
            #expect(try await harness.store.recoverExpiredLeases().madeUnknown == 0, "a lease is not recovered before it ends")
            harness.expireTestLeases()
            #expect(try await harness.store.recoverExpiredLeases() == RecoverySummary(requeued: 3, madeUnknown: 4, batches: 2))
            try await harness.work(try harness.configs(["symplify-batchtrigger"]))
            let rows = try SQLiteInspection.rows(path: harness.store.path, "SELECT contact_key, state, dead_reason FROM contact")
            let dead = rows.filter { Int($0["state"] ?? "") == ContactState.dead.rawValue }
            #expect(Set(dead.compactMap { $0["contact_key"] }) == Set(uploading.contacts.map(\.key)))
            #expect(
                dead.allSatisfy { ($0["dead_reason"] ?? "").hasPrefix("ambiguous: the request that carried it may have been taken") },
                "the reason says what happened and what a redrive would do")
            #expect(rows.filter { Int($0["state"] ?? "") == ContactState.unverifiable.rawValue }.count == 6)
            // Symplify starts a file's contacts a little after its upload.
            #expect(
                try await waitFor(seconds: 120) { await harness.truth("symplify-batchtrigger").count == 6 },
                "the contacts of the trigger without an upload were sent once")
            // The operator chooses to send them again: they go, each counted as a possible duplicate.
            let redriven = try await harness.store.redrive(
                destination: "symplify-batchtrigger", reason: "may have been taken", lookable: false)
            #expect(redriven == RedriveSummary(queued: 4, possibleDuplicates: 4))
            try await harness.work(try harness.configs(["symplify-batchtrigger"]))
            #expect(try await harness.counts("symplify-batchtrigger")[.unverifiable] == 10)
            #expect(try await harness.store.reports(destination: "symplify-batchtrigger", since: nil).first?.possibleDuplicates == 4)
            #expect(try await waitFor(seconds: 120) { await harness.truth("symplify-batchtrigger").count == 10 })
            #expect(await harness.truth("symplify-batchtrigger").values.allSatisfy { $0 == 1 })
        }
    }
}
