import Hummingbird
import JourneyQueue

/// Marketing Cloud's journey-entry endpoints (docs/remote-apis.md §2, §3, §4).
enum SFMCEntryRoutes {
    static func register(
        on router: Router<BasicRequestContext>, state: SimulatorState, faults: FaultInjector, configuration: SimulatorConfiguration
    ) {
        router.post("/interaction/v1/async/events") { request, _ -> Response in
            try await faults.run("POST /interaction/v1/async/events", style: .sfmc) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                var request = request
                // The hot endpoint of every benchmark: parsed and written without Foundation's boxing.
                let bytes = try await request.bytes(limit: 16 << 20)
                let parsed = bytes.withUnsafeBufferPointer { try? JSONParser.parse($0, maxDepth: 16) }
                guard case .object(let body)? = parsed else {
                    return HTTPAnswers.sfmc(
                        SFMCError(status: 400, errorCode: 10004, message: "Invalid message format: the body is not a JSON object."))
                }
                guard case .array(let members)? = body.first(where: { $0.0 == "members" })?.1 else {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10002, message: "members is required."))
                }
                var eventDefinitionKey = ""
                if case .string(let key)? = body.first(where: { $0.0 == "eventDefinitionKey" })?.1 { eventDefinitionKey = key }
                let inputs = members.map { member -> AsyncMemberInput in
                    guard case .object(let fields) = member else { return AsyncMemberInput(contactKey: nil, fieldNames: []) }
                    var input = AsyncMemberInput(contactKey: nil, fieldNames: [])
                    for (name, value) in fields {
                        if name == "contactKey", case .string(let key) = value { input.contactKey = key }
                        if name == "data", case .object(let data) = value { input.fieldNames = data.map(\.0) }
                    }
                    return input
                }
                do {
                    let result = try await state.asyncEvents(eventDefinitionKey: eventDefinitionKey, members: inputs)
                    var json = "{\"requestId\":\"\(result.requestID)\",\"count\":\(result.members.count),\"notQueuedCount\":"
                    json += "\(result.members.filter { $0.errorCode != nil }.count),\"members\":["
                    for (index, outcome) in result.members.enumerated() {
                        if index > 0 { json += "," }
                        json += "{\"contactKey\":" + JSONText.string(outcome.contactKey)
                        if let id = outcome.eventInstanceID { json += ",\"eventInstanceId\":\"\(id)\"" }
                        if let code = outcome.errorCode { json += ",\"errorcode\":" + JSONText.string(code) }
                        if let message = outcome.message { json += ",\"message\":" + JSONText.string(message) }
                        json += "}"
                    }
                    json += "]}"
                    return HTTPAnswers.text(configuration.asyncSuccessStatus, json, contentType: "application/json; charset=utf-8")
                } catch let error as SFMCError {
                    return HTTPAnswers.sfmc(error)
                }
            }
        }

        router.post("/interaction/v1/events") { request, _ -> Response in
            try await faults.run("POST /interaction/v1/events", style: .sfmc) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                var request = request
                guard let body = try await request.jsonObject() else {
                    return HTTPAnswers.sfmc(
                        SFMCError(status: 400, errorCode: 10004, message: "Invalid message format: the body is not a JSON object."))
                }
                do {
                    let id = try await state.singleEvent(
                        contactKey: body["ContactKey"] as? String, eventDefinitionKey: body["EventDefinitionKey"] as? String,
                        fieldNames: Array((body["Data"] as? [String: Any] ?? [:]).keys))
                    return HTTPAnswers.json(configuration.eventsSuccessStatus, ["eventInstanceId": id])
                } catch let error as SFMCError {
                    return HTTPAnswers.sfmc(error)
                }
            }
        }

        router.post("/interaction-experimental/v1/batchcontactevents") { request, _ -> Response in
            try await faults.run("POST /interaction-experimental/v1/batchcontactevents", style: .sfmc) {
                let kind = await state.authorize(request.bearerToken)
                guard kind != nil, !configuration.batchContactEventsNeedsLegacyToken || kind == .sfmcLegacy else {
                    return HTTPAnswers.notAuthorized
                }
                var request = request
                guard let body = try await request.jsonObject(), let details = body["BatchDetails"] as? [Any] else {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10002, message: "BatchDetails is required."))
                }
                let contacts = details.map { detail -> (key: String, fieldNames: [String]) in
                    let object = detail as? [String: Any] ?? [:]
                    return (object["ContactKey"] as? String ?? "", Array((object["Data"] as? [String: Any] ?? [:]).keys))
                }
                do {
                    let guid = try await state.batchContactEvents(
                        eventDefinitionKey: body["EventDefinitionKey"] as? String ?? "", contacts: contacts)
                    return HTTPAnswers.json(201, guid)
                } catch let error as SFMCError {
                    return HTTPAnswers.sfmc(error)
                }
            }
        }
    }
}
