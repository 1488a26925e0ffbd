import JourneyQueue
import JourneyRuntime
import Logging
import ServiceLifecycle

/// Retention inside the daemon: every `policy.intervalMillis`, deletes finished work older than the policy's ages in
/// steps of `stepLimit` rows, each its own short write transaction with a pause between, so that a claim or a settle
/// never waits long behind it. What was deleted goes to the log and to `journeyq_pruned_total`.
public struct RetentionService: Service {
    let store: any Pruning
    let policy: RetentionPolicy
    let clock: any WallClock
    let logger: Logger
    let metrics: JourneyMetrics?
    var stepLimit = 1_000
    var pauseMillis: Int64 = 50

    public init(store: any Pruning, policy: RetentionPolicy, clock: any WallClock, logger: Logger, metrics: JourneyMetrics? = nil) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        guard !policy.keepsEverything else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await pass()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(max(policy.intervalMillis, 1))) }
        }
    }

    /// One pass: steps until nothing is left older than the ages (or shutdown). A store fault ends the pass; the next
    /// one tries again.
    func pass() async {
        let now = clock.nowMillis()
        let contactsBefore = policy.contactsMillis.map { now - $0 }
        let ledgerBefore = policy.ledgerMillis.map { now - $0 }
        let idempotencyBefore = policy.idempotencyMillis.map { now - $0 }
        var total = PruneSummary()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let step: PruneSummary
            do {
                step = try await store.pruneStep(
                    contactsBefore: contactsBefore, ledgerBefore: ledgerBefore, idempotencyBefore: idempotencyBefore,
                    limit: stepLimit)
            } catch {
                logger.error("retention failed; trying again at the next pass", metadata: ["error": "\(error)"])
                break
            }
            total = total + step
            metrics?.pruned(step)
            if !step.filled(stepLimit) { break }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(pauseMillis)) }
        }
        if total.total > 0 {
            logger.notice(
                "retention pruned finished work",
                metadata: [
                    "contacts": "\(total.contacts)", "ledger.rows": "\(total.attempts)", "batches": "\(total.batches)",
                    "events": "\(total.events)",
                    "idempotency.keys": "\(total.idempotencyKeys)",
                    "contacts.before": "\(contactsBefore.map(ISOTime.string) ?? "kept")",
                    "ledger.before": "\(ledgerBefore.map(ISOTime.string) ?? "kept")",
                ])
        }
    }
}
