import JourneyDestinations
import JourneyQueue
import Tracing

/// The ledger a destination writes through while its batch is traced: each write is a span of the batch's trace
/// (the write-ahead above all, the record that must precede a request), and each ledger row keeps the trace's id.
struct TracedLedger: AttemptLedger {
    let wrapped: any AttemptLedger
    /// Where the contacts a destination hands back to the queue are noted, when the caller needs to know them.
    var released: ReleasedContacts? = nil

    func beginAttempt(_ lease: Lease, _ attempt: AttemptStart) async throws -> Int64 {
        try await withSpan("write-ahead") { span in
            span.attributes["journeyq.request.purpose"] = attempt.purpose.rawValue
            return try await wrapped.beginAttempt(lease, Self.stamped(attempt))
        }
    }

    func finishAttempt(_ result: AttemptResult) async throws {
        try await withSpan("record answer") { _ in try await wrapped.finishAttempt(result) }
    }

    func attachRemoteID(_ lease: Lease, _ remoteID: String) async throws {
        try await withSpan("record remote id") { _ in try await wrapped.attachRemoteID(lease, remoteID) }
    }

    func release(_ lease: Lease, _ contacts: [ClaimedContact], reason: String) async throws {
        try await withSpan("release") { span in
            span.attributes["journeyq.contacts"] = contacts.count
            try await wrapped.release(lease, contacts, reason: reason)
            released?.add(contacts.map(\.id))
        }
    }

    func recordAttempt(destination: String, batchID: Int64?, _ attempt: AttemptStart, _ result: AttemptResult) async throws -> Int64 {
        try await wrapped.recordAttempt(destination: destination, batchID: batchID, Self.stamped(attempt), result)
    }

    static func stamped(_ attempt: AttemptStart) -> AttemptStart {
        var stamped = attempt
        stamped.traceID = stamped.traceID ?? TraceIdentity.current()
        return stamped
    }
}

/// One trace per batch: a root span from the moment its claim began, the claim as its first child, and the rest of
/// the batch's work (looks, write-ahead, requests, settle) run inside it.
enum BatchTrace {
    /// Runs `work` as the trace of a batch claimed between `claimStarted` and now. Attributes name the destination
    /// and the batch, never a contact.
    static func run<T>(
        _ name: String, claimStarted: DefaultTracerClock.Instant, destination: String, batchID: Int64, contacts: Int,
        _ work: () async throws -> T
    ) async throws -> T {
        let root = startSpan(name, context: .topLevel, ofKind: .internal, at: claimStarted)
        defer { root.end() }
        root.attributes["journeyq.destination"] = destination
        root.attributes["journeyq.batch.id"] = Int(batchID)
        root.attributes["journeyq.batch.size"] = contacts
        startSpan("claim", context: root.context, at: claimStarted).end()
        do {
            return try await InstrumentationContext.withValue(root.context) { try await work() }
        } catch {
            // The error's type only: its text may quote an answer, and an answer may name a contact.
            root.attributes["error.type"] = String(describing: type(of: error))
            root.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
