import JourneyQueue
import Logging
import ServiceLifecycle

/// Asks the remote whether the destination's journey takes entries, at start and every `intervalMillis`: a journey in
/// Draft or Stopped holds the destination (no request, no attempt spent, nobody dead) until it is published again; a
/// journey that does not exist, or is triggered by another event definition key, holds it for good with a clear error.
/// A look that fails changes nothing.
public struct JourneyWatchService: Service {
    let destination: any Destination
    let gate: DestinationGate
    let ledger: any AttemptLedger
    let logger: Logger
    let intervalMillis: Int64

    public func run() async throws {
        var first = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let watch = await destination.watchJourney(ledger: ledger)
            switch watch {
            case .takesEntries?, nil:
                await gate.hold(.journey, nil)
                await gate.hold(.misconfigured, nil)
            case .notTakingEntries(let reason)?:
                await gate.hold(.journey, DestinationPause(until: .max, reason: reason, cause: .journey))
            case .misconfigured(let reason)?:
                logger.error(
                    "destination stopped: its journey cannot take what journeyq would send; fix the config",
                    metadata: [
                        "destination": "\(destination.name)", "reason": "\(reason)",
                    ])
                await gate.hold(.misconfigured, DestinationPause(until: .max, reason: "configuration: \(reason)", cause: .misconfigured))
            case .unknown(let reason)?:
                // Nothing learnt: the first check's hold is lifted (the daemon does not wait on a lookup that fails).
                if first { await gate.hold(.journey, nil) }
                logger.notice(
                    "journey check failed; nothing changes", metadata: ["destination": "\(destination.name)", "reason": "\(reason)"])
            }
            first = false
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(intervalMillis)) }
        }
    }
}
