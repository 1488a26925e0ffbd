import Foundation

/// One private PostgreSQL server per test process (scripts/pg-private: initdb into a temporary directory, a unix socket
/// in it, no TCP port), started on first use and stopped when the process exits; every fixture gets a database of its
/// own on it.
public enum PrivatePostgres {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var started = false
    /// The server's directory; removed when the process exits.
    public static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-pg-\(getpid())").path

    /// The repository's scripts/pg-private.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/pg-private").path

    /// A URL of a new, empty database.
    public static func newDatabase() throws -> String {
        try lock.withLock {
            if !started {
                _ = try run("start")
                started = true
                atexit {
                    _ = try? PrivatePostgres.run("stop")
                    try? FileManager.default.removeItem(atPath: PrivatePostgres.directory)
                }
            }
        }
        return try run("createdb")
    }

    /// Runs `scripts/pg-private COMMAND DIR` and returns what it printed. posix_spawn and waitpid rather than
    /// Foundation's Process, whose wait never returned here once pg_ctl had left a server running. The spawn passes on
    /// every descriptor this process has open at that moment (other tests' pipes to their own children): the script
    /// closes them before the server starts, or the server would hold those pipes open for the rest of the run.
    @discardableResult
    public static func run(_ command: String) throws -> String {
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-pg-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: capture) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, capture, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let arguments = ["/bin/bash", script, command, directory]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &argv, environ)
        guard spawned == 0 else { throw PrivatePostgresError(command: command, output: String(cString: strerror(spawned))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: capture, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { throw PrivatePostgresError(command: command, output: output) }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

public struct PrivatePostgresError: Error, CustomStringConvertible {
    public var command: String
    public var output: String
    public var description: String { "scripts/pg-private \(command) failed: \(output)" }
}
