import Foundation
import JourneyQueue
import Testing

@testable import JourneyQueuePostgres
@testable import JourneyQueueSQLite

@Suite struct EnqueueTests {
    @Test(arguments: Engine.allCases) func enqueuesAndDedupesLiveContacts(engine: Engine) throws {
        let fixture = try StoreFixture(engine)
        let first = try fixture.enqueue(["a", "b", "a"])
        #expect(first == EnqueueSummary(enqueued: 2, duplicates: 1))
        let second = try fixture.enqueue(["b", "c"])
        #expect(second == EnqueueSummary(enqueued: 1, duplicates: 1))
        #expect(try fixture.states() == ["a": .queued, "b": .queued, "c": .queued])
        // The same key at another destination is another contact.
        #expect(try fixture.enqueue(["a"], destination: "other") == EnqueueSummary(enqueued: 1))
    }

    @Test(arguments: Engine.allCases) func aContactInAFinalStateMayBeEnqueuedAgain(engine: Engine) async throws {
        let fixture = try StoreFixture(engine)
        try fixture.enqueue(["a"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.settle(
            batch.lease, result: nil, outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .dead(reason: "test"))])
        #expect(try fixture.enqueue(["a"]) == EnqueueSummary(enqueued: 1))
    }

    /// Enqueues on PostgreSQL hold a connection of their own for the whole transaction; a burst of them (a server's
    /// ingests) shares a bounded set instead of opening one each.
    @Test func postgresEnqueuesShareABoundedSetOfConnections() async throws {
        let fixture = try StoreFixture(.postgres)
        let store = try #require(fixture.store as? PostgresQueueStore)
        let capacity = store.dedicated.capacity
        // The destination exists first: concurrent transactions that each created it would wait on its unique name.
        try fixture.enqueue(["seed"])
        let gate = ProducerGate()
        let done = DispatchGroup()
        for index in 0..<(capacity + 2) {
            DispatchQueue.global().async(group: done) {
                _ = try? store.enqueue(destination: "dest") { sink in
                    gate.enter()
                    defer { gate.leave() }
                    try sink.add(ContactRecord(key: "k\(index)", data: []))
                }
            }
        }
        // Each time the bounded set is full, one producer is let go; the next waits for its connection.
        for released in 0..<(capacity + 2) {
            let expected = min(capacity, capacity + 2 - released)
            #expect(try await waitFor(seconds: 180) { gate.inside >= expected })
            gate.releaseOne()
        }
        #expect(await withCheckedContinuation { continuation in done.notify(queue: .global()) { continuation.resume(returning: true) } })
        #expect(gate.most == capacity, "at most \(capacity) enqueues held a connection at once; seen \(gate.most)")
        #expect(try fixture.states().count == capacity + 3)
    }

    @Test(arguments: Engine.allCases) func aFailingProducerWritesNothing(engine: Engine) async throws {
        struct Boom: Error {}
        let fixture = try StoreFixture(engine)
        #expect(throws: Boom.self) {
            _ = try fixture.store.enqueue(destination: "dest") { sink in
                try sink.add(ContactRecord(key: "a", data: []))
                throw Boom()
            }
        }
        #expect(try fixture.states().isEmpty)
        #expect(try await fixture.store.counts().isEmpty)
    }

    @Test(arguments: Engine.allCases) func anInvalidRecordInTheFileEnqueuesNothing(engine: Engine) throws {
        let fixture = try StoreFixture(engine)
        let file = fixture.directory.appendingPathComponent("in.ndjson").path
        try Data("{\"contactKey\":\"a\"}\n{\"contactKey\":\"\"}\n{\"contactKey\":\"c\"}\n".utf8).write(to: URL(fileURLWithPath: file))
        let enqueuer = Enqueuer(store: fixture.store)
        do {
            _ = try enqueuer.run(destination: "dest", reader: RecordReader(path: file, format: .ndjson))
            Issue.record("expected the file to be rejected")
        } catch let rejected as Enqueuer.Rejected {
            #expect(rejected.total == 1)
            #expect(rejected.errors.map(\.description) == ["\(file):2: field 'contactKey': must not be empty"])
        }
        #expect(try fixture.states().isEmpty)
        // With a reject sink the valid records go in and the bad one is handed over.
        var rejected: [(String, InputError)] = []
        let summary = try enqueuer.run(destination: "dest", reader: RecordReader(path: file, format: .ndjson)) { rejected.append(($0, $1)) }
        #expect(summary == EnqueueSummary(enqueued: 2, duplicates: 0, rejected: 1))
        #expect(rejected.map(\.0) == ["{\"contactKey\":\"\"}"])
        #expect(try fixture.states() == ["a": .queued, "c": .queued])
    }

    @Test(arguments: Engine.allCases) func aDatabaseFromANewerJourneyqIsRefused(engine: Engine) throws {
        let fixture = try StoreFixture(engine)
        let table = engine == .sqlite ? "grdb_migrations" : "journeyq_migration"
        _ = try fixture.rows("INSERT INTO \(table)(identifier) VALUES ('9999_from_the_future')")
        let printable =
            engine == .sqlite ? fixture.location : PostgresLocation.redact(try PostgresLocation(url: fixture.location).description)
        #expect(throws: StoreError.databaseTooNew(path: printable, unknownMigrations: ["9999_from_the_future"])) {
            _ = try fixture.secondStore()
        }
    }

    @Test func embeddedPostgresMigrationsEqualTheFiles() throws {
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
        let fixture = try StoreFixture(engine)
        func ingest(_ key: String, contact: String) throws -> Int {
            try fixture.store.enqueue(destination: "dest", idempotency: IdempotencyRecord(key: key) { "{\"enqueued\":\($0.enqueued)}" }) {
                sink in
                try sink.add(ContactRecord(key: contact, data: []))
            }.enqueued
        }
        #expect(try ingest("old", contact: "a") == 1)
        fixture.clock.advance(by: 3_600_000)
        #expect(try ingest("new", contact: "b") == 1)
        let cutoff = fixture.clock.nowMillis() - 1_800_000
        // Ledger and contacts kept: only the keys' age is given.
        let pruned = try fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: nil, idempotencyBefore: cutoff, limit: 100)
        #expect(pruned.idempotencyKeys == 1)
        #expect(try await fixture.store.idempotentResponse(destination: "dest", key: "old") == nil)
        #expect(try await fixture.store.idempotentResponse(destination: "dest", key: "new") == "{\"enqueued\":1}")
        #expect(
            try fixture.store.pruneStep(contactsBefore: nil, ledgerBefore: nil, idempotencyBefore: cutoff, limit: 100).idempotencyKeys == 0)
        #expect(try await fixture.store.counts().first { $0.name == "dest" }?.total == 2, "no contact goes with its key")
    }
}

/// Producers that wait inside their enqueue until released one at a time, counting how many are inside at once.
final class ProducerGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var released = 0
    private var entered = 0
    private(set) var most = 0
    private var current = 0

    var inside: Int { condition.withLock { current } }

    func enter() {
        condition.withLock {
            current += 1
            most = max(most, current)
            entered += 1
            let ticket = entered
            while released < ticket { condition.wait() }
        }
    }

    func leave() { condition.withLock { current -= 1 } }

    func releaseOne() {
        condition.withLock {
            released += 1; condition.broadcast()
        }
    }
}

/// Polls `condition` until it holds or `seconds` pass.
private func waitFor(seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}
