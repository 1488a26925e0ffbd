import Foundation
import JourneyQueue
import JourneyRuntime
import Logging
import ServiceLifecycle

/// `work --until-drained` gave up: a destination, or its look endpoints, stayed unavailable (or throttled) for longer
/// than its outage limit. Its contacts stay where they are (queued, or waiting for a look: never dead or unverifiable
/// because of an outage).
public struct DrainGaveUp: Error, CustomStringConvertible {
    public var destination: String
    public var seconds: Int64
    public var reason: String

    public var description: String {
        "destination \(destination) has been unavailable for \(seconds) s (outageLimitSeconds): \(reason); its contacts stay where they are"
    }
}

/// With `--until-drained`: returns (shutting the group down) once the configured destinations have nothing left to do,
/// or throws `DrainGaveUp` once a destination with work left has been unavailable for longer than its outage limit,
/// so that `--until-drained` always ends.
public struct DrainMonitor: Service {
    /// What "drained" means.
    public enum Criterion: Sendable {
        /// Nothing queued, claimed or sending.
        case submitted
        /// Every contact confirmed, unverifiable or dead.
        case settled
    }

    let store: any QueueStore
    let destinations: [String]
    let criterion: Criterion
    let pollMillis: Int64
    let gates: [(gate: DestinationGate, outageLimitMillis: Int64)]
    let clock: any WallClock
    let onProgress: @Sendable () async -> Void

    /// Polls every `pollMillis`; `onProgress` is called between polls (the progress line).
    public init(
        store: any QueueStore, destinations: [String], criterion: Criterion, pollMillis: Int64 = 200,
        gates: [(gate: DestinationGate, outageLimitMillis: Int64)] = [], clock: any WallClock = SystemClock(),
        onProgress: @escaping @Sendable () async -> Void = {}
    ) {
        self.store = store
        self.destinations = destinations
        self.criterion = criterion
        self.pollMillis = pollMillis
        self.gates = gates
        self.clock = clock
        self.onProgress = onProgress
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var pending: [(String, PendingWork)]? = []
            for destination in destinations {
                guard let work = try? await store.pendingWork(destination: destination) else { pending = nil; break }
                pending?.append((destination, work))
            }
            if let work = pending {
                let left = Set(work.filter { !(criterion == .submitted ? $0.1.submissionDrained : $0.1.fullyDrained) }.map(\.0))
                if left.isEmpty { return }
                for (gate, limit) in gates where left.contains(gate.destination) {
                    let health = await gate.health()
                    // A journey that does not exist, or listens to another key, will not fix itself: say so now.
                    if let wrong = health.misconfigured { throw DrainGaveUp(destination: health.destination, seconds: 0, reason: wrong) }
                    if let since = health.unhealthySince, clock.nowMillis() - since > limit {
                        throw DrainGaveUp(
                            destination: health.destination, seconds: (clock.nowMillis() - since) / 1000,
                            reason: health.reason ?? "throttled or failing without a healthy answer")
                    }
                    // Looks that cannot be made for as long are an outage too: the contacts wait for them, undecided.
                    if let looks = health.looks, let since = looks.since, clock.nowMillis() - since > limit {
                        throw DrainGaveUp(
                            destination: health.destination, seconds: (clock.nowMillis() - since) / 1000,
                            reason: "the look endpoints fail (\(looks.reason)); contacts wait for a look")
                    }
                }
            }
            await onProgress()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(pollMillis)) }
        }
    }
}
