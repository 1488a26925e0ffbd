import JourneyQueue
import JourneyRuntime
import Logging
import ServiceLifecycle
import Tracing

/// One destination's submitter pool: claims batches sized to the destination, looks once before a contact's first
/// request (who is a member already), sends within the destination's limits, renews leases while requests are in
/// flight, and records every outcome. On graceful shutdown it stops claiming and lets in-flight requests finish.
public struct SubmitterService: Service {
    let destination: any Destination
    let store: any QueueStore
    let clock: any WallClock
    let logger: Logger
    let gate: DestinationGate
    /// Longest idle wait between looks for ready contacts.
    let idlePollMillis: Int64
    let metrics: JourneyMetrics?

    init(
        destination: any Destination, store: any QueueStore, clock: any WallClock, logger: Logger, gate: DestinationGate,
        idlePollMillis: Int64 = 250,
        metrics: JourneyMetrics? = nil
    ) {
        self.metrics = metrics
        self.destination = destination
        self.store = store
        self.clock = clock
        self.logger = logger
        self.gate = gate
        self.idlePollMillis = idlePollMillis
    }

    var keeper: LeaseKeeper { LeaseKeeper(store: store, clock: clock, logger: logger, leaseMillis: destination.limits.leaseMillis) }

    public func run() async throws {
        await GatedLoop.run(concurrency: destination.limits.concurrency, gate: gate, purpose: .submit, logger: logger, what: "submission") {
            let claimStarted = DefaultTracerClock.now
            guard
                let batch = try await store.claim(
                    destination: destination.name, limit: destination.limits.batchSize,
                    leaseMillis: destination.limits.leaseMillis)
            else {
                let next = try await store.pendingWork(destination: destination.name).nextReadyAt
                return .idle(min(next.map { $0 - clock.nowMillis() } ?? idlePollMillis, idlePollMillis))
            }
            try await BatchTrace.run(
                "journeyq.batch", claimStarted: claimStarted, destination: destination.name, batchID: batch.lease.batchID,
                contacts: batch.contacts.count
            ) {
                try await keeper.whileHeld(batch.lease) { try await process(batch) }
            }
            return .worked
        }
    }

    private func process(_ claimed: ClaimedBatch) async throws {
        let started = clock.nowMillis()
        let timely = try await holdBackUntimely(claimed)
        guard !timely.contacts.isEmpty else {
            _ = await keeper.write(timely.lease, what: "closing an empty batch") {
                try await store.settle(timely.lease, result: nil, outcomes: [])
            }
            return
        }
        var batch = try await lookBeforeFirstSend(timely)
        var submission: Submission?
        let released = ReleasedContacts()
        while submission == nil {
            guard !batch.contacts.isEmpty else {
                // Every contact went back to wait for another look, or was erased: the batch closes without a request.
                _ = await keeper.write(batch.lease, what: "closing an empty batch") {
                    try await store.settle(batch.lease, result: nil, outcomes: [])
                }
                return
            }
            do {
                submission = try await destination.submit(batch, ledger: TracedLedger(wrapped: store, released: released))
            } catch let StoreError.erasedBeforeSend(_, neverSent, sentBefore) {
                // The request is built again from what is still the batch's: not from contacts the destination handed
                // back to the queue meanwhile (another batch may hold them now, and would send them too).
                batch.contacts.removeAll { released.contains($0.id) }
                batch = try await withdrawErased(batch, neverSent: neverSent, sentBefore: sentBefore)
            }
        }
        guard let submission else { return }
        let settled = await withSpan("settle") { span in
            span.attributes["journeyq.contacts"] = submission.settlements.count
            return await keeper.write(
                batch.lease, what: "settle",
                { try await store.settle(batch.lease, result: submission.result, outcomes: submission.settlements) })
        }
        guard settled else { return }
        metrics?.settled(destination: destination.name, submission.settlements)
        var tally: [String: Int] = [:]
        for settlement in submission.settlements { tally[settlement.outcome.state?.description ?? "recheck", default: 0] += 1 }
        logger.debug(
            "batch",
            metadata: [
                "destination": "\(destination.name)", "batch": "\(batch.lease.batchID)", "batch.size": "\(batch.contacts.count)",
                "http.status": "\(submission.result?.status.map(String.init) ?? submission.result?.errorClass ?? "none")",
                "latency.ms": "\(submission.result?.latencyMillis ?? clock.nowMillis() - started)",
                "outcomes": "\(tally.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
            ])
    }

    /// Takes contacts erased since the claim out of the batch before its request leaves (the store refused to write
    /// it ahead): those no request carried end dead, erased; those an earlier request of this batch carried (a Bulk
    /// job's creation, a request answered 401) may have been taken, so they wait for a look by key, and are never
    /// sent again (their `notAfter` is the erasure). The rest go out in a request built again without them.
    private func withdrawErased(_ batch: ClaimedBatch, neverSent: [Int64], sentBefore: [Int64]) async throws -> ClaimedBatch {
        let now = clock.nowMillis()
        let withdrawn =
            neverSent.map { Settlement(contactID: $0, outcome: .dead(reason: ContactErasure.deadReason)) }
            + sentBefore.map {
                Settlement(
                    contactID: $0,
                    outcome: .unknown(
                        error: "erased on request while its batch was in flight; an earlier request of the batch carried it",
                        verifyAfter: now + destination.policy.ambiguousLookDelayMillis))
            }
        let rest = try await takeOut(withdrawn, from: batch)
        metrics?.settled(destination: destination.name, withdrawn)
        logger.info(
            "contacts erased on request since the claim were taken out of the batch before its request left",
            metadata: [
                "destination": "\(destination.name)", "batch": "\(batch.lease.batchID)", "withdrawn": "\(withdrawn.count)",
                "sent": "\(rest.contacts.count)",
            ])
        return rest
    }

    /// Settles `settlements` under the batch's lease before any request carries them, and returns the batch without them.
    private func takeOut(_ settlements: [Settlement], from batch: ClaimedBatch) async throws -> ClaimedBatch {
        try await store.prepareBatch(batch.lease, priorMembers: [], released: settlements, releaseCountsAsLook: false)
        let gone = Set(settlements.map(\.contactID))
        var rest = batch
        rest.contacts = batch.contacts.filter { !gone.contains($0.id) }
        return rest
    }

    /// Takes out of a fresh batch the contacts that may not be sent now: those whose `notAfter` has passed end
    /// `expired`, and those outside the send window in their zone go back to the queue until it opens (or until their
    /// `notAfter`, if sooner, to be expired then), their attempt given back. Decided once, at the claim: a window that
    /// closes while the batch is in flight does not cut it.
    private func holdBackUntimely(_ batch: ClaimedBatch) async throws -> ClaimedBatch {
        let window = destination.limits.sendWindow
        guard window != nil || batch.contacts.contains(where: { $0.notAfter != nil }) else { return batch }
        let now = clock.nowMillis()
        var held: [Settlement] = []
        var defaulted = 0
        // Contacts of one zone share the answer: the window is worked out once per zone a batch holds.
        var openings: [String: Int64?] = [:]
        for contact in batch.contacts {
            if let notAfter = contact.notAfter, notAfter <= now {
                held.append(
                    Settlement(
                        contactID: contact.id, outcome: .expired(reason: "notAfter \(ISOTime.string(notAfter)) passed before it was sent")))
                continue
            }
            guard let window else { continue }
            let (zone, fellBack) = window.zone(forData: contact.dataJSON)
            let nextOpening: Int64?
            if let known = openings[zone.identifier] {
                nextOpening = known
            } else {
                nextOpening =
                    window.isOpen(atMillis: now, in: zone) ? nil : window.nextChange(afterMillis: now, in: zone) ?? now + 86_400_000
                openings[zone.identifier] = .some(nextOpening)
            }
            guard let opening = nextOpening else {
                if fellBack { defaulted += 1 }
                continue
            }
            let until = min(opening, contact.notAfter ?? .max)
            held.append(
                Settlement(
                    contactID: contact.id,
                    outcome: .waitForWindow(
                        until: until, note: "waiting for the send window: opens \(ISOTime.string(opening)) (\(zone.identifier))")))
        }
        if defaulted > 0 { metrics?.windowDefaultZone(destination: destination.name, count: defaulted) }
        guard !held.isEmpty else { return batch }
        let timely = try await takeOut(held, from: batch)
        metrics?.settled(destination: destination.name, held.filter { $0.outcome.state == .expired })
        logger.debug(
            "contacts held back by their send window or notAfter",
            metadata: [
                "destination": "\(destination.name)", "batch": "\(batch.lease.batchID)", "held": "\(held.count)",
                "sent": "\(timely.contacts.count)",
            ])
        return timely
    }

    /// Before a contact's first request, asks who is in the journey already, so that an earlier membership is never
    /// taken for this run's entry. A look that fails sends nobody: those contacts wait for another look, and only after
    /// `verifyAttempts` failed looks go out marked "membership before unknown" (never confirmed by membership alone).
    private func lookBeforeFirstSend(_ batch: ClaimedBatch) async throws -> ClaimedBatch {
        let fresh = batch.contacts.filter { $0.priorMember == nil }
        guard !fresh.isEmpty, let verifying = destination as? any VerifyingDestination else { return batch }
        // The look's requests reach the ledger with what it found, in one transaction.
        let looks = LookLedger(store: store)
        let found = try await withSpan("look before first send") { span in
            span.attributes["journeyq.contacts"] = fresh.count
            return try await looks.looking {
                try await verifying.priorMembers(fresh.map(\.key), batchID: batch.lease.batchID, ledger: TracedLedger(wrapped: looks))
            }
        }
        guard let look = found else {
            try await store.recordAttempts(looks.take())
            return batch
        }
        var marks: [(contactID: Int64, membership: PriorMembership)] = []
        var released: [Settlement] = []
        switch look {
        case .members(let members):
            marks = fresh.map { ($0.id, members.contains($0.key) ? .member : .notMember) }
        case .failed(let reason, let throttledUntil, let counts):
            let policy = destination.policy
            let now = clock.nowMillis()
            let at = throttledUntil ?? now + policy.retry.delay(afterAttempt: 1, jitter: policy.jitter.next())
            for contact in fresh {
                if counts && contact.looks + 1 >= policy.verifyAttempts {
                    marks.append((contact.id, .unknown))
                } else {
                    released.append(
                        Settlement(
                            contactID: contact.id,
                            outcome: .retry(
                                at: at, error: "look before the first request failed: \(reason)", refundAttempt: true)))
                }
            }
            // A destination that is down says so once, through its gate; a look that failed on its own is worth a line.
            logger.log(
                level: counts ? .warning : .debug, "look before the first request failed; those contacts wait for another look",
                metadata: [
                    "destination": "\(destination.name)", "batch": "\(batch.lease.batchID)", "reason": "\(reason)",
                    "contacts": "\(released.count)",
                ])
        }
        var counted = false
        if case .failed(_, _, let counts) = look { counted = counts }
        try await store.prepareBatch(
            batch.lease, priorMembers: marks, released: released, releaseCountsAsLook: counted, looks: looks.take())
        let gone = Set(released.map(\.contactID))
        let marked = Dictionary(marks.map { ($0.contactID, $0.membership) }, uniquingKeysWith: { first, _ in first })
        var prepared = batch
        prepared.contacts = batch.contacts.compactMap { contact in
            guard !gone.contains(contact.id) else { return nil }
            var copy = contact
            copy.priorMember = marked[contact.id] ?? contact.priorMember
            return copy
        }
        return prepared
    }
}
