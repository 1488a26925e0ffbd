import Foundation
import JourneyTestSupport

/// Runs the built `journeyq` binary as a real process.
struct JourneyqProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `journeyq` executable beside this test bundle in the build directory.
    static var binary: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("journeyq").path
    }

    /// Runs `journeyq arguments…` to completion, feeding `stdin` if given. The wait happens on a thread of its own: a
    /// command may run for seconds, and a cooperative thread blocked that long (two on this machine) starves every
    /// other test of the suite that runs beside this one.
    @discardableResult
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> Output {
        try await offCooperativePool { try runWaiting(arguments, stdin: stdin, environment: environment) }
    }

    private static func runWaiting(_ arguments: [String], stdin: String?, environment: [String: String]) throws -> Output {
        let out = Pipe(), err = Pipe(), input = Pipe()
        let process = try ChildProcess(
            binary, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdin: .pipe(input),
            stdout: .pipe(out), stderr: .pipe(err))
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A temporary directory for one test, removed at deinit.
final class Scratch: @unchecked Sendable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }
}

/// Runs a blocking `body` on a thread of its own and waits for it without holding a cooperative thread.
func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
