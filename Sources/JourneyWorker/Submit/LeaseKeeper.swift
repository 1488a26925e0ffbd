import JourneyQueue
import Logging

/// Holds a lease while work for it is in flight, and writes the result under it, through store faults.
struct LeaseKeeper: Sendable {
    let store: any QueueStore
    let clock: any WallClock
    let logger: Logger
    let leaseMillis: Int64

    /// Runs `body` while renewing the lease every third of its length. A failed renewal is tried again sooner until
    /// the lease has really expired: a live worker's batch must not be recovered under it while a request is in flight.
    func whileHeld<T: Sendable>(_ lease: Lease, _ body: @Sendable @escaping () async throws -> T) async throws -> T {
        let leaseMillis = self.leaseMillis
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                var current = lease
                var interval = max(leaseMillis / 3, 1)
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(interval))
                    if Task.isCancelled { break }
                    do {
                        current = try await store.renewLease(current, leaseMillis: leaseMillis)
                        interval = max(leaseMillis / 3, 1)
                    } catch StoreError.leaseLost {
                        logger.warning(
                            "lease lost while its work was in flight",
                            metadata: ["destination": "\(lease.destination)", "batch": "\(lease.batchID)"])
                        break
                    } catch {
                        guard clock.nowMillis() < current.until else { break }
                        interval = max(min(leaseMillis / 10, 1_000), 1)
                        logger.warning(
                            "lease renewal failed; trying again before it expires",
                            metadata: [
                                "destination": "\(lease.destination)", "batch": "\(lease.batchID)", "error": "\(error)",
                            ])
                    }
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

    /// Writes `write` under the lease, trying again after store faults with a growing pause; returns false when the
    /// lease was lost (another worker owns the batch now, and the answer is already on record).
    func write(_ lease: Lease, what: String, _ write: () async throws -> Void) async -> Bool {
        var delay: Int64 = 50
        while true {
            do {
                try await write()
                return true
            } catch StoreError.leaseLost {
                logger.warning(
                    "lease lost before \(what); another worker owns the batch now",
                    metadata: [
                        "destination": "\(lease.destination)", "batch": "\(lease.batchID)",
                    ])
                return false
            } catch {
                // Past the grace period of a shutdown the lease and the ledger keep the contacts safe.
                if Task.isCancelled { return false }
                logger.error(
                    "\(what) failed; trying again",
                    metadata: [
                        "destination": "\(lease.destination)", "batch": "\(lease.batchID)",
                        "error": "\(error)", "retry.ms": "\(delay)",
                    ])
                try? await Task.sleep(for: .milliseconds(delay))
                delay = min(delay * 2, 5_000)
            }
        }
    }
}
