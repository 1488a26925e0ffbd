import Foundation
import JourneyQueue

/// The live status of `work --until-drained` (and the demo) on a terminal: a total line, then one line per destination
/// with where its contacts are and how fast they settle, drawn again in place at most twice a second.
final class DrainProgress: @unchecked Sendable {
    private let store: any QueueStore
    private let destinations: [String]
    private let lock = NSLock()
    private let started = Date()
    private var lastPrint = Date.distantPast
    private var first: [String: Int]?

    init(store: any QueueStore, destinations: [String]) {
        self.store = store
        self.destinations = destinations
    }

    func tick(force: Bool = false) async {
        let now = Date()
        guard
            lock.withLock({
                force || now.timeIntervalSince(lastPrint) >= 0.5
                    ? {
                        lastPrint = now; return true
                    }() : false
            })
        else { return }
        guard let all = try? await store.counts() else { return }
        let counts = destinations.compactMap { name in all.first { $0.name == name } }
        let settledNow = Dictionary(uniqueKeysWithValues: counts.map { ($0.name, $0.settled) })
        let baseline = lock.withLock {
            first
                ?? {
                    first = settledNow; return settledNow
                }()
        }
        Terminal.progress(
            Self.render(
                counts, settledSinceStart: settledNow.merging(baseline) { $0 - $1 },
                elapsed: now.timeIntervalSince(started)
            ).joined(separator: "\n"))
    }

    /// The final figures, read once more, stay on screen.
    func finish() async {
        await tick(force: true)
        Terminal.keepProgress()
    }

    /// The block: `settled 3412 of 5000 · 812/s · about 2 s left`, then per destination
    /// `  name  queued 1200  in flight 100  to look 300  confirmed 3400  unverifiable 2  dead 10  812/s`.
    static func render(_ counts: [DestinationCounts], settledSinceStart: [String: Int], elapsed: TimeInterval) -> [String] {
        let seconds = max(elapsed, 0.001)
        let total = counts.map(\.total).reduce(0, +)
        let settled = counts.map(\.settled).reduce(0, +)
        let rate = Double(settledSinceStart.values.reduce(0, +)) / seconds
        let left = rate > 0 && total > settled ? " · about \(duration(Double(total - settled) / rate)) left" : ""
        var lines = ["settled \(settled) of \(total) · \(Int(rate.rounded()))/s · \(duration(elapsed)) so far\(left)"]
        let width = counts.map(\.name.count).max() ?? 0
        for destination in counts {
            let count = destination.count
            var line = "  " + destination.name.padding(toLength: width, withPad: " ", startingAt: 0)
            line += "  queued \(count(.queued))  in flight \(count(.claimed, .sending))  to look \(count(.accepted, .unknown))"
            line += "  confirmed \(count(.confirmed))  unverifiable \(count(.unverifiable))  dead \(count(.dead))"
            if count(.expired) > 0 { line += "  expired \(count(.expired))" }
            line += "  \(Int((Double(settledSinceStart[destination.name] ?? 0) / seconds).rounded()))/s"
            if destination.pause.map({ $0.holds(at: Int64(Date().timeIntervalSince1970 * 1000)) }) == true { line += "  paused" }
            lines.append(line)
        }
        return lines
    }

    /// `42 s`, `3 min 5 s`, `1 h 2 min`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(max(seconds, 0).rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3_600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3_600) h \(whole % 3_600 / 60) min"
    }
}
