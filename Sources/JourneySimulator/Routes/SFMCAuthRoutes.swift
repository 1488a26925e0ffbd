import Hummingbird
import JourneyQueue

/// Marketing Cloud's token endpoints (docs/remote-apis.md §1).
enum SFMCAuthRoutes {
    static func register(on router: Router<BasicRequestContext>, state: SimulatorState) {
        router.post("/v2/token") { request, _ -> Response in
            if await state.drawRedirect() { return HTTPAnswers.redirect }
            var request = request
            let body = try await request.jsonObject() ?? [:]
            guard body["grant_type"] as? String == "client_credentials" else {
                await state.count("POST /v2/token", status: 400)
                return HTTPAnswers.json(
                    400,
                    [
                        "error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials",
                        "error_uri": "https://developer.salesforce.com/docs",
                    ])
            }
            guard
                let issued = await state.issueV2Token(
                    clientID: body["client_id"] as? String ?? "", clientSecret: body["client_secret"] as? String ?? "")
            else {
                await state.count("POST /v2/token", status: 401)
                return HTTPAnswers.json(
                    401,
                    [
                        "error": "invalid_client",
                        "error_description":
                            "Client authentication failed. Make sure that the client ID and client secret are valid "
                            + "and that the package is installed and enabled.",
                        "error_uri": "https://developer.salesforce.com/docs",
                    ])
            }
            let base = "http://\(request.head.authority ?? "127.0.0.1")/"
            await state.count("POST /v2/token", status: 200)
            let scope =
                (body["scope"] as? String) ?? "offline journeys_execute journeys_read list_and_subscribers_read data_extensions_read"
            return HTTPAnswers.text(
                200,
                "{\"access_token\":\(JSONText.string(issued.token)),\"token_type\":\"Bearer\","
                    + "\"expires_in\":\(await state.tokenLifetime(issued.ttl)),"
                    + "\"scope\":\(JSONText.string(scope)),\"soap_instance_url\":\(JSONText.string(base)),"
                    + "\"rest_instance_url\":\(JSONText.string(base))}",
                contentType: "application/json; charset=utf-8")
        }

        router.post("/v1/requestToken") { request, _ -> Response in
            if await state.drawRedirect() { return HTTPAnswers.redirect }
            var request = request
            let body = try await request.jsonObject() ?? [:]
            guard
                let issued = await state.issueLegacyToken(
                    clientID: body["clientId"] as? String ?? "", clientSecret: body["clientSecret"] as? String ?? "")
            else {
                await state.count("POST /v1/requestToken", status: 401)
                return HTTPAnswers.json(401, ["message": "Unauthorized", "errorcode": 1, "documentation": ""])
            }
            await state.count("POST /v1/requestToken", status: 200)
            return HTTPAnswers.text(
                200, "{\"accessToken\":\(JSONText.string(issued.token)),\"expiresIn\":\(await state.tokenLifetime(issued.ttl))}",
                contentType: "application/json; charset=utf-8")
        }
    }
}
