import Foundation
import JourneyQueue
import Testing

@testable import JourneyQueuePostgres
@testable import JourneyQueueSQLite

@Suite struct EnqueueTests {
    @Test(arguments: Engine.allCases) func enqueuesAndDedupesLiveContacts(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let first = try await fixture.enqueue(["a", "b", "a"])
        #expect(first == EnqueueSummary(enqueued: 2, duplicates: 1))
        let second = try await fixture.enqueue(["b", "c"])
        #expect(second == EnqueueSummary(enqueued: 1, duplicates: 1))
        #expect(try await fixture.states() == ["a": .queued, "b": .queued, "c": .queued])
        // The same key at another destination is another contact.
        #expect(try await fixture.enqueue(["a"], destination: "other") == EnqueueSummary(enqueued: 1))
    }

    @Test(arguments: Engine.allCases) func aContactInAFinalStateMayBeEnqueuedAgain(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["a"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.settle(
            batch.lease, result: nil, outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .dead(reason: "test"))])
        #expect(try await fixture.enqueue(["a"]) == EnqueueSummary(enqueued: 1))
    }

    /// A producer that pauses mid-way (a slow pipe, a slow upload) holds up no other write: SQLite gathers the records
    /// before it takes its one writer, PostgreSQL's transaction locks only the rows it inserts.
    @Test(arguments: Engine.allCases) func aPausedProducerHoldsUpNoOtherWrite(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.enqueue(["seed"])
        let paused = PausedRecords(first: ContactRecord(key: "a", data: []), rest: [ContactRecord(key: "b", data: [])])
        let store = fixture.store
        async let enqueued = store.enqueue(destination: "dest", idempotency: nil, records: paused)
        await paused.waitUntilPaused()
        // While the producer waits, another writer claims and settles, and a pause is set: none waits for the enqueue.
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.settle(
            batch.lease, result: nil, outcomes: batch.contacts.map { Settlement(contactID: $0.id, outcome: .confirmed) })
        try await fixture.store.setPause(destination: "dest", paused: true, until: nil, reason: "test")
        #expect(try await fixture.states() == ["seed": .confirmed])
        paused.resume()
        #expect(try await enqueued == EnqueueSummary(enqueued: 2))
        #expect(try await fixture.states() == ["seed": .confirmed, "a": .queued, "b": .queued])
    }

    /// A stream (a pipe, stdin) is read whole before the transaction, and its records keep their own schedule (a piped
    /// `notBefore` once went missing on the way).
    @Test(arguments: Engine.allCases) func aPipedRecordKeepsItsLimits(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let pipe = Pipe()
        let line = "{\"contactKey\":\"a\",\"notBefore\":\"2027-04-01T08:00:00Z\",\"notAfter\":\"2027-04-02T08:00:00Z\"}\n"
        try pipe.fileHandleForWriting.write(contentsOf: Data(line.utf8))
        try pipe.fileHandleForWriting.close()
        let reader = RecordReader(fd: pipe.fileHandleForReading.fileDescriptor, of: pipe, name: "pipe", format: .ndjson)
        #expect(try reader.isStream())
        #expect(try await Enqueuer(store: fixture.store).run(destination: "dest", reader: reader).enqueued == 1)
        #expect(try await fixture.column("not_before", key: "a") == 1_806_566_400_000)
        #expect(try await fixture.column("not_after", key: "a") == 1_806_652_800_000)
    }

    @Test(arguments: Engine.allCases) func aFailingProducerWritesNothing(engine: Engine) async throws {
        struct Boom: Error {}
        let fixture = try await StoreFixture(engine)
        await #expect(throws: Boom.self) {
            _ = try await fixture.store.enqueue(destination: "dest") { sink in
                sink.add(ContactRecord(key: "a", data: []))
                throw Boom()
            }
        }
        #expect(try await fixture.states().isEmpty)
        #expect(try await fixture.store.counts().isEmpty)
    }

    @Test(arguments: Engine.allCases) func anInvalidRecordInTheFileEnqueuesNothing(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let file = fixture.directory.appendingPathComponent("in.ndjson").path
        try Data("{\"contactKey\":\"a\"}\n{\"contactKey\":\"\"}\n{\"contactKey\":\"c\"}\n".utf8).write(to: URL(fileURLWithPath: file))
        let enqueuer = Enqueuer(store: fixture.store)
        do {
            _ = try await enqueuer.run(destination: "dest", reader: RecordReader(path: file, format: .ndjson))
            Issue.record("expected the file to be rejected")
        } catch let rejected as Enqueuer.Rejected {
            #expect(rejected.total == 1)
            #expect(rejected.errors.map(\.description) == ["\(file):2: field 'contactKey': must not be empty"])
        }
        #expect(try await fixture.states().isEmpty)
        // With a reject sink the valid records go in and the bad one is handed over.
        var rejected: [(String, InputError)] = []
        let summary = try await enqueuer.run(destination: "dest", reader: RecordReader(path: file, format: .ndjson)) {
            rejected.append(($0, $1))
        }
        #expect(summary == EnqueueSummary(enqueued: 2, duplicates: 0, rejected: 1))
        #expect(rejected.map(\.0) == ["{\"contactKey\":\"\"}"])
        #expect(try await fixture.states() == ["a": .queued, "c": .queued])
    }

    @Test(arguments: Engine.allCases) func aDatabaseFromANewerJourneyqIsRefused(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        let table = engine == .sqlite ? "grdb_migrations" : "journeyq_migration"
        _ = try await fixture.rows("INSERT INTO \(table)(identifier) VALUES ('9999_from_the_future')")
        let printable =
            engine == .sqlite ? fixture.location : PostgresLocation.redact(try PostgresLocation(url: fixture.location).description)
        await #expect(throws: StoreError.databaseTooNew(path: printable, unknownMigrations: ["9999_from_the_future"])) {
            _ = try await fixture.secondStore()
        }
    }

    @Test func embeddedPostgresMigrationsEqualTheFiles() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("migrations/postgres")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == embeddedPostgresMigrations.map(\.identifier))
        for (file, migration) in zip(files, embeddedPostgresMigrations) {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(text == migration.sql + "\n", "\(file) differs from the embedded copy: run scripts/embed-migrations")
        }
    }
}

/// An ingest's `Idempotency-Key` is kept for the retention's age, then forgotten: the same key enqueues again.
@Suite struct IdempotencyExpiryTests {
    @Test(arguments: Engine.allCases) func retentionForgetsIdempotencyKeysOlderThanTheirAge(engine: Engine) async throws {
        let fixture = try await StoreFixture(engine)
        func ingest(_ key: String, contact: String) async throws -> Int {
            try await fixture.store.enqueue(
                destination: "dest", idempotency: IdempotencyRecord(key: key) { "{\"enqueued\":\($0.enqueued)}" }
            ) {
                sink in
                sink.add(ContactRecord(key: contact, data: []))
            }.enqueued
        }
        await #expect(try ingest("old", contact: "a") == 1)
        fixture.clock.advance(by: 3_600_000)
        await #expect(try ingest("new", contact: "b") == 1)
        let cutoff = fixture.clock.nowMillis() - 1_800_000
        // Ledger and contacts kept: only the keys' age is given.
        let pruned = try await fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: nil, idempotencyBefore: cutoff, limit: 100)
        #expect(pruned.idempotencyKeys == 1)
        #expect(try await fixture.store.idempotentResponse(destination: "dest", key: "old") == nil)
        #expect(try await fixture.store.idempotentResponse(destination: "dest", key: "new") == "{\"enqueued\":1}")
        await #expect(
            try fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: nil, idempotencyBefore: cutoff, limit: 100).idempotencyKeys == 0)
        #expect(try await fixture.store.counts().first { $0.name == "dest" }?.total == 2, "no contact goes with its key")
    }
}

/// Records that hand out their first one and then wait, until `resume()`, before the rest: a producer paused mid-way.
final class PausedRecords: AsyncSequence, @unchecked Sendable {
    typealias Element = ContactRecord
    private let lock = NSLock()
    private var pausedWaiter: CheckedContinuation<Void, Never>?
    private var resumeWaiter: CheckedContinuation<Void, Never>?
    private var isPaused = false
    private var isResumed = false
    let first: ContactRecord
    let rest: [ContactRecord]

    init(first: ContactRecord, rest: [ContactRecord]) {
        self.first = first
        self.rest = rest
    }

    /// Returns once the producer handed out its first record and waits.
    func waitUntilPaused() async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock { () -> Bool in
                if isPaused { return true }
                pausedWaiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Lets the producer go on.
    func resume() {
        let waiter = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            isResumed = true
            defer { resumeWaiter = nil }
            return resumeWaiter
        }
        waiter?.resume()
    }

    fileprivate func pause() async {
        await withCheckedContinuation { continuation in
            let (paused, goOn) = lock.withLock { () -> (CheckedContinuation<Void, Never>?, Bool) in
                isPaused = true
                defer { pausedWaiter = nil }
                if !isResumed { resumeWaiter = continuation }
                return (pausedWaiter, isResumed)
            }
            paused?.resume()
            if goOn { continuation.resume() }
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(records: self) }

    struct Iterator: AsyncIteratorProtocol {
        let records: PausedRecords
        var index = -1

        mutating func next() async -> ContactRecord? {
            index += 1
            if index == 0 { return records.first }
            if index == 1 { await records.pause() }
            return index - 1 < records.rest.count ? records.rest[index - 1] : nil
        }
    }
}
