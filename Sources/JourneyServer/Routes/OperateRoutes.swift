import Foundation
import Hummingbird
import JourneyQueue

/// What `operate` keys may do: redrive dead letters, pause and resume a destination (the pause lives in the database,
/// so every worker and every restart obeys it).
enum OperateRoutes {
    struct RedriveRequest: Decodable {
        var reason: String?
        /// `dead` (the default) or `expired`.
        var state: String?
        /// With `expired`: their new notAfter (ISO 8601 with an offset); absent, they are sent with none.
        var notAfter: String?
    }
    struct PauseRequest: Decodable {
        var until: String?
        var reason: String?
    }

    static func register(on router: Router<APIContext>, _ dependencies: JourneyServerApp.Dependencies) {
        let store = dependencies.store
        let clock = dependencies.clock
        router.post("/v1/destinations/:name/redrive") { request, context -> Response in
            try context.require(.operate)
            let name = try QueueRoutes.destinationName(context)
            let body: RedriveRequest? = try await decode(request)
            let summary: RedriveSummary
            // A notAfter is checked whatever the state; it sets the expired ones' new limit (absent: none) and means
            // nothing to dead letters. `reason` selects among dead letters only.
            let notAfter = try body?.notAfter.map { text -> Int64 in
                guard let millis = try? RecordValidator.moment(text, field: "notAfter") else {
                    throw Problem(status: .badRequest, title: "Bad notAfter", detail: "notAfter is an ISO 8601 date-time with an offset.")
                }
                return millis
            }
            if let state = body?.state, state != "dead" {
                guard state == "expired" else {
                    throw Problem(status: .badRequest, title: "Bad state", detail: "state is dead or expired.")
                }
                do {
                    summary = try await store.redriveExpired(destination: name, notAfter: notAfter)
                } catch StoreError.unknownDestination { throw Problem.unknownDestination(name) }
                await PrivacyRoutes.audit(
                    dependencies, context, action: "redrive", target: name,
                    detail: AuditDetail.json(["state": "expired", "queued": "\(summary.queued)", "skipped": "\(summary.skipped)"]))
                return try JSONResponse.make(summary)
            }
            do {
                let kind = try await store.counts().first { $0.name == name }?.kind
                summary = try await store.redrive(destination: name, reason: body?.reason, lookable: dependencies.lookable(kind))
            } catch StoreError.unknownDestination { throw Problem.unknownDestination(name) }
            await PrivacyRoutes.audit(
                dependencies, context, action: "redrive", target: name,
                detail: AuditDetail.json([
                    "state": "dead", "reason": body?.reason ?? "", "queued": "\(summary.queued)",
                    "skipped": "\(summary.skipped)",
                ]))
            return try JSONResponse.make(summary)
        }

        router.post("/v1/destinations/:name/pause") { request, context -> Response in
            try context.require(.operate)
            let name = try QueueRoutes.destinationName(context)
            let body: PauseRequest? = try await decode(request)
            // A pause until a time already gone holds nothing; it is recorded all the same.
            let until = try body?.until.map { text -> Int64 in
                guard let millis = ISOTime.parse(text) else {
                    throw Problem(
                        status: .badRequest, title: "Bad until", detail: "until is an ISO 8601 time, such as 2026-11-22T18:00:00Z.")
                }
                return millis
            }
            do {
                try await store.setPause(
                    destination: name, paused: true, until: until,
                    reason: body?.reason.map { String($0.prefix(500)) } ?? "paused by \(context.keyName ?? "an operator")")
            } catch StoreError.unknownDestination { throw Problem.unknownDestination(name) }
            await PrivacyRoutes.audit(
                dependencies, context, action: "pause", target: name,
                detail: AuditDetail.json(["until": until.map(ISOTime.string) ?? "", "reason": body?.reason ?? ""]))
            let counts = try await store.counts().first { $0.name == name }
            return try JSONResponse.make(counts.map { QueueRoutes.summary($0, now: clock.nowMillis()) })
        }

        router.post("/v1/destinations/:name/resume") { _, context -> Response in
            try context.require(.operate)
            let name = try QueueRoutes.destinationName(context)
            do { try await store.setPause(destination: name, paused: false, until: nil, reason: nil) } catch StoreError.unknownDestination {
                throw Problem.unknownDestination(name)
            }
            await PrivacyRoutes.audit(dependencies, context, action: "resume", target: name, detail: nil)
            let counts = try await store.counts().first { $0.name == name }
            return try JSONResponse.make(counts.map { QueueRoutes.summary($0, now: clock.nowMillis()) })
        }
    }

    /// An optional JSON body: empty is nil, anything else must decode.
    static func decode<T: Decodable>(_ request: Request) async throws -> T? {
        var request = request
        let buffer = try await request.collectBody(upTo: 64 * 1024)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw Problem(status: .badRequest, title: "Bad JSON body", detail: "The body is not the JSON object this operation takes.")
        }
    }
}
