import Foundation
import JourneyTestSupport

/// A `journeyq` child process that runs while the test looks at it, its output going to files.
final class BackgroundProcess: @unchecked Sendable {
    let process: ChildProcess
    let stdoutPath: String
    let stderrPath: String

    convenience init(_ arguments: [String], environment: [String: String] = [:], scratch: Scratch, name: String) throws {
        try self.init(executable: JourneyqProcess.binary, arguments, environment: environment, scratch: scratch, name: name)
    }

    /// Any program (a test's helper script), with `environment` added to this process's.
    init(executable: String, _ arguments: [String], environment: [String: String] = [:], scratch: Scratch, name: String) throws {
        stdoutPath = scratch.path("\(name).out")
        stderrPath = scratch.path("\(name).err")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        guard let out = FileHandle(forWritingAtPath: stdoutPath), let err = FileHandle(forWritingAtPath: stderrPath) else {
            throw CocoaError(.fileNoSuchFile)
        }
        defer {
            try? out.close()
            try? err.close()
        }
        process = try ChildProcess(
            executable, arguments,
            environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: .file(out),
            stderr: .file(err))
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for exit, at most `seconds`; returns the status, or nil if it is still running.
    func waitForExit(seconds: Double) async throws -> Int32? {
        try await waitFor(seconds: seconds) { !self.process.isRunning }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass (a wait on a condition, never a bare sleep).
@discardableResult
func waitFor(seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Starts `journeyq simulate` on a free port and returns it with its address, once it listens.
func startSimulator(_ scratch: Scratch, extra: [String] = []) async throws -> (BackgroundProcess, String, String) {
    let config = scratch.path("sim.yaml")
    let simulator = try BackgroundProcess(
        ["simulate", "--port", "0", "--write-config", config] + extra, scratch: scratch, name: "simulator")
    try await waitFor(seconds: 120) { simulator.stdout.contains("config written") }
    guard let range = simulator.stdout.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
        throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "simulator did not start: \(simulator.stderr)"])
    }
    return (simulator, String(simulator.stdout[range]), config)
}
