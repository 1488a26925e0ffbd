import Dispatch

/// Runs blocking work (a synchronous store call, file parsing) on a Dispatch thread, off Swift's cooperative threads.
///
/// Why: there are as many cooperative threads as cores (two here), and a synchronous store call blocks its thread until
/// the database answers: a few of them waiting on a slow or locked database would leave no thread for anything else in
/// the process, the API's health checks included.
public enum Blocking {
    /// `work`'s result, computed on a Dispatch thread.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
