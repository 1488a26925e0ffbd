/// Store faults a caller acts on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The lease expired or was taken over: the write changed nothing.
    case leaseLost(batchID: Int64)
    /// The database was written by a newer journeyq.
    case databaseTooNew(path: String, unknownMigrations: [String])
    /// No such destination in this database.
    case unknownDestination(String)
    /// An ingest request's idempotency key was recorded by another request meanwhile: nothing was written.
    case duplicateIdempotencyKey(String)
    /// The SQLite file's queue was copied to PostgreSQL (`journeyq copy`): working it too would send its contacts twice.
    case queueMoved(path: String, to: String, at: Int64)
    /// A request about to leave carries contacts erased since the claim (`journeyq forget`): nothing was written, and it
    /// must not leave with their data. `neverSent` were carried by no request of the batch yet; `sentBefore` were.
    case erasedBeforeSend(batchID: Int64, neverSent: [Int64], sentBefore: [Int64])

    public var description: String {
        switch self {
        case let .leaseLost(batchID): "lease of batch \(batchID) was lost: another worker owns its contacts now; nothing was written"
        case let .databaseTooNew(path, unknown):
            "\(path) was written by a newer journeyq (migrations \(unknown.joined(separator: ", "))); upgrade journeyq to open it"
        case let .unknownDestination(name): "no destination named '\(name)' in this database"
        case .duplicateIdempotencyKey: "the Idempotency-Key was used by another request at the same time; nothing was written"
        case let .queueMoved(path, to, at):
            "\(path): this queue was moved to \(to) at \(ISOTime.string(at)) by journeyq copy; point --db there. Working this file too "
                + "would send its contacts a second time (--reopen-moved uses it again, only if the PostgreSQL queue is gone for good)"
        case let .erasedBeforeSend(batchID, neverSent, sentBefore):
            "batch \(batchID): \(neverSent.count + sentBefore.count) contact(s) were erased on request since the claim; "
                + "the request was not sent"
        }
    }
}
