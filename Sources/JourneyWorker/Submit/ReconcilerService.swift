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
            // once drained, the last fewer as soon as the last of them is due (no contact can join them). The loops take
            // turns to find and claim it (`Gathering.oneAtATime`), so that no loop takes the leftovers beside a full look.
            var claimStarted = DefaultTracerClock.now
            let claim = { () async throws -> VerificationBatch? in
                // The trace's claim starts here, not at a turn's wait or its reads.
                claimStarted = DefaultTracerClock.now
                return try await store.claimVerification(
                    destination: destination.name, limit: destination.verificationBatchSize,
                    leaseMillis: destination.limits.leaseMillis)
            }
            let claimed: VerificationBatch?
            if case let wait = await gathering.wait(), wait > 0 {
                let admitted = try await gathering.oneAtATime { () async throws -> FullLook in
                    // A turn may come after the daemon began to stop: no new look then.
                    if Task.isCancelled || Task.isShuttingDownGracefully { return .notYet(idlePollMillis) }
                    guard try await store.pendingWork(destination: destination.name).nothingToSend,
                        let next = try await store.lookFill(destination: destination.name, count: destination.verificationBatchSize),
                        next.contacts >= destination.verificationBatchSize || untilDrained
                    else { return .notYet(wait) }
                    let now = clock.nowMillis()
                    guard next.dueAt <= now else { return .notYet(min(wait, next.dueAt - now)) }
                    return .claimed(try await claim())
                }
                switch admitted {
                case .notYet(let millis): return .idle(min(millis, idlePollMillis))
                case .claimed(let batch): claimed = batch
                }
            } else {
                claimed = try await claim()
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

/// What a loop's turn found while looks gather.
enum FullLook: Sendable {
    /// No full look is due: idle this long at most.
    case notYet(Int64)
    /// A full look was due and this loop claimed it (nil: another process took it first).
    case claimed(VerificationBatch?)
}

/// The reconciler loops' shared pause after a look that leased fewer contacts than it could: the next look waits for
/// more to come due, so that a remote answering for many contacts a call is asked once for them (0: no pause). While it
/// lasts, a look that is full goes out as soon as it is due, the loops taking turns to find and claim it.
actor Gathering {
    private let millis: Int64
    private let clock: any WallClock
    private var until: Int64 = 0
    private var turnTaken = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

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

    /// Runs `body` (finding whether a full look is due and claiming it) while no other loop runs its own: so that no
    /// loop takes the leftovers beside a full look. A loop that finds another's turn under way waits for it to end
    /// rather than idling: turns are short (two reads and a claim), and a loop that idled a poll let a whole look's
    /// time pass, which left one loop looking while the others slept (one download at a time, 24,000 contacts a second).
    nonisolated func oneAtATime<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await takeTurn()
        do {
            let value = try await body()
            await handOver()
            return value
        } catch {
            await handOver()
            throw error
        }
    }

    /// Whether a loop's turn is under way (tests).
    var turnUnderway: Bool { turnTaken }

    /// Loops waiting for their turn (tests).
    var waitingForTurn: Int { waiting.count }

    private func takeTurn() async {
        guard turnTaken else {
            turnTaken = true
            return
        }
        // The turn is handed over by `handOver`, never freed in between: no loop can cut in line.
        await withCheckedContinuation { waiting.append($0) }
    }

    private func handOver() {
        if waiting.isEmpty { turnTaken = false } else { waiting.removeFirst().resume() }
    }
}
