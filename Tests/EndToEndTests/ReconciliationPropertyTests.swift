import Foundation
import JourneyQueue
import JourneySimulator
import Testing

/// The property that matters most: whatever the remote does, the queue ends telling the truth.
@Suite struct ReconciliationPropertyTests {
    @Test(arguments: [UInt64(5), 17])
    func realisticFaultsEndWithConfirmedEqualToTheTruth(seed: UInt64) async throws {
        try await WorkerHarness.with({ config in
            config.seed = seed
            config.faults = .realistic
            config.faults.silentDrop = 0.05
            config.faults.holdSeconds = 1
            config.entryDelayMillis = 20...200
        }) { harness in
            try harness.enqueue(2_500)
            try await harness.work(try harness.configs {
                $0.replacingOccurrences(of: "timeoutSeconds: 5", with: "timeoutSeconds: 0.5\n    throttlePauseSeconds: 0.3")
                    .replacingOccurrences(of: "requestsPerSecond: 200", with: "requestsPerSecond: 500")
            }, deadline: 120)
            let rows = try SQLiteInspection.rows(path: harness.store.path, "SELECT contact_key, state FROM contact")
            let truth = await harness.truth()
            #expect(rows.count == 2_500)
            let states = rows.map { (key: $0["contact_key"] ?? "", state: ContactState(rawValue: Int($0["state"] ?? "") ?? -1)) }
            #expect(states.allSatisfy { $0.state == .confirmed || $0.state == .dead }, "every contact ends confirmed or dead")
            let confirmed = Set(states.filter { $0.state == .confirmed }.map(\.key))
            let dead = Set(states.filter { $0.state == .dead }.map(\.key))
            #expect(confirmed.symmetricDifference(truth.keys).count == 0, "the confirmed set is the simulator's truth")
            #expect(truth.values.filter { $0 > 1 }.count == 0, "no contact entered twice")
            #expect(dead.intersection(truth.keys).count == 0, "no dead contact is in the journey")
            if !dead.isEmpty {
                let reasons = try SQLiteInspection.rows(path: harness.store.path, "SELECT dead_reason, COUNT(*) n FROM contact WHERE state = 7 GROUP BY 1")
                print("dead reasons: \(reasons)")
            }
            // Silent drops happened and were repaired by a second send after a look.
            let stats = await harness.state.statistics()
            #expect(stats.silentlyDropped > 0)
            #expect(try SQLiteInspection.int(path: harness.store.path, "SELECT COUNT(*) FROM contact WHERE attempts > 1 AND state = 5") > 0)
        }
    }
}
