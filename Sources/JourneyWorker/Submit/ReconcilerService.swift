import JourneyQueue
import Logging
import ServiceLifecycle

/// Finds out who really entered: looks for `accepted` and `unknown` contacts once their settle time has
/// passed, within the destination's rate limit, and moves each to confirmed, queued, dead or a later look.
public struct ReconcilerService: Service {
    let destination: any VerifyingDestination
    let store: any QueueStore
    let clock: any Clock
    let logger: Logger
    let gate: DestinationGate
    let idlePollMillis: Int64
    /// One pass over what is due now, then return (`journeyq reconcile`).
    let singlePass: Bool

    init(destination: any VerifyingDestination, store: any QueueStore, clock: any Clock, logger: Logger, gate: DestinationGate,
         idlePollMillis: Int64 = 250, singlePass: Bool = false) {
        self.destination = destination
        self.store = store
        self.clock = clock
        self.logger = logger
        self.gate = gate
        self.idlePollMillis = idlePollMillis
        self.singlePass = singlePass
    }

    public func run() async throws {
        // As many looks in flight as the destination allows requests; they share the submitters' gate.
        try await GatedLoop.run(concurrency: destination.limits.concurrency, gate: gate, clock: clock) {
            guard let batch = try store.claimVerification(destination: destination.name, limit: destination.verificationBatchSize,
                                                          leaseMillis: destination.limits.leaseMillis) else {
                if singlePass { return .finished }
                let next = try store.pendingWork(destination: destination.name).nextVerifyAt
                return .idle(min(next.map { $0 - clock.nowMillis() } ?? idlePollMillis, idlePollMillis))
            }
            do {
                try await look(batch)
            } catch let error where !(error is CancellationError) {
                logger.error("reconciliation look failed; the contacts will be looked for again", metadata: [
                    "destination": "\(destination.name)", "batch": "\(batch.lease.batchID)", "error": "\(error)"])
                return .idle(idlePollMillis)
            }
            return .worked
        }
    }

    private func look(_ batch: VerificationBatch) async throws {
        let verification = try await destination.verify(batch, ledger: store)
        if let pause = verification.pauseUntil { await gate.pause(until: pause) }
        do {
            try store.settleVerification(batch.lease, outcomes: verification.settlements)
        } catch StoreError.leaseLost(let batchID) {
            logger.warning("reconciliation lease lost; the contacts will be looked for again", metadata: ["destination": "\(destination.name)", "batch": "\(batchID)"])
            return
        }
        var tally: [String: Int] = [:]
        for settlement in verification.settlements { tally[settlement.outcome.state?.description ?? "recheck", default: 0] += 1 }
        logger.info("reconciled", metadata: [
            "destination": "\(destination.name)", "batch.size": "\(batch.contacts.count)",
            "outcomes": "\(tally.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
        ])
    }
}
