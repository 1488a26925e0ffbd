import ArgumentParser
import Foundation
import JourneyQueue

/// `journeyq events`: the outbox as NDJSON, as the API's feed gives it.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract:
            "Print the outbox's events (final verdicts, pauses, resumes) as NDJSON, oldest first; the last line's id is the next --after.",
        discussion: "With --follow, waits for new events and prints them as they are committed (every event once, in order)."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only events after this id (an event's id, or the API's next).")
    var after: String?

    @Option(help: "Only these types, comma-separated: \(EventType.allCases.map(\.rawValue).joined(separator: ", ")).")
    var type: String?

    @Option(help: "Only these destinations, comma-separated.")
    var destination: String?

    @Option(help: "At most this many events (without --follow).")
    var limit: Int = 1_000

    @Flag(help: "Keep printing new events until interrupted.")
    var follow = false

    func validate() throws {
        if let after, EventPosition(text: after) == nil {
            throw ValidationError("--after: an event's id, such as 1042 or 7731.1042; got '\(after)'")
        }
        if let type {
            for name in type.split(separator: ",", omittingEmptySubsequences: false) where EventType(rawValue: String(name)) == nil {
                throw ValidationError("--type: \(EventType.allCases.map(\.rawValue).joined(separator: ", ")); '\(name)' is not one")
            }
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await database.withStore(readOnly: true) { store in
            let filter = EventFilter(
                types: type.map { Set($0.split(separator: ",").compactMap { EventType(rawValue: String($0)) }) },
                destinations: destination.map { Set($0.split(separator: ",").map(String.init)) })
            var cursor = after.flatMap(EventPosition.init(text:))
            var printed = 0
            while follow || printed < limit {
                let page = try await store.events(after: cursor, limit: follow ? 1_000 : min(1_000, limit - printed), filter: filter)
                for event in page { print(event.json) }
                fflush(nil)
                printed += page.count
                cursor = page.last?.position ?? cursor
                if page.isEmpty {
                    guard follow else { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
        }
    }
}

/// `journeyq webhooks`: each endpoint's delivery, and an operator's redelivery.
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract:
            "Show each webhook endpoint's delivery (delivering, failing, parked; what waits for it); "
            + "--redeliver NAME unparks one, --retire NAME drops one."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Unpark this endpoint: the events waiting for it go again at once.")
    var redeliver: String?

    @Option(
        help: ArgumentHelp(
            "This endpoint is gone for good: it no longer keeps its events from retention "
                + "(a worker whose config still names it takes it back).")
    )
    var retire: String?

    func validate() throws {
        if redeliver != nil && retire != nil { throw ValidationError("--redeliver and --retire: one at a time") }
    }

    func run() async throws {
        try await database.withStore { store in
            if let retire {
                guard let before = try await store.retireWebhook(endpoint: retire) else {
                    throw CLIFailure.badInput("journeyq: no webhook endpoint named '\(retire)' in \(store.locationDescription)")
                }
                print("\(retire): retired; \(before.undelivered) events it was not told of go with retention")
                return
            }
            if let redeliver {
                guard let before = try await store.redeliverWebhook(endpoint: redeliver) else {
                    throw CLIFailure.badInput("journeyq: no webhook endpoint named '\(redeliver)' in \(store.locationDescription)")
                }
                await OperatorIdentity.audit(store, action: "redeliver", target: redeliver, detail: nil)
                print(
                    "\(redeliver): "
                        + "\(before.parkedAt == nil ? "was \(before.status)" : "was parked since \(ISOTime.string(before.parkedAt!))"); "
                        + "\(before.undelivered) events due now")
                return
            }
            let states = try await store.webhookStates(filters: [:])
            if states.isEmpty { print("no webhook endpoints (notify: in the config names them; work or serve registers them)") }
            for state in states {
                var line =
                    "\(state.endpoint): \(state.retiredAt == nil ? state.status : "retired"), "
                    + "\(state.delivered) delivered in \(state.deliveries) messages, "
                line += "\(state.undelivered) waiting"
                if let oldest = state.oldestUndeliveredAt { line += " (oldest \(ISOTime.string(oldest)))" }
                if let failing = state.failingSince { line += "; failing since \(ISOTime.string(failing)): \(state.lastError ?? "?")" }
                if let parked = state.parkedAt {
                    line += "; parked at \(ISOTime.string(parked)): journeyq webhooks --redeliver \(state.endpoint)"
                }
                print(line)
            }
        }
    }
}
