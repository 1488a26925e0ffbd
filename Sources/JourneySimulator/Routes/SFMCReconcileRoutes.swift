import Foundation
import Hummingbird
import JourneyQueue

/// Marketing Cloud's endpoints for finding out who entered (docs/remote-apis.md §3.1, §6.1).
enum SFMCReconcileRoutes {
    static func register(
        on router: Router<BasicRequestContext>, state: SimulatorState, faults: FaultInjector, configuration: SimulatorConfiguration
    ) {
        router.post("/interaction/v1/interactions/contactMembership") { request, _ -> Response in
            try await faults.run("POST /interaction/v1/interactions/contactMembership", style: .sfmc) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                if await state.drawLookFault() { return HTTPAnswers.Style.sfmc.serverError }
                var request = request
                // Every reconciliation pass calls this once per 50 contacts: parsed and written without Foundation's boxing.
                let bytes = try await request.bytes(limit: 1 << 20)
                guard let list = JSONValue.parse(bytes)?["ContactKeyList"]?.array else {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10002, message: "ContactKeyList is required."))
                }
                let keys = list.compactMap(\.string)
                do {
                    let result = try await state.membership(keys: keys)
                    var json = "{\"results\":{\"contactMemberships\":["
                    for (index, membership) in result.memberships.enumerated() {
                        if index > 0 { json += "," }
                        json +=
                            "{\"contactKey\":" + JSONText.string(membership.contactKey) + ",\"definitionKey\":"
                            + JSONText.string(membership.definitionKey) + ",\"version\":1}"
                    }
                    json += "],\"contactsNotFound\":[" + result.notFound.map(JSONText.string).joined(separator: ",") + "]}}"
                    return HTTPAnswers.text(200, json, contentType: "application/json; charset=utf-8")
                } catch let error as SFMCError {
                    return HTTPAnswers.sfmc(error)
                }
            }
        }

        router.get("/interaction/v1/async/events/status") { request, _ -> Response in
            try await faults.run("GET /interaction/v1/async/events/status", style: .sfmc) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                if await state.drawLookFault() { return HTTPAnswers.Style.sfmc.serverError }
                let query = request.uri.queryParameters
                var window: [Int64?] = []
                for name in ["startDate", "endDate"] {
                    guard let text = query.get(name) else { window.append(nil); continue }
                    guard let date = try? Date(text, strategy: .iso8601) else {
                        return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10003, message: "\(name) is not an ISO 8601 date."))
                    }
                    window.append(Int64(date.timeIntervalSince1970 * 1000))
                }
                let page = query.get("$page").flatMap { Int($0) } ?? 1
                let pageSize = query.get("$pageSize").flatMap { Int($0) } ?? configuration.statusPageSize
                do {
                    let result = try await state.asyncStatus(
                        type: query.get("type"), contactKey: query.get("contactKey"), requestID: query.get("requestId"),
                        eventInstanceID: query.get("eventInstanceId"), eventDefinitionKey: query.get("eventDefinitionKey"),
                        startDate: window[0], endDate: window[1], page: page, pageSize: pageSize)
                    let items: [[String: Any]] = result.items.map { record, status in
                        var item: [String: Any] = [
                            "requestId": record.requestID, "contactKey": record.contactKey,
                            "eventDefinitionKey": record.eventDefinitionKey, "status": status,
                            "modifiedDate": isoDate(status == "processed" ? record.dueAt : record.acceptedAt),
                        ]
                        if let id = record.eventInstanceID { item["eventInstanceId"] = id }
                        if let code = record.errorCode { item["errorcode"] = code }
                        if let message = record.message { item["message"] = message }
                        return item
                    }
                    var listing: [String: Any] = ["page": String(page), "pageSize": String(pageSize), "items": items]
                    if !configuration.statusOmitsCount { listing["count"] = result.count }
                    return HTTPAnswers.json(200, listing)
                } catch let error as SFMCError {
                    return HTTPAnswers.sfmc(error)
                }
            }
        }
    }

    static func isoDate(_ millis: Int64) -> String {
        let seconds = Double(millis) / 1000
        return Date(timeIntervalSince1970: seconds).ISO8601Format()
    }
}
