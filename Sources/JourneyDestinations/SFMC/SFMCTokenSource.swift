import JourneyQueue

/// Fetches Marketing Cloud tokens (`/v2/token`, or the legacy `/v1/requestToken`) and records each request.
struct SFMCTokenSource: Sendable {
    let settings: SFMCSettings
    let legacy: Bool
    let requester: TokenRequester

    func fetch() async throws -> AccessToken {
        let url = settings.authURL + (legacy ? "/v1/requestToken" : "/v2/token")
        func body(_ secret: String) -> String {
            var fields: [Field] =
                legacy
                ? [Field("clientId", .string(settings.clientID)), Field("clientSecret", .string(secret))]
                : [
                    Field("grant_type", .string("client_credentials")), Field("client_id", .string(settings.clientID)),
                    Field("client_secret", .string(secret)),
                ]
            if !legacy, let account = settings.accountID { fields.append(Field("account_id", .string(account))) }
            return JSONText.object(fields)
        }
        let legacy = self.legacy
        return try await requester.request(
            url: url, contentType: "application/json", body: Array(body(settings.clientSecret.value).utf8),
            recordedBody: body("<redacted>"), defaultLifetimeMillis: legacy ? 3_600_000 : 1_079_000
        ) { json in
            let lifetime = json[legacy ? "expiresIn" : "expires_in"]
            return (
                json[legacy ? "accessToken" : "access_token"]?.string, lifetime, nil,
                "{\"expires_in\":\(TokenRequester.lifetime(lifetime, default: legacy ? 3_600_000 : 1_079_000) / 1000)}"
            )
        }
    }
}
