import Foundation
import JourneyQueue

/// The `--until-drained` progress line on a terminal: settled (confirmed, unverifiable, dead) of total, rate, time left.
final class DrainProgress: @unchecked Sendable {
    private let store: any QueueStore
    private let destinations: Set<String>
    private let lock = NSLock()
    private let started = Date()
    private var lastPrint = Date.distantPast

    init(store: any QueueStore, destinations: [String]) {
        self.store = store
        self.destinations = Set(destinations)
    }

    func tick() async {
        let now = Date()
        guard lock.withLock({ now.timeIntervalSince(lastPrint) >= 1 ? { lastPrint = now; return true }() : false }) else { return }
        guard let counts = try? await store.counts().filter({ destinations.contains($0.name) }) else { return }
        let total = counts.map(\.total).reduce(0, +)
        let waiting = counts.map(\.live).reduce(0, +)
        let done = total - waiting
        let elapsed = now.timeIntervalSince(started)
        let rate = Double(done) / max(elapsed, 0.001)
        let left = rate > 0 ? Int(Double(waiting) / rate) : 0
        Terminal.progress("settled \(done) of \(total) (\(Int(rate))/s, about \(left)s left)")
    }

    func finish() { Terminal.endProgress() }
}
