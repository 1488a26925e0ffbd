/// Records built in memory (a test, a demo, a small import in code), as the async sequence an enqueue reads.
public struct RecordList: AsyncSequence, Sendable {
    public typealias Element = ContactRecord
    public private(set) var records: [ContactRecord]

    public init(_ records: [ContactRecord] = []) {
        self.records = records
    }

    /// Adds one record at the end.
    public mutating func add(_ record: ContactRecord) {
        records.append(record)
    }

    public func makeAsyncIterator() -> Iterator { Iterator(base: records.makeIterator()) }

    /// Hands out the records in order.
    public struct Iterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[ContactRecord]>
        public mutating func next() async -> ContactRecord? { base.next() }
    }
}

extension QueueStore {
    /// Enqueues the records `build` adds, all or nothing (see `enqueue(destination:idempotency:records:)`).
    @discardableResult
    public func enqueue(destination: String, idempotency: IdempotencyRecord? = nil, _ build: (inout RecordList) throws -> Void)
        async throws -> EnqueueSummary
    {
        var list = RecordList()
        try build(&list)
        return try await enqueue(destination: destination, idempotency: idempotency, records: list)
    }
}
