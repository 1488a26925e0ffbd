import Foundation
import JourneyQueue
import JourneyWorker
import Logging
import Testing

/// A daily API call budget slows the looks as it nears its end and holds them when it is spent; submissions never wait
/// on it (issue 32). Times are given, never slept.
@Suite struct CallBudgetTests {
    let start: Int64 = 1_700_000_000_000

    @Test func looksSlowFromEightyPerCentAndWaitOnceItIsSpent() {
        var budget = CallBudget(callsPerDay: 100, slowFrom: 0.8, maxLookPauseMillis: 60_000)
        for _ in 0..<79 { budget.record(now: start) }
        #expect(budget.lookWait(now: start) == 0)
        for _ in 0..<11 { budget.record(now: start) }
        // 90 %: halfway from the mark to the end, half the longest pause after the last look.
        budget.lookStarted(now: start)
        #expect(budget.lookWait(now: start) == 30_000)
        #expect(budget.lookWait(now: start + 10_000) == 20_000)
        // The next minute the budget is spent: looks wait until the calls of a day ago begin to leave the window.
        for _ in 0..<10 { budget.record(now: start + 60_000) }
        let spent = budget.lookWait(now: start + 70_000)
        #expect(spent > 86_000_000 && spent <= 86_400_000, "\(spent)")
        #expect(budget.used(now: start + 86_400_000) == 10, "the first minute's 90 calls have left the day")
        #expect(budget.lookWait(now: start + 86_400_000) == 0)
    }

    @Test func aSpentBudgetHoldsLooksAndSaysSoButLetsSubmissionsGo() async throws {
        let clock = ManualClock(startingAt: start)
        let told = Reports()
        let shares = Shares()
        let gate = DestinationGate(
            destination: "d", requestsPerSecond: 1_000_000, concurrency: 4, clock: clock, logger: Logger(label: "test"),
            onLookHealth: { told.append($0) }, callBudget: CallBudget(callsPerDay: 10), onBudget: { shares.append($0) })
        for _ in 0..<10 {
            try await gate.enter(purpose: .submit)
            await gate.report(.healthy, purpose: .submit)
        }
        #expect(shares.values.last == 1.0)
        #expect(told.values.last??.reason.contains("API call budget: 10 of 10 calls") == true, "\(told.values)")
        #expect(await gate.readiness(for: .reconcile) > 86_000_000)
        #expect(await gate.readiness(for: .submit) == 0, "submissions never wait on the budget")
        try await gate.enter(purpose: .submit)
        await gate.report(.healthy, purpose: .submit)
        // A day later the calls have left the window: looks go again, and the hold is lifted.
        clock.advance(by: 86_400_000 + 120_000)
        try await gate.enter(purpose: .reconcile)
        await gate.report(.healthy, purpose: .reconcile)
        #expect(told.values.last! == nil)
    }

    @Test func aConfigNamesADailyBudgetOrAnAnnualQuotaNotBoth() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("budget-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        func load(_ extra: String) throws -> DestinationConfig {
            try Data(
                """
                destinations:
                  d:
                    kind: sfmc-events
                    authURL: https://a.auth.marketingcloudapis.com
                    restURL: https://a.rest.marketingcloudapis.com
                    clientId: x
                    clientSecret: y
                    eventDefinitionKey: edk
                \(extra)
                """.utf8
            ).write(to: URL(fileURLWithPath: scratch))
            return try ConfigLoader(file: scratch).load()[0]
        }
        #expect(try load("    dailyCallBudget: 5000").callBudgetPerDay == 5_000)
        #expect(try load("    annualCallQuota: 2000000").callBudgetPerDay == 5_479)
        #expect(try load("").callBudgetPerDay == nil)
        #expect(throws: ConfigError.self) { try load("    dailyCallBudget: 5000\n    annualCallQuota: 2000000") }
        #expect(throws: ConfigError.self) { try load("    dailyCallBudget: 0") }
    }

    @Test func checkEstimatesWhatTheWaitingContactsWillCost() {
        var counts = DestinationCounts(name: "d", kind: "sfmc-async-events", counts: [.queued: 9_000, .confirmed: 1_000])
        counts.calls = [.submission: 120, .lookAfter: 80]
        let estimate = CallEstimate.check(counts, callsPerDay: 100)
        #expect(estimate?.result == .passed)
        #expect(
            estimate?.detail.contains("≈ 180 calls for the 9000 contacts waiting, at the 2.0 per 100") == true,
            "\(String(describing: estimate))")
        #expect(estimate?.detail.contains("about 2 days of a budget of 100 a day") == true)
        counts.calls = [:]
        #expect(CallEstimate.check(counts, callsPerDay: nil)?.result == .unknown)
        #expect(
            CallEstimate.check(DestinationCounts(name: "d", kind: nil, counts: [.confirmed: 5]), callsPerDay: nil) == nil, "nothing waits")
    }
}

/// Shares of the budget the gate told, in order.
final class Shares: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Double] = []
    func append(_ value: Double) { lock.withLock { stored.append(value) } }
    var values: [Double] { lock.withLock { stored } }
}
