import Foundation
import JourneyQueuePostgres
import JourneyWorker

/// Files that others on the host may read and should not: a config holding credentials inline, the queue's database
/// (contact data and every request body). Said at start by `work` and `serve`, and by `check`; never refused (the
/// operator may have reasons), never with a secret in the text.
enum FileExposure {
    static func warnings(configPath: String, config: JourneyConfig, database: String) -> [String] {
        var warnings: [String] = []
        if !config.inlineSecretKeys.isEmpty, let mode = exposedMode(configPath) {
            let keys = config.inlineSecretKeys.prefix(3).joined(separator: ", ") + (config.inlineSecretKeys.count > 3 ? ", …" : "")
            warnings.append(
                "\(configPath) holds credentials inline (\(keys)) and is readable by group or others (mode \(octal(mode))): "
                    + "chmod 600 it, or name the secrets by …Env or …File keys")
        }
        if !PostgresLocation.isURL(database), let mode = exposedMode(database) {
            warnings.append(
                "the queue \(database) is readable by group or others (mode \(octal(mode))): "
                    + "it holds contact data and every request body; chmod 600 it"
            )
        }
        return warnings
    }

    /// The file's permission bits when group or others may read it; nil when they may not, or it is not there.
    static func exposedMode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let mode = info.st_mode & 0o777
        return mode & 0o044 != 0 ? mode : nil
    }

    static func octal(_ mode: mode_t) -> String { "0" + String(mode, radix: 8) }
}
