import Foundation
import JourneyQueue
import Testing

@testable import JourneyQueueSQLite

@Suite struct BackupTests {
    @Test func aBackupIsConsistentPrivateAndNeverOverwrites() async throws {
        let fixture = try StoreFixture()
        try await fixture.enqueue(fixture.keys(2_000))
        let writer = try fixture.secondStore()
        // Another connection keeps writing while the copy is made.
        let writing = Task.detached {
            for round in 0..<50 {
                _ = try await writer.enqueue(destination: "dest") { sink in
                    for index in 0..<100 { sink.add(ContactRecord(key: "w\(round)-\(index)", data: [])) }
                }
            }
        }
        let target = fixture.directory.appendingPathComponent("backup.sqlite").path
        let bytes = try fixture.store.backup(to: target)
        try await writing.value
        #expect(bytes > 0)
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let copy = try SQLiteQueueStore(path: target)
        await #expect(try copy.integrityCheck() == "ok")
        let copied = try await copy.counts().first?.counts.values.reduce(0, +) ?? 0
        // A snapshot: the first 2,000 and whole rounds of the writer's enqueues, never part of one.
        #expect(copied >= 2_000 && copied <= 7_000 && copied % 100 == 0)
        #expect(throws: BackupError.self) { _ = try fixture.store.backup(to: target) }
        #expect(throws: BackupError.self) { _ = try fixture.store.backup(to: fixture.directory.path) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path).filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty)
    }
}
