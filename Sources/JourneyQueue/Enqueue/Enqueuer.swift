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
    ) throws -> EnqueueSummary {
        var errors: [InputError] = []
        var invalid = 0
        var read = 0
        var withoutZone = 0
        func each(_ add: (ContactRecord) throws -> Void) throws {
            try reader.forEach { original in
                read += 1
                if let maxRecords, read > maxRecords { throw TooManyRecords(limit: maxRecords) }
                if read % progressEvery == 0 { progress?(read) }
                let outcome = scheduled(original, file: reader.displayName)
                switch outcome {
                case .record(let record, _):
                    if let sendWindow, sendWindow.zone(forData: record.dataJSON).defaulted { withoutZone += 1 }
                    if invalid == 0 || reject != nil { try add(record) }
                case .invalid(let error, let raw):
                    invalid += 1
                    if let reject {
                        try reject(raw, error)
                    } else if errors.count < maxReportedErrors {
                        errors.append(error)
                    }
                }
            }
            if invalid > 0 && reject == nil { throw Rejected(errors: errors, total: invalid) }
        }
        func write(_ produce: (inout any EnqueueSink) throws -> Void) throws -> EnqueueSummary {
            guard let idempotency else { return try store.enqueue(destination: destination, produce) }
            return try store.enqueue(
                destination: destination,
                idempotency: IdempotencyRecord(key: idempotency.key) { summary in
                    var complete = summary
                    complete.rejected = invalid
                    return idempotency.response(complete)
                }, produce)
        }
        var summary: EnqueueSummary
        if try reader.isStream() {
            // A pipe may pause for as long as its producer likes: read and validate all of it before the transaction.
            let spool = try RecordSpool()
            try each { try spool.append($0) }
            summary = try write { sink in try spool.replay { try sink.add($0) } }
        } else {
            summary = try write { sink in try each { try sink.add($0) } }
        }
        summary.rejected = invalid
        summary.withoutZone = sendWindow?.zoneField == nil ? nil : withoutZone
        return summary
    }

    /// The record with the run's `notBefore`/`notAfter` where it has none of its own; invalid when they disagree.
    private func scheduled(_ outcome: ReadOutcome, file: String) -> ReadOutcome {
        guard case .record(var record, let line) = outcome, notBefore != nil || notAfter != nil else { return outcome }
        do {
            try RecordValidator.schedule(&record, notBefore: record.notBefore ?? notBefore, notAfter: record.notAfter ?? notAfter)
        } catch {
            return .invalid(InputError(file: file, line: line, field: error.field, rule: error.rule), raw: record.dataJSON)
        }
        return .record(record, line: line)
    }
}
