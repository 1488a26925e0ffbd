import Foundation
import Synchronization

/// Launches of child processes take turns. Foundation's `Process.run()` crashed here once (a bad read inside its launch,
/// SIGSEGV, the whole suite lost) while test threads launched processes at the same moment; the launch is short, the
/// run that follows is not serialized.
public enum ProcessLaunch {
    private static let turn = Mutex(())

    /// Runs `process.run()` while no other launch is under way.
    public static func run(_ process: Process) throws {
        try turn.withLock { _ in try process.run() }
    }
}
