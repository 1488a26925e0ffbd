import Foundation
import GRDB
import JourneyQueue

@testable import JourneyQueueSQLite

/// A store on a real SQLite file in a fresh temporary directory.
final class StoreFixture {
    let directory: URL
    let path: String
    let clock: ManualClock
    let store: SQLiteQueueStore

    init(clock: ManualClock = ManualClock()) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("queue.sqlite").path
        self.clock = clock
        store = try SQLiteQueueStore(path: path, clock: clock)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A second, independent connection pool on the same file, as another process would have.
    func secondStore() throws -> SQLiteQueueStore { try SQLiteQueueStore(path: path, clock: clock) }

    @discardableResult
    func enqueue(_ keys: [String], destination: String = "dest") async throws -> EnqueueSummary {
        try await store.enqueue(destination: destination) { sink in
            for key in keys { sink.add(ContactRecord(key: key, data: [Field("n", .number("1"))])) }
        }
    }

    func states(destination: String = "dest") throws -> [String: ContactState] {
        try store.pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.contact_key, c.state FROM contact c JOIN destination d ON d.id = c.destination_id WHERE d.name = ?
                    """, arguments: [destination])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0], ContactState(rawValue: $0[1])!) })
        }
    }

    func attempts(_ key: String) throws -> Int {
        try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT attempts FROM contact WHERE contact_key = ?", arguments: [key])! }
    }

    func keys(_ n: Int, prefix: String = "k") -> [String] { (0..<n).map { "\(prefix)\($0)" } }
}
