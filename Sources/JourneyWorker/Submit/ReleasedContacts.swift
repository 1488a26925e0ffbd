import Synchronization

/// The contacts a destination handed back to the queue while it built a batch's request (an upload's size bound). They
/// are no longer the batch's: should the request be built again (an erasure refused its write-ahead), they must not be
/// in it, for another batch may hold them by then.
final class ReleasedContacts: Sendable {
    private let ids = Mutex<Set<Int64>>([])

    /// Notes `contactIDs` as handed back.
    func add(_ contactIDs: [Int64]) { ids.withLock { $0.formUnion(contactIDs) } }

    /// Whether `contactID` was handed back.
    func contains(_ contactID: Int64) -> Bool { ids.withLock { $0.contains(contactID) } }
}
