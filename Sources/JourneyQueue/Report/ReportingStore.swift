public protocol ReportingStore: Sendable {
    /// Full reports, for one destination or all, counting contacts enqueued (and requests made) since `since` (epoch ms).
    func reports(destination: String?, since: Int64?) async throws -> [DestinationReport]
    /// Contacts by destination name and enqueue order, optionally one destination and one state; `body` is called per row, in
    /// pages of short read transactions, so that large exports stream and a slow reader never holds the WAL open.
    func eachContact(destination: String?, state: ContactState?, since: Int64?, _ body: (ContactRow) throws -> Void) throws
    /// A contact's rows (one per destination) and every ledger row of the batches it was in.
    func timeline(contactKey: String) async throws -> [(ContactRow, [LedgerEntry])]
    /// Moves dead contacts back to `queued` (attempts reset); only those whose reason contains `reason`, if given.
    /// A contact whose last request may have been taken (ambiguous) becomes `unknown` instead: it is looked for
    /// before anything is sent again. A contact that is live again under the same key is skipped.
    /// Every redriven contact is looked for afresh before it is sent (its membership before the first request is asked
    /// again). A key with a newer confirmed or unverifiable row at the destination is skipped. Where the destination
    /// cannot be asked who entered (`lookable` false: Symplify), an ambiguous contact is queued as the operator chose and
    /// counted as a possible duplicate.
    func redrive(destination: String, reason: String?, lookable: Bool) async throws -> RedriveSummary
    /// Moves expired contacts back to `queued` with a new `notAfter` (nil: none), ready at once or at their
    /// `notBefore`. They were never sent, so nothing is in doubt; a key live again, or with a newer confirmed or
    /// unverifiable row, is skipped.
    func redriveExpired(destination: String, notAfter: Int64?) async throws -> RedriveSummary

    /// Dead letters of a destination in id order, those whose reason contains `reason`, after the id `after`
    /// (keyset paging: each page costs the same however deep).
    func deadLetters(destination: String, reason: String?, after: Int64?, limit: Int) async throws -> [DeadLetter]

    /// Contacts whose key is `text` (or starts with it, with `prefix`), across destinations, at most `limit`.
    func searchContacts(_ text: String, prefix: Bool, limit: Int) async throws -> [ContactRow]

    /// Whether the database takes a write now (a readiness probe).
    func probeWritable() async throws
    /// The bytes the store takes on disk: its file and its write-ahead log (nil where that means nothing).
    func storageBytes() -> (database: Int64, wal: Int64)?
}

extension ReportingStore {
    public func storageBytes() -> (database: Int64, wal: Int64)? { nil }
}
