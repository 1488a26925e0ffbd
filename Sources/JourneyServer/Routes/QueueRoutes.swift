import Foundation
import Hummingbird
import JourneyQueue

/// What `read` keys see: destinations and their counts (from counters, never a scan), one destination's report, a
/// contact's timeline, dead letters.
enum QueueRoutes {
    /// One destination in the list.
    struct DestinationSummary: Codable {
        var name: String
        var kind: String?
        var paused: Bool
        var pause: DestinationPause?
        var health: DestinationPause?
        /// The look endpoints fail: looks wait for their circuit (submissions go on).
        var looks: DestinationPause?
        var counts: [String: Int]
        /// Requests made by what they were for, and per 100 contacts (with "all"), from the ledger's counters.
        var calls: [String: Int]
        var callsPer100Contacts: [String: Double]?
        var oldestQueuedAt: String?
        /// Queued until the send window opens for them, and when it first does.
        var waitingForWindow: Int
        var nextWindowOpening: String?
    }

    /// One destination in full: the list's fields and its report.
    struct DestinationDetail: Codable {
        var summary: DestinationSummary
        var report: DestinationReport
    }

    /// A contact's state at one destination, and every request and answer that carried it.
    struct ContactTimeline: Codable {
        var contact: ContactRow
        var timeline: [LedgerEntry]
    }

    struct DeadPage: Codable {
        var items: [DeadLetter]
        /// Pass as `after` for the next page; absent on the last.
        var next: Int64?
    }

    static func destinationName(_ context: APIContext) throws -> String {
        guard let name = context.pathParameter("name"), !name.isEmpty, name.utf8.count <= 200 else {
            throw Problem(status: .badRequest, title: "Bad destination name", detail: "A destination name is 1 to 200 bytes.")
        }
        return name
    }

    static func summary(_ counts: DestinationCounts, now: Int64) -> DestinationSummary {
        let pause = counts.pause.flatMap { $0.holds(at: now) ? $0 : nil }
        let health = counts.health.flatMap { $0.holds(at: now) ? $0 : nil }
        return DestinationSummary(
            name: counts.name, kind: counts.kind, paused: pause != nil || health != nil, pause: pause, health: health,
            looks: counts.looks,
            counts: Dictionary(uniqueKeysWithValues: ContactState.allCases.map { ($0.description, counts.counts[$0] ?? 0) }),
            calls: Dictionary(uniqueKeysWithValues: counts.calls.map { ($0.key.rawValue, $0.value) }),
            callsPer100Contacts: counts.callsPer100Contacts,
            oldestQueuedAt: counts.oldestQueuedAt.map(ISOTime.string), waitingForWindow: counts.waitingForWindow,
            nextWindowOpening: counts.nextWindowOpening.map(ISOTime.string))
    }

    static func register(on router: Router<APIContext>, _ dependencies: JourneyServerApp.Dependencies) {
        let store = dependencies.store
        let clock = dependencies.clock
        router.get("/v1/destinations") { _, context -> Response in
            try context.require(.read)
            let counts = try await store.counts()
            return try JSONResponse.make(counts.map { summary($0, now: clock.nowMillis()) })
        }

        router.get("/v1/destinations/:name") { request, context -> Response in
            try context.require(.read)
            let name = try destinationName(context)
            let since = try request.uri.queryParameters.get("since").map { text -> Int64 in
                guard let millis = ISOTime.parse(text) else {
                    throw Problem(status: .badRequest, title: "Bad since", detail: "since is an ISO 8601 time.")
                }
                return millis
            }
            let counts = try await store.counts().first { $0.name == name }
            let reports = try await store.reports(destination: name, since: since)
            guard let counts, let report = reports.first else { throw Problem.unknownDestination(name) }
            return try JSONResponse.make(DestinationDetail(summary: summary(counts, now: clock.nowMillis()), report: report))
        }

        router.get("/v1/contacts/:key") { request, context -> Response in
            try context.require(.read)
            guard let key = context.pathParameter("key"), !key.isEmpty else {
                throw Problem(status: .badRequest, title: "Bad contact key", detail: "A contact key is not empty.")
            }
            // Each destination's requests newest first, a page at a time: `before` is the id of the oldest one read.
            let before = try PageParameters.id(request, "before", meaning: "before is the id of the oldest request read.")
            let limit = try PageParameters.limit(request)
            let rows = try await store.timeline(contactKey: key, before: before, limit: limit)
            guard !rows.isEmpty else {
                throw Problem(status: .notFound, title: "No such contact", detail: "No destination has a contact with this key.")
            }
            return try JSONResponse.make(rows.map { ContactTimeline(contact: $0.0, timeline: $0.1) })
        }

        router.get("/v1/contacts") { request, context -> Response in
            try context.require(.read)
            guard let text = request.uri.queryParameters.get("q"), !text.isEmpty, text.utf8.count <= 254 else {
                throw Problem(
                    status: .badRequest, title: "Bad search",
                    detail: "q is a contact key (or its beginning, with prefix=true), 1 to 254 bytes.")
            }
            let prefix = try flag(request.uri.queryParameters.get("prefix"), "prefix")
            let limit = try PageParameters.limit(request, maximum: 500, standard: 50)
            return try JSONResponse.make(try await store.searchContacts(text, prefix: prefix, limit: limit))
        }

        router.get("/v1/destinations/:name/dead") { request, context -> Response in
            try context.require(.read)
            let name = try destinationName(context)
            let after = try PageParameters.id(request, "after", meaning: "after is a dead letter's id.")
            let limit = try PageParameters.limit(request)
            let reason = request.uri.queryParameters.get("reason").flatMap { $0.isEmpty ? nil : $0 }
            let items: [DeadLetter]
            do { items = try await store.deadLetters(destination: name, reason: reason, after: after, limit: limit) } catch StoreError
                .unknownDestination
            {
                throw Problem.unknownDestination(name)
            }
            return try JSONResponse.make(DeadPage(items: items, next: items.count == limit ? items.last?.id : nil))
        }
    }
}

/// `true` or `false` (or absent: false); anything else is a bad request.
func flag(_ text: String?, _ name: String) throws -> Bool {
    switch text {
    case nil, "false": return false
    case "true": return true
    default: throw Problem(status: .badRequest, title: "Bad \(name)", detail: "\(name) is true or false.")
    }
}

extension Problem {
    static func unknownDestination(_ name: String) -> Problem {
        Problem(status: .notFound, title: "No such destination", detail: "No destination named '\(name)' in this queue.")
    }
}
