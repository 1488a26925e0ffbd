/// A whole queue store as the commands use it: the queue, its reports and retention, and the housekeeping that only
/// some engines need. SQLite and PostgreSQL both implement it; `--db` chooses.
public protocol JourneyStore: QueueStore, ReportingStore, RedriveStore, Pruning, EventOutbox, ErasureStore, AuditLog {
    /// Where the queue lives, for people: a file path, or a URL without its password.
    var locationDescription: String { get }
    /// Gives the engine a chance to keep its files small between steps (SQLite's WAL checkpoint); a no-op elsewhere.
    func checkpoint() async throws
}

extension JourneyStore {
    public func checkpoint() async throws {}
}

extension Pruning {
    /// Every step of at most `chunk` rows of each kind until nothing older than the cutoffs is left (`journeyq prune`).
    public func pruneAll(contactsBefore: Int64?, ledgerBefore: Int64?, idempotencyBefore: Int64? = nil, chunk: Int = 5_000) async throws
        -> PruneSummary
    {
        var summary = PruneSummary()
        while true {
            let step = try await pruneStep(
                contactsBefore: contactsBefore, ledgerBefore: ledgerBefore, idempotencyBefore: idempotencyBefore, limit: chunk)
            summary = summary + step
            if !step.filled(chunk) { return summary }
        }
    }
}
