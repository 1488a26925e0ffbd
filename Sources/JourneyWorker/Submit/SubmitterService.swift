import JourneyQueue
import Logging
import ServiceLifecycle

/// One destination's submitter pool: claims batches sized to the destination, sends them within its
/// limits, renews leases while requests are in flight, and records every outcome.
/// On graceful shutdown it stops claiming and lets in-flight requests finish.
public struct SubmitterService: Service {
    let destination: any Destination
    let store: any QueueStore
    let clock: any Clock
    let logger: Logger
    let gate: DestinationGate
    /// Longest idle wait between looks for ready contacts.
    let idlePollMillis: Int64

    init(destination: any Destination, store: any QueueStore, clock: any Clock, logger: Logger, gate: DestinationGate, idlePollMillis: Int64 = 250) {
        self.destination = destination
        self.store = store
        self.clock = clock
        self.logger = logger
        self.gate = gate
        self.idlePollMillis = idlePollMillis
    }

    public func run() async throws {
        try await GatedLoop.run(concurrency: destination.limits.concurrency, gate: gate, clock: clock) {
            guard let batch = try store.claim(destination: destination.name, limit: destination.limits.batchSize,
                                              leaseMillis: destination.limits.leaseMillis) else {
                let next = try store.pendingWork(destination: destination.name).nextReadyAt
                return .idle(min(next.map { $0 - clock.nowMillis() } ?? idlePollMillis, idlePollMillis))
            }
            do {
                try await process(batch)
            } catch let error where !(error is CancellationError) {
                // A store fault (busy past the timeout, a lost lease) must not stop the daemon: the lease runs out
                // and recovery returns the batch's contacts (unknown if their request may have left).
                logger.error("batch failed; its lease will be recovered", metadata: ["destination": "\(destination.name)",
                                                                                    "batch": "\(batch.lease.batchID)", "error": "\(error)"])
                return .idle(idlePollMillis)
            }
            return .worked
        }
    }

    private func process(_ batch: ClaimedBatch) async throws {
        let started = clock.nowMillis()
        let submission = try await withLeaseRenewal(batch.lease) {
            try await destination.submit(batch, ledger: store)
        }
        if let pause = submission.pauseUntil {
            await gate.pause(until: pause)
            logger.warning("destination paused", metadata: ["destination": "\(destination.name)", "until.ms": "\(pause)",
                                                           "for.ms": "\(pause - clock.nowMillis())"])
        }
        do {
            try store.settle(batch.lease, result: submission.result, outcomes: submission.settlements)
        } catch StoreError.leaseLost(let batchID) {
            logger.warning("lease lost before settle; another worker owns the batch now", metadata: ["destination": "\(destination.name)", "batch": "\(batchID)"])
            return
        }
        var tally: [String: Int] = [:]
        for settlement in submission.settlements { tally[settlement.outcome.state?.description ?? "recheck", default: 0] += 1 }
        logger.info("batch", metadata: [
            "destination": "\(destination.name)", "batch": "\(batch.lease.batchID)", "batch.size": "\(batch.contacts.count)",
            "http.status": "\(submission.result?.status.map(String.init) ?? submission.result?.errorClass ?? "none")",
            "latency.ms": "\(submission.result?.latencyMillis ?? clock.nowMillis() - started)",
            "outcomes": "\(tally.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
        ])
    }

    /// Runs `body` while renewing the lease every third of its length.
    private func withLeaseRenewal<T: Sendable>(_ lease: Lease, _ body: @Sendable @escaping () async throws -> T) async throws -> T {
        let leaseMillis = destination.limits.leaseMillis
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                var current = lease
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(max(leaseMillis / 3, 1)))
                    if Task.isCancelled { break }
                    do { current = try store.renewLease(current, leaseMillis: leaseMillis) } catch { break }
                }
                return nil
            }
            defer { group.cancelAll() }
            while let value = try await group.next() {
                if let value { return value }
            }
            preconditionFailure("the body task always returns a value")
        }
    }
}
