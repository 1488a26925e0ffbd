import Foundation
import JourneyQueue
import Logging
import Testing

@testable import JourneyWorker

/// A store that records the cutoffs it was given and deletes `perStep` rows until `rows` run out.
final class CountingPruner: Pruning, @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int
    private(set) var calls: [(contacts: Int64?, ledger: Int64?, idempotency: Int64?)] = []

    init(rows: Int) { left = rows }

    func pruneStep(contactsBefore: Int64?, ledgerBefore: Int64?, idempotencyBefore: Int64?, limit: Int) throws -> PruneSummary {
        lock.withLock {
            calls.append((contactsBefore, ledgerBefore, idempotencyBefore))
            let now = min(left, limit)
            left -= now
            return PruneSummary(contacts: now)
        }
    }
}

@Suite struct RetentionTests {
    @Test func aPassStepsUntilNothingOldIsLeftWithCutoffsFromTheClock() async {
        let clock = ManualClock(startingAt: 100 * 86_400_000)
        let pruner = CountingPruner(rows: 2_500)
        let service = RetentionService(
            store: pruner, policy: RetentionPolicy(contactsMillis: 86_400_000, ledgerMillis: nil), clock: clock,
            logger: Logger(label: "test"))
        await service.pass()
        // 1,000 + 1,000 + 500: three short transactions, the last one short of the limit ends the pass.
        #expect(pruner.calls.count == 3)
        #expect(pruner.calls.allSatisfy { $0.contacts == 99 * 86_400_000 && $0.ledger == nil })
        #expect(pruner.calls.allSatisfy { $0.idempotency == 99 * 86_400_000 }, "idempotency keys last a day by default")
    }

    @Test func keepDisablesRetention() async throws {
        let pruner = CountingPruner(rows: 10)
        let service = RetentionService(
            store: pruner, policy: RetentionPolicy(contactsMillis: nil, ledgerMillis: nil, idempotencyMillis: nil),
            clock: ManualClock(),
            logger: Logger(label: "test"))
        try await service.run()
        #expect(pruner.calls.isEmpty)
    }

    @Test func theConfigReadsAgesAndKeepAndNamesABadOne() throws {
        let destinations = """
            destinations:
              main:
                kind: sfmc-async-events
                authURL: https://abc.auth.marketingcloudapis.com
                restURL: https://abc.rest.marketingcloudapis.com/
                clientId: id
                clientSecret: s
                eventDefinitionKey: APIEvent-1
            """
        let loader = ConfigLoader(file: "c.yaml", environment: [:])
        #expect(try loader.loadAll(text: destinations).retention == RetentionPolicy())
        let set = try loader.loadAll(text: destinations + "\nretention:\n  contacts: keep\n  ledger: 7d\n  every: 90s\n").retention
        #expect(set == RetentionPolicy(contactsMillis: nil, ledgerMillis: 7 * 86_400_000, intervalMillis: 90_000))
        let keys = try loader.loadAll(text: destinations + "\nretention:\n  idempotencyKeys: 2h\n").retention
        #expect(keys.idempotencyMillis == Int64(7_200_000))
        #expect(
            try loader.loadAll(text: destinations + "\nretention:\n  contacts: keep\n  ledger: keep\n  idempotencyKeys: keep\n").retention
                .keepsEverything)
        #expect(throws: ConfigError.self) { try loader.loadAll(text: destinations + "\nretention:\n  ledger: forever\n") }
        do {
            _ = try loader.loadAll(text: destinations + "\nretention:\n  ledger: forever\n")
        } catch {
            #expect("\(error)" == "c.yaml:10: retention.ledger: an age such as 30d, 12h, 15m or 90s, or keep")
        }
    }
}
