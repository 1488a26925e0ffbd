import Foundation
import GRDB
import JourneyQueue
import Testing
@testable import JourneyQueueSQLite

@Suite struct EnqueueTests {
    @Test func enqueuesAndDedupesLiveContacts() throws {
        let fixture = try StoreFixture()
        let first = try fixture.enqueue(["a", "b", "a"])
        #expect(first == EnqueueSummary(enqueued: 2, duplicates: 1))
        let second = try fixture.enqueue(["b", "c"])
        #expect(second == EnqueueSummary(enqueued: 1, duplicates: 1))
        #expect(try fixture.states() == ["a": .queued, "b": .queued, "c": .queued])
        // The same key at another destination is another contact.
        #expect(try fixture.enqueue(["a"], destination: "other") == EnqueueSummary(enqueued: 1))
    }

    @Test func aContactInAFinalStateMayBeEnqueuedAgain() async throws {
        let fixture = try StoreFixture()
        try fixture.enqueue(["a"])
        let batch = try #require(try await fixture.store.claim(destination: "dest", limit: 10, leaseMillis: 60_000))
        try await fixture.store.settle(batch.lease, result: nil, outcomes: [Settlement(contactID: batch.contacts[0].id, outcome: .dead(reason: "test"))])
        #expect(try fixture.enqueue(["a"]) == EnqueueSummary(enqueued: 1))
    }

    @Test func aFailingProducerWritesNothing() async throws {
        struct Boom: Error {}
        let fixture = try StoreFixture()
        #expect(throws: Boom.self) {
            _ = try fixture.store.enqueue(destination: "dest") { sink in
                try sink.add(ContactRecord(key: "a", data: []))
                throw Boom()
            }
        }
        #expect(try fixture.states().isEmpty)
        #expect(try await fixture.store.counts().isEmpty)
    }

    @Test func anInvalidRecordInTheFileEnqueuesNothing() throws {
        let fixture = try StoreFixture()
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

    @Test func theFileIsReadableByItsOwnerOnly() throws {
        let fixture = try StoreFixture()
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func aDatabaseFromANewerJourneyqIsRefused() throws {
        let fixture = try StoreFixture()
        try fixture.store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('9999_from_the_future')")
        }
        #expect(throws: StoreError.databaseTooNew(path: fixture.path, unknownMigrations: ["9999_from_the_future"])) {
            _ = try fixture.secondStore()
        }
    }

    @Test func embeddedMigrationsEqualTheFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == embeddedMigrations.map(\.identifier))
        for (file, migration) in zip(files, embeddedMigrations) {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(text == migration.sql + "\n", "\(file) differs from the embedded copy: run scripts/embed-migrations")
        }
    }
}
