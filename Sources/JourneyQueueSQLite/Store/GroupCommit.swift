import Foundation
import GRDB

/// Write transactions from concurrent callers committed together: one BEGIN, one COMMIT (and at most one fsync) for
/// every write that queued while the previous group was being written.
///
/// Why: a daemon's loops (8 submitters and the reconcilers by default) each make small write transactions, and SQLite
/// has one writer. Committed one by one, every transaction paid its own dispatch to the writer, BEGIN, COMMIT and WAL
/// frames for the pages they share (counters, index leaves, the batch table). Each write still runs in a savepoint of
/// its own, so a write that throws is undone alone and the caller gets its error, exactly as if it had had its own
/// transaction; the others commit. Nobody is answered before the group's commit returned, so a caller that was told
/// "written" can rely on it as before. Writes run in the order they arrived, each seeing the ones before it, which is
/// the order one-at-a-time transactions would have run them in.
final class GroupCommit: @unchecked Sendable {
    private let pool: DatabasePool
    private let lock = NSLock()
    private var pending: [any PendingWrite] = []
    private var scheduled = false
    private var running = 0
    private var stats = GroupCommitStats()

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `body` in a savepoint of the next group's transaction; returns its result once that transaction committed.
    /// `durable` makes the group's commit fsync the WAL (`synchronous = FULL`) before anyone in it is answered.
    func write<T: Sendable>(durable: Bool = false, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let write = Write(durable: durable, body: body, continuation: continuation)
            lock.lock()
            pending.append(write)
            let schedule = !scheduled
            scheduled = true
            lock.unlock()
            if schedule { scheduleGroup() }
        }
    }

    /// Writes handed in and not yet answered: the group being written and those waiting for the next.
    var unanswered: Int {
        lock.lock()
        defer { lock.unlock() }
        return running + pending.count
    }

    /// Groups committed and writes in them since the store opened.
    var statistics: GroupCommitStats {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    // One group per turn on GRDB's writer queue, then back to its end: the store's other writers (enqueue, prune,
    // recovery) are not kept waiting behind a stream of groups.
    private func scheduleGroup() {
        pool.asyncWriteWithoutTransaction { [self] db in
            lock.lock()
            let group = pending
            pending.removeAll(keepingCapacity: true)
            running = group.count
            lock.unlock()
            let failure = commit(group, db)
            lock.lock()
            running = 0
            stats.groups += 1
            stats.writes += group.count
            stats.largestGroup = max(stats.largestGroup, group.count)
            let again = !pending.isEmpty
            scheduled = again
            lock.unlock()
            for write in group { write.answer(commitFailure: failure) }
            if again { scheduleGroup() }
        }
    }

    /// Runs the group in one transaction; returns why it did not commit, if it did not.
    private func commit(_ group: [any PendingWrite], _ db: Database) -> (any Error)? {
        let durable = group.contains { $0.durable }
        var failure: (any Error)?
        do {
            if durable { try db.execute(sql: "PRAGMA synchronous = FULL") }
            // A statement that aborts the whole transaction (disk full, I/O error) makes every later savepoint and the
            // commit throw (GRDB checks for an aborted transaction), so nobody is told "written" for a lost write.
            try db.inTransaction(.immediate) {
                for write in group { write.run(db) }
                return .commit
            }
        } catch {
            failure = error
        }
        if durable { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
        return failure
    }
}

/// What `GroupCommit` did since the store opened: how many writes shared a commit.
struct GroupCommitStats: Sendable, Equatable {
    /// Transactions committed (or failed) by the group writer.
    var groups = 0
    /// Writes those transactions carried.
    var writes = 0
    /// The most writes one transaction carried.
    var largestGroup = 0
}

private protocol PendingWrite: AnyObject, Sendable {
    var durable: Bool { get }
    func run(_ db: Database)
    func answer(commitFailure: (any Error)?)
}

private final class Write<T: Sendable>: PendingWrite, @unchecked Sendable {
    let durable: Bool
    private let body: @Sendable (Database) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    // Touched only on GRDB's writer queue, between `run` and `answer`.
    private var result: Result<T, any Error>?

    init(durable: Bool, body: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.durable = durable
        self.body = body
        self.continuation = continuation
    }

    func run(_ db: Database) {
        do {
            var value: T?
            try db.inSavepoint {
                value = try body(db)
                return .commit
            }
            result = .success(value!)
        } catch {
            result = .failure(error)
        }
    }

    func answer(commitFailure: (any Error)?) {
        switch (result, commitFailure) {
        case (.failure(let error)?, _): continuation.resume(throwing: error)
        case (_, let failure?): continuation.resume(throwing: failure)
        case (.success(let value)?, nil): continuation.resume(returning: value)
        case (nil, nil): continuation.resume(throwing: DatabaseError(resultCode: .SQLITE_ABORT, message: "write not run"))
        }
    }
}
