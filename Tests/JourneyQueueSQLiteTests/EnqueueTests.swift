import Foundation
import GRDB
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

@Suite struct SQLiteFileTests {
    @Test func theFileIsReadableByItsOwnerOnly() async throws {
        let fixture = try StoreFixture()
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func aDatabaseFromANewerJourneyqIsRefused() async throws {
        let fixture = try StoreFixture()
        try await fixture.store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('9999_from_the_future')")
        }
        #expect(throws: StoreError.databaseTooNew(path: fixture.path, unknownMigrations: ["9999_from_the_future"])) {
            _ = try fixture.secondStore()
        }
    }

    @Test func embeddedMigrationsEqualTheFiles() async throws {
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
