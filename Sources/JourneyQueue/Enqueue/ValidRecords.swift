import Synchronization

/// What an enqueue counted while its records were read: shared with the idempotency answer, made in the store's
/// transaction.
final class EnqueueTally: Sendable {
    private let counts = Mutex((invalid: 0, withoutZone: 0))

    var invalid: Int { counts.withLock { $0.invalid } }
    var withoutZone: Int { counts.withLock { $0.withoutZone } }

    func countInvalid() { counts.withLock { $0.invalid += 1 } }
    func countWithoutZone() { counts.withLock { $0.withoutZone += 1 } }
}

/// A producer file's valid records, as the store reads them: invalid ones go to the reject sink, or are collected and
/// end the sequence with `Enqueuer.Rejected` (so that the store writes nothing); past `maxRecords` it ends with
/// `Enqueuer.TooManyRecords`.
struct ValidRecords: AsyncSequence {
    typealias Element = ContactRecord
    let outcomes: ReadOutcomes
    let enqueuer: Enqueuer
    let file: String
    let reject: ((String, InputError) throws -> Void)?
    let tally: EnqueueTally
    let progressEvery: Int
    let progress: ((Int) -> Void)?

    func makeAsyncIterator() -> Iterator { Iterator(records: self, base: outcomes.makeAsyncIterator()) }

    struct Iterator: AsyncIteratorProtocol {
        let records: ValidRecords
        var base: ReadOutcomes.Iterator
        var read = 0
        /// Invalid records so far (the tally holds the same count for the idempotency answer).
        var invalid = 0
        var errors: [InputError] = []

        mutating func next() async throws -> ContactRecord? {
            let enqueuer = records.enqueuer
            while let original = try await base.next() {
                read += 1
                if let maxRecords = enqueuer.maxRecords, read > maxRecords { throw Enqueuer.TooManyRecords(limit: maxRecords) }
                if read % records.progressEvery == 0 { records.progress?(read) }
                switch enqueuer.scheduled(original, file: records.file) {
                case .record(let record, _):
                    if let window = enqueuer.sendWindow, window.zone(forData: record.dataJSON).defaulted {
                        records.tally.countWithoutZone()
                    }
                    // Once a record was invalid without a reject sink, the rest is only read for its errors.
                    if invalid == 0 || records.reject != nil { return record }
                case .invalid(let error, let raw):
                    invalid += 1
                    records.tally.countInvalid()
                    if let reject = records.reject {
                        try reject(raw, error)
                    } else if errors.count < enqueuer.maxReportedErrors {
                        errors.append(error)
                    }
                }
            }
            if invalid > 0 && records.reject == nil { throw Enqueuer.Rejected(errors: errors, total: invalid) }
            return nil
        }
    }
}
