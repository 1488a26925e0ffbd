import Foundation
import JourneyDestinations
import JourneyQueue
import JourneySimulator
import Testing

/// The property that matters most: whatever the remote does, the queue ends telling the truth.
@Suite(.timeLimit(.minutes(12))) struct ReconciliationPropertyTests {
    /// With the journey history, or with `membershipListsExited` (true of this sandbox, where nobody leaves), a silently
    /// dropped contact is proven absent and sent again; with neither, journeyq cannot tell "dropped" from "entered and
    /// left" and ends it unverifiable.
    @Test(arguments: [(UInt64(5), true, false), (17, false, false), (29, false, true)])
    func realisticFaultsEndWithConfirmedEqualToTheTruth(seed: UInt64, membershipListsExited: Bool, history: Bool) async throws {
        try await WorkerHarness.with({ config in
            config.seed = seed
            config.faults = .realistic
            config.faults.silentDrop = 0.05
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 20...200
        }) { harness in
            try await harness.enqueue(2_500)
            try await harness.work(
                try harness.configs(configure: { config in
                    config.limits.timeoutMillis = 500
                    config.limits.requestsPerSecond = 500
                    config.policy.throttlePauseMillis = 300
                    config.policy.membershipListsExited = membershipListsExited
                    if !history { config.updateConnection(SFMCKind.Connection.self) { $0.settings.history = nil } }
                }), deadline: 150)
            let rows = try SQLiteInspection.rows(path: harness.store.path, "SELECT contact_key, state, last_error FROM contact")
            let truth = await harness.truth()
            #expect(rows.count == 2_500)
            let states = rows.map {
                (key: $0["contact_key"] ?? "", state: ContactState(rawValue: Int($0["state"] ?? "") ?? -1), why: $0["last_error"] ?? "")
            }
            #expect(states.allSatisfy { $0.state?.isFinal == true }, "every contact ends confirmed, unverifiable or dead")
            let confirmed = Set(states.filter { $0.state == .confirmed }.map(\.key))
            let dead = Set(states.filter { $0.state == .dead }.map(\.key))
            let unverifiable = states.filter { $0.state == .unverifiable }
            #expect(confirmed.symmetricDifference(truth.keys).count == 0, "the confirmed set is the simulator's truth")
            #expect(truth.values.filter { $0 > 1 }.count == 0, "no contact entered twice")
            #expect(dead.intersection(truth.keys).count == 0, "no dead contact is in the journey")
            #expect(Set(unverifiable.map(\.key)).intersection(truth.keys).isEmpty, "here, only dropped contacts stay unverifiable")
            let stats = await harness.state.statistics()
            #expect(stats.silentlyDropped > 0)
            if membershipListsExited || history {
                // Silent drops happened and were repaired by a second send after a look.
                #expect(
                    try SQLiteInspection.int(path: harness.store.path, "SELECT COUNT(*) FROM contact WHERE attempts > 1 AND state = 5") > 0)
                #expect(unverifiable.isEmpty, "\(unverifiable.prefix(3))")
            } else {
                #expect(
                    !unverifiable.isEmpty && unverifiable.allSatisfy { $0.why.contains("processed by the remote but not in the journey") },
                    "\(unverifiable.prefix(3))")
            }
        }
    }
}
