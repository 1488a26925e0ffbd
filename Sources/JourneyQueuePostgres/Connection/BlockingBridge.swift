import Dispatch
import Foundation

/// Runs async database work for the store's few synchronous methods (enqueue's producer, a gate's health report,
/// retention steps, exports), blocking the calling thread until it is done.
///
/// The work runs with a task executor of its own threads as preference, so that it never needs a thread of Swift's
/// cooperative pool: a caller that blocks one of those (an actor reporting health) cannot starve the work it waits for.
final class BlockingBridge: Sendable {
    let executor: any TaskExecutor = DispatchTaskExecutor()

    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }
}

/// A task executor on a concurrent dispatch queue (threads outside the cooperative pool).
private final class DispatchTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let queue = DispatchQueue(label: "journeyq.postgres.blocking", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Carries one result from the task to the blocked thread; the semaphore orders the write before the read.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
