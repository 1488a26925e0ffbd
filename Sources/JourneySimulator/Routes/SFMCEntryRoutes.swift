import Hummingbird

/// Marketing Cloud's journey-entry endpoints (spec §2, §3, §4).
enum SFMCEntryRoutes {
    static func register(on router: Router<BasicRequestContext>, state: SimulatorState, faults: FaultInjector, configuration: SimulatorConfiguration) {
        router.post("/interaction/v1/async/events") { request, _ -> Response in
            try await faults.run("POST /interaction/v1/async/events", style: .sfmc) {
                guard await state.authorize(request.bearerToken) != nil else { return HTTPAnswers.notAuthorized }
                var request = request
                guard let body = try await request.jsonObject() else {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10004, message: "Invalid message format: the body is not a JSON object."))
                }
                guard let members = body["members"] as? [Any] else {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10002, message: "members is required."))
                }
                let inputs = members.map { member -> AsyncMemberInput in
                    let object = member as? [String: Any] ?? [:]
                    return AsyncMemberInput(contactKey: object["contactKey"] as? String, fieldNames: Array((object["data"] as? [String: Any] ?? [:]).keys))
                }
                do {
                    let result = try await state.asyncEvents(eventDefinitionKey: body["eventDefinitionKey"] as? String ?? "", members: inputs)
                    let memberJSON: [[String: Any]] = result.members.map { outcome in
                        var entry: [String: Any] = ["contactKey": outcome.contactKey]
                        if let id = outcome.eventInstanceID { entry["eventInstanceId"] = id }
                        if let code = outcome.errorCode { entry["errorcode"] = code }
                        if let message = outcome.message { entry["message"] = message }
                        return entry
                    }
                    return HTTPAnswers.json(configuration.asyncSuccessStatus, [
                        "requestId": result.requestID, "count": result.members.count,
                        "notQueuedCount": result.members.filter { $0.errorCode != nil }.count, "members": memberJSON,
                    ])
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
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10004, message: "Invalid message format: the body is not a JSON object."))
                }
                do {
                    let id = try await state.singleEvent(contactKey: body["ContactKey"] as? String, eventDefinitionKey: body["EventDefinitionKey"] as? String,
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
                guard kind != nil, !configuration.batchContactEventsNeedsLegacyToken || kind == .sfmcLegacy else { return HTTPAnswers.notAuthorized }
                var request = request
                guard let body = try await request.jsonObject(), let details = body["BatchDetails"] as? [Any] else {
                    return HTTPAnswers.sfmc(SFMCError(status: 400, errorCode: 10002, message: "BatchDetails is required."))
                }
                let contacts = details.map { detail -> (key: String, fieldNames: [String]) in
                    let object = detail as? [String: Any] ?? [:]
                    return (object["ContactKey"] as? String ?? "", Array((object["Data"] as? [String: Any] ?? [:]).keys))
                }
                do {
                    let guid = try await state.batchContactEvents(eventDefinitionKey: body["EventDefinitionKey"] as? String ?? "", contacts: contacts)
                    return HTTPAnswers.json(201, guid)
                } catch let error as SFMCError {
                    return HTTPAnswers.sfmc(error)
                }
            }
        }
    }
}
