import Foundation
import Hummingbird
import JourneyQueue
import JourneyRuntime

/// The events feed (`read`) and the webhook endpoints' state (`read`) and redelivery (`operate`).
enum EventRoutes {
    /// One webhook endpoint as the API shows it.
    struct WebhookSummary: Codable {
        var name: String
        /// Scheme and host only: a path or query may hold a token.
        var url: String?
        /// delivering, failing or parked.
        var status: String
        var delivered: Int64
        var deliveries: Int64
        var lastDeliveredAt: String?
        var undelivered: Int64
        var oldestUndeliveredAt: String?
        var attempts: Int
        var failingSince: String?
        var lastError: String?
        var nextAttemptAt: String?
        var parkedAt: String?
        var retired: Bool
    }

    struct Redelivered: Codable {
        var name: String
        /// Whether it was parked before.
        var wasParked: Bool
        /// Events waiting for it, now due.
        var undelivered: Int64
    }

    static func summary(_ state: WebhookState, config: WebhookEndpoint?) -> WebhookSummary {
        WebhookSummary(
            name: state.endpoint, url: config.map(\.origin), status: state.status, delivered: state.delivered,
            deliveries: state.deliveries, lastDeliveredAt: state.lastDeliveredAt.map(ISOTime.string), undelivered: state.undelivered,
            oldestUndeliveredAt: state.oldestUndeliveredAt.map(ISOTime.string), attempts: state.attempts,
            failingSince: state.failingSince.map(ISOTime.string), lastError: state.lastError,
            nextAttemptAt: state.failingSince == nil ? nil : ISOTime.string(state.nextAttemptAt),
            parkedAt: state.parkedAt.map(ISOTime.string),
            retired: state.retiredAt != nil)
    }

    /// `type=a,b` and `destination=x,y` of the feed.
    static func filter(types: String?, destinations: String?) throws -> EventFilter {
        var filter = EventFilter()
        if let text = types {
            var types: Set<EventType> = []
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let type = EventType(rawValue: String(name)) else {
                    throw Problem(
                        status: .badRequest, title: "Bad type",
                        detail: "type is a comma-separated list of \(EventType.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                types.insert(type)
            }
            filter.types = types
        }
        if let text = destinations, !text.isEmpty {
            // A name with a NUL names no destination (and PostgreSQL cannot take it as text): it becomes "", which no
            // destination is named either, so that the filter keeps nothing for it rather than failing.
            filter.destinations = Set(text.split(separator: ",").map { AskedText.namesNothing(String($0)) ? "" : String($0) })
        }
        return filter
    }

    static func register(on router: Router<APIContext>, _ dependencies: JourneyServerApp.Dependencies) {
        let store = dependencies.store
        let configs = Dictionary(dependencies.notify.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        router.get("/v1/events") { request, context -> Response in
            try context.require(.read)
            let query = request.uri.queryParameters
            let after = try query.get("after").map { text -> EventPosition in
                guard let position = EventPosition(text: text) else {
                    throw Problem(status: .badRequest, title: "Bad after", detail: "after is the next cursor of an earlier page.")
                }
                return position
            }
            let limit = try PageParameters.limit(request)
            let events = try await store.events(
                after: after, limit: limit, filter: try filter(types: query.get("type"), destinations: query.get("destination")))
            // The cursor to pass next: the last event's, or the one given when nothing is new (poll again with it).
            let next = events.last?.position ?? after
            let body =
                "{\"events\":[" + events.map(\.json).joined(separator: ",") + "],\"next\":"
                + (next.map { JSONText.string($0.text) } ?? "null") + "}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }

        router.get("/v1/webhooks") { _, context -> Response in
            try context.require(.read)
            let states = try await store.webhookStates(filters: configs.mapValues(\.filter))
            return try JSONResponse.make(states.map { summary($0, config: configs[$0.endpoint]) })
        }

        router.post("/v1/webhooks/:name/redeliver") { _, context -> Response in
            try context.require(.operate)
            guard let name = context.pathParameter("name"), !name.isEmpty, name.utf8.count <= 200 else {
                throw Problem(status: .badRequest, title: "Bad endpoint name", detail: "An endpoint name is 1 to 200 bytes.")
            }
            guard let before = try await store.redeliverWebhook(endpoint: name) else {
                throw Problem(
                    status: .notFound, title: "No such webhook endpoint", detail: "No webhook endpoint named '\(name)' in this queue.")
            }
            await PrivacyRoutes.audit(dependencies, context, action: "redeliver", target: name, detail: nil)
            dependencies.logger.notice(
                "webhook endpoint redelivered by an operator",
                metadata: [
                    "webhook": "\(name)", "key": "\(context.keyName ?? "-")", "was.parked": "\(before.parkedAt != nil)",
                ])
            return try JSONResponse.make(Redelivered(name: name, wasParked: before.parkedAt != nil, undelivered: before.undelivered))
        }
    }
}
