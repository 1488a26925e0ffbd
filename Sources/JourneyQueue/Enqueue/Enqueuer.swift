/// Reads a producer file into the queue in one transaction: all of it, or (with a reject sink) all
/// of its valid records, or nothing.
public struct Enqueuer {
    /// The input had invalid records and no reject sink was given: nothing was enqueued.
    public struct Rejected: Error, Sendable {
        /// The first errors, in input order.
        public var errors: [InputError]
        /// How many records were invalid in all.
        public var total: Int
    }

    /// The input held more than `maxRecords` records: nothing was enqueued.
    public struct TooManyRecords: Error, Sendable {
        public var limit: Int
    }

    public let store: any QueueStore
    /// Records at most (valid or not); past it the run fails with `TooManyRecords` and nothing is enqueued.
    public var maxRecords: Int?
    /// At most this many errors are kept for the message.
    public var maxReportedErrors = 20
    /// `notBefore` for records that do not carry their own (epoch milliseconds).
    public var notBefore: Int64?
    /// `notAfter` for records that do not carry their own (epoch milliseconds).
    public var notAfter: Int64?
    /// The destination's send window, when the caller knows it: records without a usable zone are counted.
    public var sendWindow: SendWindow?

    public init(store: any QueueStore) {
        self.store = store
    }

    /// Enqueues every record of `reader` for `destination`.
    /// - Parameters:
    ///   - reject: when given, invalid records go here (raw text, error) and the valid ones are enqueued.
    ///   - progress: called every `progressEvery` records with the number read so far.
    ///   - idempotency: recorded with the enqueue in one transaction (the HTTP API's `Idempotency-Key`).
    public func run(
        destination: String,
        reader: RecordReader,
        reject: ((String, InputError) throws -> Void)? = nil,
        idempotency: IdempotencyRecord? = nil,
        progressEvery: Int = 50_000,
        progress: ((Int) -> Void)? = nil
    ) async throws -> EnqueueSummary {
        let tally = EnqueueTally()
        let records = ValidRecords(
            outcomes: reader.outcomes(), enqueuer: self, file: reader.displayName, reject: reject, tally: tally,
            progressEvery: progressEvery, progress: progress)
        // The stored answer counts the rejected records too: they are all read by the time it is made.
        let stored = idempotency.map { given in
            IdempotencyRecord(key: given.key) { summary in
                var complete = summary
                complete.rejected = tally.invalid
                return given.response(complete)
            }
        }
        var summary: EnqueueSummary
        if try reader.isStream() {
            // A pipe may pause for as long as its producer likes: read and validate all of it before the transaction.
            let spool = RecordSpool()
            for try await record in records { try spool.append(record) }
            summary = try await store.enqueue(destination: destination, idempotency: stored, records: spool)
        } else {
            summary = try await store.enqueue(destination: destination, idempotency: stored, records: records)
        }
        summary.rejected = tally.invalid
        summary.withoutZone = sendWindow?.zoneField == nil ? nil : tally.withoutZone
        return summary
    }

    /// The record with the run's `notBefore`/`notAfter` where it has none of its own; invalid when they disagree.
    func scheduled(_ outcome: ReadOutcome, file: String) -> ReadOutcome {
        guard case .record(var record, let line) = outcome, notBefore != nil || notAfter != nil else { return outcome }
        do {
            try RecordValidator.schedule(&record, notBefore: record.notBefore ?? notBefore, notAfter: record.notAfter ?? notAfter)
        } catch {
            return .invalid(InputError(file: file, line: line, field: error.field, rule: error.rule), raw: record.dataJSON)
        }
        return .record(record, line: line)
    }
}
