import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process the tests start (the built `journeyq`, openssl, the sqlite3 shell), through `posix_spawn` with every
/// descriptor but its standard three closed in the child.
///
/// Why not Foundation's `Process`: on Linux its `run()` emulates "close every other descriptor" by listing this process's
/// open descriptors and adding a close action for each, while the suite's other threads open and close descriptors
/// (databases, sockets); it crashed the whole suite (SIGSEGV inside `run()`) about once in ten runs, serialized or not.
/// glibc's `posix_spawn_file_actions_addclosefrom_np` does the same in the child, with nothing listed in the parent.
public final class ChildProcess: @unchecked Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream {
        /// One end of a pipe: the read end for stdin, the write end for stdout and stderr. The parent's copy of that end
        /// is closed once the child has it.
        case pipe(Pipe)
        /// An open file.
        case file(FileHandle)
        /// /dev/null.
        case null
    }

    /// The child's process id.
    public let processIdentifier: pid_t
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`; `environment` replaces this process's when given.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, stdin: Stream = .null,
        stdout: Stream = .null, stderr: Stream = .null
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(devNull) }
        var parentCopies: [FileHandle] = []
        for (target, stream) in [(STDIN_FILENO, stdin), (STDOUT_FILENO, stdout), (STDERR_FILENO, stderr)] {
            let fd: Int32
            switch stream {
            case .pipe(let pipe):
                let end = target == STDIN_FILENO ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                fd = end.fileDescriptor
                if !parentCopies.contains(where: { $0 === end }) { parentCopies.append(end) }
            case .file(let handle): fd = handle.fileDescriptor
            case .null: fd = devNull
            }
            posix_spawn_file_actions_adddup2(&actions, fd, target)
        }
        guard let closeFrom = Self.addCloseFrom else { throw ChildProcessError.noCloseFrom }
        _ = closeFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (as Foundation's), and no signal blocked that the launching thread happened to block.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let result =
            if let envp { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) } else {
                posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            }
        guard result == 0 else { throw ChildProcessError.spawn(executable: executable, errno: result) }
        processIdentifier = pid
        for end in parentCopies { try end.close() }
    }

    /// Whether the child has not exited yet (it is reaped once it has).
    public var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let reaped = waitpid(processIdentifier, &raw, WNOHANG)
            guard reaped == processIdentifier else { return reaped == 0 }
            status = raw
            return false
        }
    }

    /// Blocks until the child exits, looking every 5 ms (a blocking `waitpid` would hold the lock `isRunning` takes).
    public func waitUntilExit() {
        while isRunning { usleep(5_000) }
    }

    /// Its exit code, or the signal that ended it (as Foundation's `terminationStatus`). Only after it exited.
    public var terminationStatus: Int32 {
        let raw = status.withLock { $0 }
        guard let raw else { preconditionFailure("the child \(processIdentifier) is still running") }
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module does not declare.
    private static let addCloseFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: CloseFrom.self)
    }
}

/// Why a child process could not be started.
public enum ChildProcessError: Error, CustomStringConvertible {
    /// `posix_spawn` failed with `errno`.
    case spawn(executable: String, errno: Int32)
    /// This libc cannot close the child's other descriptors in the child.
    case noCloseFrom

    public var description: String {
        switch self {
        case .spawn(let executable, let errno): "cannot start \(executable): \(String(cString: strerror(errno)))"
        case .noCloseFrom: "glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)"
        }
    }
}
