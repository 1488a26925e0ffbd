import Foundation
import Logging

/// What the demo met on its way, counted instead of printed: a newcomer reads one summary of the faults journeyq
/// handled, not a warning line for each (errors still print as they happen).
final class LogTally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: (count: Int, destinations: [String: Int])] = [:]
    private var order: [String] = []

    func add(_ message: String, destination: String?) {
        lock.withLock {
            if counts[message] == nil { order.append(message) }
            var entry = counts[message] ?? (0, [:])
            entry.count += 1
            if let destination { entry.destinations[destination, default: 0] += 1 }
            counts[message] = entry
        }
    }

    /// One line per kind of message, most frequent first: `  6× message (sfmc-events 4, sfmc-async-events 2)`.
    func lines() -> [String] {
        lock.withLock {
            order.sorted { counts[$0]!.count > counts[$1]!.count }.map { message in
                let entry = counts[message]!
                let places = entry.destinations.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                return "  \(entry.count)× \(message)" + (places.isEmpty ? "" : " (\(places))")
            }
        }
    }
}

/// Counts warnings and notices into a `LogTally`; passes errors and worse to `passThrough`.
struct TallyingLogHandler: LogHandler {
    let tally: LogTally
    var passThrough: LineLogHandler
    var logLevel: Logger.Level = .notice
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level < .error else { return passThrough.log(event: event) }
        let destination = (event.metadata?["destination"] ?? metadata["destination"]).map { "\($0)" }
        tally.add(event.message.description, destination: destination)
    }
}
