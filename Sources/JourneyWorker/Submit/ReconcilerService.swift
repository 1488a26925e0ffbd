import JourneyQueue
import JourneyRuntime
import Logging
import ServiceLifecycle
import Tracing

/// Finds out who really entered: looks for `accepted` and `unknown` contacts once their settle time has
/// passed, within the destination's limits, and moves each to confirmed, queued, dead, unverifiable or a later look.
public struct ReconcilerService: Service {
    let destination: any VerifyingDestination
    let store: any QueueStore
    let clock: any WallClock
    let logger: Logger
    let gate: DestinationGate
    let idlePollMillis: Int64
    /// One pass over what is due now, then return (`journeyq reconcile`).
    let singlePass: Bool
    /// The daemon ends once drained (`work --until-drained`): the last looks need not wait for contacts that will not come.
    let untilDrained: Bool

    let metrics: JourneyMetrics?

    init(
        destination: any VerifyingDestination, store: any QueueStore, clock: any WallClock, logger: Logger, gate: DestinationGate,
        idlePollMillis: Int64 = 250, singlePass: Bool = false, untilDrained: Bool = false, metrics: JourneyMetrics? = nil
    ) {
        self.untilDrained = untilDrained
        self.metrics = metrics
        self.destination = destination
        self.store = store
        self.clock = clock
        self.logger = logger
        self.gate = gate
        self.idlePollMillis = idlePollMillis
        self.singlePass = singlePass
    }

    public func run() async throws {
        let keeper = LeaseKeeper(store: store, clock: clock, logger: logger, leaseMillis: destination.limits.leaseMillis)
        let gathering = Gathering(millis: singlePass ? 0 : destination.verificationGatherMillis, clock: clock)
        // As many loops as the destination allows requests in flight; the gate keeps looks and submissions within it together.
        await GatedLoop.run(
            concurrency: destination.limits.concurrency, gate: gate, purpose: .reconcile, logger: logger, what: "reconciliation"
        ) {
            // After a look that leased less than it could, every loop lets more come due before the next (one call, many
            // contacts) until the gathering time has passed. Once nothing is left to send (submissions first: a look's
            // download holds a place for a long time), a full look goes as soon as it is due, and, when the daemon ends
            // once drained, the last fewer as soon as the last of them is due (no contact can join them). The loops ask
            // again every idle poll, one at a time, so that no loop takes the leftovers beside a full look.
            var fullLook = false
            if case let wait = await gathering.wait(), wait > 0 {
                guard await gathering.beginFullLook() else { return .idle(idlePollMillis) }
                var fills: Int64?
                do {
                    if try await store.pendingWork(destination: destination.name).submissionDrained,
                        let next = try await store.lookFill(destination: destination.name, count: destination.verificationBatchSize),
                        next.contacts >= destination.verificationBatchSize || untilDrained
                    {
                        fills = next.dueAt
                    }
                } catch {
                    await gathering.endFullLook()
                    throw error
                }
                let now = clock.nowMillis()
                guard let fills, fills <= now else {
                    await gathering.endFullLook()
                    return .idle(min(wait, fills.map { $0 - now } ?? wait, idlePollMillis))
                }
                fullLook = true
            }
            let claimStarted = DefaultTracerClock.now
            let claimed: VerificationBatch?
            do {
                claimed = try await store.claimVerification(
                    destination: destination.name, limit: destination.verificationBatchSize,
                    leaseMillis: destination.limits.leaseMillis)
                if fullLook { await gathering.endFullLook() }
            } catch {
                if fullLook { await gathering.endFullLook() }
                throw error
            }
            guard let batch = claimed else {
                if singlePass { return .finished }
                let next = try await store.pendingWork(destination: destination.name).nextVerifyAt
                return .idle(min(next.map { $0 - clock.nowMillis() } ?? idlePollMillis, idlePollMillis))
            }
            let settled = try await BatchTrace.run(
                "journeyq.reconcile", claimStarted: claimStarted, destination: destination.name,
                batchID: batch.lease.batchID, contacts: batch.contacts.count
            ) { () async throws -> Verification? in
                // The looks' requests reach the ledger with the verdicts they led to, in one transaction.
                let looks = LookLedger(store: store)
                let verification = try await withSpan("look") { span in
                    span.attributes["journeyq.contacts"] = batch.contacts.count
                    return try await looks.looking {
                        try await keeper.whileHeld(batch.lease) {
                            try await destination.verify(batch, ledger: TracedLedger(wrapped: looks))
                        }
                    }
                }
                let made = looks.take()
                let written = await withSpan("settle") { span in
                    span.attributes["journeyq.contacts"] = verification.settlements.count
                    return await keeper.write(
                        batch.lease, what: "reconciliation settle",
                        {
                            try await store.settleVerification(batch.lease, outcomes: verification.settlements, looks: made)
                        })
                }
                return written ? verification : nil
            }
            guard let verification = settled else { return .worked }
            metrics?.settled(destination: destination.name, verification.settlements)
            var tally: [String: Int] = [:]
            for settlement in verification.settlements { tally[settlement.outcome.state?.description ?? "recheck", default: 0] += 1 }
            logger.debug(
                "reconciled",
                metadata: [
                    "destination": "\(destination.name)", "batch.size": "\(batch.contacts.count)",
                    "outcomes": "\(tally.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
                ])
            if batch.contacts.count < destination.verificationBatchSize { await gathering.leasedLess() }
            return .worked
        }
    }
}

/// The reconciler loops' shared pause after a look that leased fewer contacts than it could: the next look waits for
/// more to come due, so that a remote answering for many contacts a call is asked once for them (0: no pause). While it
/// lasts, a look that is full goes out as soon as it is due, one loop at a time.
actor Gathering {
    private let millis: Int64
    private let clock: any WallClock
    private var until: Int64 = 0
    private var fullLookUnderway = false

    init(millis: Int64, clock: any WallClock) {
        self.millis = millis
        self.clock = clock
    }

    /// Milliseconds to wait before the next look (0: look now).
    func wait() -> Int64 { max(until - clock.nowMillis(), 0) }

    func leasedLess() {
        guard millis > 0 else { return }
        until = clock.nowMillis() + millis
    }

    /// True when no other loop is between finding a full look due and claiming it: this one may.
    func beginFullLook() -> Bool {
        guard !fullLookUnderway else { return false }
        fullLookUnderway = true
        return true
    }

    /// The full look was claimed, or was not due after all.
    func endFullLook() { fullLookUnderway = false }
}
