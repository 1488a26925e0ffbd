import Dispatch
import Foundation

/// Runs async database work for the store's few synchronous methods (enqueue's producer, a gate's health report,
/// retention steps, exports), blocking the calling thread until it is done.
///
/// The work runs with a task executor of its own threads as preference, so that it never needs a thread of Swift's
/// cooperative pool: a caller that blocks one of those (an actor reporting health) cannot starve the work it waits for.
final class BlockingBridge: Sendable {
    let executor: any TaskExecutor = DispatchTaskExecutor()

    /// With `timeoutSeconds`, gives up waiting after that long and throws `BlockingBridgeTimeout` (the work is left to
    /// finish or fail on its own; its result is dropped): a query on a connection that the server ended can, rarely,
    /// never be answered or failed by the driver, and a producer must not hang on it forever.
    @discardableResult
    func run<T: Sendable>(timeoutSeconds: Double? = nil, _ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            box.set(result)
            done.signal()
        }
        if let timeoutSeconds {
            guard done.wait(timeout: .now() + timeoutSeconds) == .success else { throw BlockingBridgeTimeout(seconds: timeoutSeconds) }
        } else {
            done.wait()
        }
        return try box.get()!.get()
    }
}

/// Bridged work that did not end within its time.
struct BlockingBridgeTimeout: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "no answer from the database within \(Int(seconds)) s" }
}

/// A task executor on a concurrent dispatch queue (threads outside the cooperative pool).
private final class DispatchTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "journeyq.postgres.blocking", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Carries one result from the task to the blocked thread. Locked: after a timeout the task may write while nobody
/// waits any longer.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) { lock.withLock { result = value } }
    func get() -> Result<T, any Error>? { lock.withLock { result } }
}
