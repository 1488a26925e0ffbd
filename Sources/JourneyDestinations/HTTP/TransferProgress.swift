import Foundation

/// When an answer last moved (its head, a part of its body), on the monotonic clock: a watchdog ends a transfer that
/// stays quiet longer than it may, whatever the wall clock does meanwhile.
final class TransferProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var last = ContinuousClock.now

    /// The transfer moved now.
    func touch() { lock.withLock { last = ContinuousClock.now } }

    /// Returns once nothing moved for `millis` (checked as often as the quiet time left says); throws if cancelled.
    func untilQuietFor(_ millis: Int64) async throws {
        let limit = Duration.milliseconds(millis)
        while true {
            let quiet = ContinuousClock.now - lock.withLock { last }
            if quiet >= limit { return }
            try await Task.sleep(for: limit - quiet)
        }
    }
}
