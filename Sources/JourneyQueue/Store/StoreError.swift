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

    public var description: String {
        switch self {
        case let .leaseLost(batchID): "lease of batch \(batchID) was lost: another worker owns its contacts now; nothing was written"
        case let .databaseTooNew(path, unknown):
            "\(path) was written by a newer journeyq (migrations \(unknown.joined(separator: ", "))); upgrade journeyq to open it"
        case let .unknownDestination(name): "no destination named '\(name)' in this database"
        case .duplicateIdempotencyKey: "the Idempotency-Key was used by another request at the same time; nothing was written"
        }
    }
}
