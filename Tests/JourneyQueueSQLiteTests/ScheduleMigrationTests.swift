import Foundation
import GRDB
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

/// A queue made before send windows (schema v6) opens with this code: its contacts keep everything, and the contact
/// table takes the new final state `expired` (its CHECK is loosened in place, not by rebuilding the table).
@Suite struct ScheduleMigrationTests {
    @Test func aQueueFromBeforeWindowsTakesExpiredContacts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("old.sqlite").path
        do {
            let old = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(old, upTo: "0006_evidence")
            try await old.write { db in
                try db.execute(sql: "INSERT INTO destination(name, kind, created_at) VALUES ('dest', NULL, 0)")
                try db.execute(
                    sql: """
                        INSERT INTO contact(destination_id, contact_key, data, available_at, enqueued_at, updated_at, state)
                        VALUES (1, 'old-queued', '{}', 0, 0, 0, 0), (1, 'old-dead', '{}', 0, 0, 0, 7)
                        """)
                try db.execute(sql: "INSERT INTO contact_count(destination_id, state, n) VALUES (1, 0, 1), (1, 7, 1)")
                #expect(throws: DatabaseError.self, "the old schema refuses state 8") {
                    try db.execute(sql: "UPDATE contact SET state = 8 WHERE contact_key = 'old-dead'")
                }
            }
        }
        let clock = ManualClock()
        let store = try SQLiteQueueStore(path: path, clock: clock)
        let batch = try #require(try await store.claim(destination: "dest", limit: 10, leaseMillis: 1_000))
        #expect(batch.contacts.map(\.key) == ["old-queued"] && batch.contacts[0].notAfter == nil)
        try await store.prepareBatch(
            batch.lease, priorMembers: [], released: [Settlement(contactID: batch.contacts[0].id, outcome: .expired(reason: "x"))],
            releaseCountsAsLook: false)
        let counts = try #require(try await store.counts().first)
        #expect(counts.counts[.expired] == 1 && counts.counts[.dead] == 1 && counts.counts[.queued] == 0)
        let check = try await store.pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(check == ["ok"])
        let definition = try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'contact'")
        }
        #expect(definition?.contains("CHECK (state BETWEEN 0 AND 8)") == true)
    }
}
