import Foundation

@testable import JourneyQueueSQLite

/// Another process's write transaction, held from a thread of its own until `release()`.
final class LockHolder: @unchecked Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(_ store: SQLiteQueueStore) throws {
        let locked = DispatchSemaphore(value: 0)
        let thread = Thread { [released, done] in
            try? store.pool.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.signal()
                released.wait()
                try db.execute(sql: "COMMIT")
            }
            done.signal()
        }
        thread.start()
        locked.wait()
    }

    func release() {
        released.signal()
        done.wait()
    }
}
