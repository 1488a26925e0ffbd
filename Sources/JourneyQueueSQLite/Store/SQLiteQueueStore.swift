import Foundation
import GRDB
import JourneyQueue

/// The queue on one SQLite file (WAL, through a GRDB `DatabasePool`).
///
/// One instance per file per process; several processes may share the file. Every public method is one read, or one
/// write that is all-or-nothing: its own IMMEDIATE transaction, or a savepoint in a group commit (`GroupCommit`) for
/// the daemon's frequent writes.
public final class SQLiteQueueStore: JourneyStore {
    /// The file's path.
    public let path: String
    let pool: DatabasePool
    /// The daemon's writes, committed in groups (see `GroupCommit`).
    let writes: GroupCommit
    let clock: any WallClock
    /// Whether the write-ahead record is fsynced (`synchronous = FULL` for its transaction). Only `scripts/bench` turns
    /// it off, to measure what it costs.
    public let durableWriteAhead: Bool
    /// Whether ledger bodies past a few hundred bytes are stored compressed. Only `scripts/bench` turns it off, to
    /// measure what it saves and what it costs on the path before a request leaves.
    public let compressLedger: Bool

    /// Opens or creates the database at `path`, migrating it; refuses a database written by a newer journeyq.
    /// `profile`, when given, collects SQLite's time per statement on every connection.
    /// A queue that `journeyq copy` moved to PostgreSQL is refused (`StoreError.queueMoved`) unless `allowMoved`: a
    /// command that only reads, or one that reopens the file on purpose.
    public init(
        path: String, clock: any WallClock = SystemClock(), busyTimeout: TimeInterval = 30, durableWriteAhead: Bool = true,
        compressLedger: Bool = true, profile: StatementProfile? = nil, allowMoved: Bool = false
    ) throws {
        self.path = path
        self.durableWriteAhead = durableWriteAhead
        self.compressLedger = compressLedger
        self.clock = clock
        self.pool = try DatabaseOpener.open(path: path, busyTimeout: busyTimeout, profile: profile)
        self.writes = GroupCommit(pool: pool)
        if !allowMoved, let moved = try movedTo() { throw StoreError.queueMoved(path: path, to: moved.url, at: moved.at) }
    }

    /// Where `journeyq copy` moved this queue, and when; nil while it is this file's.
    public func movedTo() throws -> (url: String, at: Int64)? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT to_url, moved_at FROM queue_moved WHERE id = 1").map { (url: $0[0], at: $0[1]) }
        }
    }

    /// Marks the queue as moved to `url` (printable: no password); every later open that may write refuses it.
    public func markMoved(to url: String, at: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO queue_moved(id, to_url, moved_at) VALUES (1, ?, ?)", arguments: [url, at])
        }
    }

    /// Makes the file a queue of its own again (the operator's explicit `--reopen-moved`).
    public func clearMoved() async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM queue_moved") }
    }

    public func ensureDestination(name: String, kind: String?, settleMillis: Int64? = nil) async throws -> Int64 {
        try await writes.write { [self] db in
            let id = try Self.destinationID(db, name: name, kind: kind, now: clock.nowMillis())
            if let settleMillis { try db.execute(sql: "UPDATE destination SET settle_ms = ? WHERE id = ?", arguments: [settleMillis, id]) }
            return id
        }
    }

    static func destinationID(_ db: Database, name: String, kind: String?, now: Int64) throws -> Int64 {
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, kind FROM destination WHERE name = ?"), arguments: [name]) {
            let id: Int64 = row["id"]
            if let kind, (row["kind"] as String?) != kind {
                try db.execute(sql: "UPDATE destination SET kind = ? WHERE id = ?", arguments: [kind, id])
            }
            return id
        }
        try db.execute(sql: "INSERT INTO destination(name, kind, created_at) VALUES (?, ?, ?)", arguments: [name, kind, now])
        return db.lastInsertedRowID
    }

    static func existingDestinationID(_ db: Database, name: String) throws -> Int64 {
        if AskedText.namesNothing(name) { throw StoreError.unknownDestination(name) }
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM destination WHERE name = ?", arguments: [name]) else {
            throw StoreError.unknownDestination(name)
        }
        return id
    }

    /// Runs `PRAGMA integrity_check`; returns "ok" for a sound file.
    public func integrityCheck() async throws -> String {
        try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    public var locationDescription: String { path }

    /// A passive checkpoint (the daemon's periodic call).
    public func checkpoint() async throws { try await checkpoint(passive: true) }

    /// Checkpoints the WAL into the database file so that it does not grow under long readers:
    /// PASSIVE never waits for readers (the daemon's periodic call); TRUNCATE also shrinks the file.
    public func checkpoint(passive: Bool = false) async throws {
        try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(passive ? .passive : .truncate) }
    }
}
