/// What reports, the API and the dashboard read.
public protocol ReportingStore: Sendable {
    /// Full reports, for one destination or all, counting contacts enqueued (and requests made) since `since` (epoch ms).
    func reports(destination: String?, since: Int64?) async throws -> [DestinationReport]
    /// Contacts by destination name and enqueue order, optionally one destination and one state; `body` is called per row, in
    /// pages of short read transactions (never inside one), so that large exports stream and a slow reader never holds the
    /// WAL open.
    func eachContact(destination: String?, state: ContactState?, since: Int64?, _ body: (ContactRow) async throws -> Void)
        async throws
    /// A contact's rows (one per destination), each with a page of the ledger rows of the batches that carried it, newest
    /// first: at most `limit`, all older than the ledger id `before` when given. Bodies are read for the page only.
    func timeline(contactKey: String, before: Int64?, limit: Int) async throws -> [(ContactRow, [LedgerEntry])]
    /// Dead letters of a destination in id order, those whose reason contains `reason`, after the id `after`
    /// (keyset paging: each page costs the same however deep).
    func deadLetters(destination: String, reason: String?, after: Int64?, limit: Int) async throws -> [DeadLetter]

    /// Contacts whose key is `text` (or starts with it, with `prefix`), across destinations, at most `limit`.
    func searchContacts(_ text: String, prefix: Bool, limit: Int) async throws -> [ContactRow]

    /// Whether the database takes a write now (a readiness probe).
    func probeWritable() async throws
    /// The bytes the store takes on disk: its file and its write-ahead log (nil where that means nothing).
    func storageBytes() async throws -> (database: Int64, wal: Int64)?
}

extension ReportingStore {
    public func storageBytes() async throws -> (database: Int64, wal: Int64)? { nil }

    /// A contact's whole story, oldest request first (`show`): the ledger rows of every batch that carried it.
    public func timeline(contactKey: String) async throws -> [(ContactRow, [LedgerEntry])] {
        try await timeline(contactKey: contactKey, before: nil, limit: Int.max).map { ($0.0, $0.1.reversed()) }
    }
}
