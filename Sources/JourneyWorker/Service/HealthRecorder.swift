import JourneyQueue
import Logging
import ServiceLifecycle

/// Writes the gates' health reports to the store in the order the gates made them, without making a gate wait: a gate
/// (an actor) hands a report over and goes on, and this service writes them one after another.
public final class HealthRecorder: Service, Sendable {
    /// One report to write.
    struct Report: Sendable {
        var destination: String
        var what: String
        var write: @Sendable () async throws -> Void
    }

    private let reports: AsyncStream<Report>
    private let continuation: AsyncStream<Report>.Continuation
    private let logger: Logger

    public init(logger: Logger) {
        (reports, continuation) = AsyncStream.makeStream(of: Report.self)
        self.logger = logger
    }

    /// Queues `write` behind the reports before it. After `finish()` (or the group's shutdown) it is dropped.
    func record(destination: String, what: String, _ write: @escaping @Sendable () async throws -> Void) {
        continuation.yield(Report(destination: destination, what: what, write: write))
    }

    /// No report after this one: `run()` returns once the queued ones are written.
    func finish() {
        continuation.finish()
    }

    /// Writes reports until `finish()`, or the group's graceful shutdown, and then what was queued before it. Called once.
    public func run() async {
        await withGracefulShutdownHandler {
            for await report in reports {
                do {
                    try await report.write()
                } catch {
                    logger.error(
                        "recording the destination's health failed",
                        metadata: ["destination": "\(report.destination)", "what": "\(report.what)", "error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }
}
