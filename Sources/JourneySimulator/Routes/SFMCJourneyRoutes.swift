import Foundation
import Hummingbird

/// Marketing Cloud's journey metadata (docs/remote-apis.md §6.4), and the sandbox's control over a journey's state.
enum SFMCJourneyRoutes {
    static func register(on router: Router<BasicRequestContext>, state: SimulatorState, faults: FaultInjector) {
        router.get("/interaction/v1/interactions") { request, _ -> Response in
            try await faults.run("GET /interaction/v1/interactions", style: .sfmc, gathers: false) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                let query = request.uri.queryParameters
                let page = max(query.get("$page").flatMap { Int($0) } ?? 1, 1)
                let pageSize = min(max(query.get("$pageSize").flatMap { Int($0) } ?? 50, 1), 50)
                let items = await state.interactions(key: query.get("key"))
                let slice = items.dropFirst((page - 1) * pageSize).prefix(pageSize).map(\.json)
                return HTTPAnswers.json(200, ["count": items.count, "page": page, "pageSize": pageSize, "items": slice])
            }
        }

        router.get("/interaction/v1/interactions/:id") { request, context -> Response in
            try await faults.run("GET /interaction/v1/interactions/{id}", style: .sfmc, gathers: false) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                let id = context.parameters.get("id") ?? ""
                let items =
                    id.hasPrefix("key:")
                    ? await state.interactions(key: String(id.dropFirst(4)))
                    : await state.interactions(key: nil).filter { $0.id == id }
                guard let journey = items.first else {
                    return HTTPAnswers.sfmc(SFMCError(status: 404, errorCode: 30003, message: "Interaction '\(id)' was not found."))
                }
                return HTTPAnswers.json(200, journey.json)
            }
        }

        router.post("/_sim/journeys/:key/status") { request, context -> Response in
            var request = request
            let body = try await request.jsonObject() ?? [:]
            guard let status = (body["status"] as? String).flatMap(JourneyState.init(apiStatus:)) else {
                return HTTPAnswers.json(400, ["error": "status must be Published, Draft, Stopped or Unpublished"])
            }
            guard await state.setJourneyState(key: context.parameters.get("key") ?? "", to: status) else {
                return HTTPAnswers.json(404, ["error": "no such journey"])
            }
            return HTTPAnswers.json(200, ["key": context.parameters.get("key") ?? "", "status": status.apiStatus])
        }
    }
}
