import Foundation
import GRDB
import JourneyQueue

/// Why a backup was not written.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

extension SQLiteQueueStore {
    /// Writes a consistent copy of the database to `path` while others keep working (`VACUUM INTO`, one read
    /// transaction: writers go on, the copy is the database as of its start). The copy is created 0600 under a temporary
    /// name beside `path` and renamed into place, so that `path` is either absent or whole. Refuses an existing `path`.
    public func backup(to path: String) throws -> Int64 {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            throw BackupError(
                path: path,
                reason: isDirectory.boolValue ? "is a directory; name the backup file" : "exists; journeyq does not overwrite a backup")
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).partial")
            .path
        // Personal data: the file exists (empty, 0600) before SQLite writes a byte into it.
        guard manager.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw BackupError(path: path, reason: "cannot create a file in \(url.deletingLastPathComponent().path)")
        }
        do {
            // VACUUM INTO opens its own read transaction: it may not run inside one.
            try pool.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [temporary]) }
            guard rename(temporary, path) == 0 else { throw BackupError(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            try? manager.removeItem(atPath: temporary)
            if let failure = error as? BackupError { throw failure }
            throw BackupError(path: path, reason: "\(error)")
        }
        return (try? manager.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
    }
}

extension SQLiteQueueStore {
    /// The database file's size and its WAL's, for `/metrics` (the WAL must level off, never grow with the queue).
    public func storageBytes() async throws -> (database: Int64, wal: Int64)? {
        func size(_ file: String) -> Int64 { (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? 0 }
        return (size(path), size(path + "-wal"))
    }
}
