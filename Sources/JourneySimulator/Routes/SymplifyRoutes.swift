import Foundation
import HTTPTypes
import Hummingbird

/// Symplify's batch journey start (docs/remote-apis.md §8.1): trigger for an upload URL, then PUT the NDJSON file there.
enum SymplifyRoutes {
    static let carmaToken = HTTPField.Name("X-Carma-Authentication-Token")!

    static func register(on router: Router<BasicRequestContext>, state: SimulatorState, faults: FaultInjector) {
        // The sanity call of the API overview (docs/remote-apis.md §8): it answers only to a valid token.
        router.get("/rest/:customerId/apiurl") { request, context -> Response in
            guard await state.symplifyAuthorized(customerID: context.parameters.get("customerId") ?? "", token: request.headers[carmaToken])
            else {
                return HTTPAnswers.symplify(SymplifyError(status: 401, message: "Invalid authentication token"))
            }
            let base = "http://\(request.head.authority ?? "127.0.0.1")"
            return HTTPAnswers.json(
                200,
                [
                    "serverBaseUrl": base, "webserviceUrl": base, "swaggerUrl": base + "/swagger", "restUrl": base + "/rest",
                    "controllerUrl": base,
                ])
        }

        router.post("/rest/:customerId/batchtrigger/v2") { request, context -> Response in
            try await faults.run("POST /rest/{customerId}/batchtrigger/v2", style: .symplify) {
                var request = request
                let body = try await request.jsonObject() ?? [:]
                let entityID = (body["entityId"] as? Int) ?? (body["entityId"] as? String).flatMap { Int($0) }
                do {
                    let token = try await state.batchTrigger(
                        customerID: context.parameters.get("customerId") ?? "",
                        authToken: request.headers[carmaToken],
                        entityID: entityID)
                    return HTTPAnswers.json(
                        200, ["uploadUrl": "http://\(request.head.authority ?? "127.0.0.1")/_sim/symplify/upload/\(token)"])
                } catch let error as SymplifyError {
                    return HTTPAnswers.symplify(error)
                }
            }
        }

        router.put("/_sim/symplify/upload/:token") { request, context -> Response in
            try await faults.run("PUT {uploadUrl}", style: .symplify) {
                var request = request
                let bytes = try await request.bytes(limit: 256 << 20)
                let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true).map { line -> (id: String?, valid: Bool) in
                    guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any],
                        let id = object["id"] as? String
                    else { return (nil, false) }
                    return (id, object["properties"] == nil || object["properties"] is [String: Any])
                }
                do {
                    _ = try await state.symplifyUpload(token: context.parameters.get("token") ?? "", lines: lines)
                    return HTTPAnswers.empty(200)
                } catch let error as SymplifyError {
                    return HTTPAnswers.symplify(error)
                }
            }
        }
    }
}
