import Foundation
import JourneyQueue

/// Fetches Marketing Cloud tokens (`/v2/token`, or the legacy `/v1/requestToken`) and records each request.
struct SFMCTokenSource: Sendable {
    let settings: SFMCSettings
    let legacy: Bool
    let destination: String
    let caller: HTTPCaller
    let ledger: any AttemptLedger
    let clock: any Clock
    let timeoutMillis: Int64

    func fetch() async throws -> AccessToken {
        let url = settings.authURL + (legacy ? "/v1/requestToken" : "/v2/token")
        var body: [String: String] = legacy
            ? ["clientId": settings.clientID, "clientSecret": settings.clientSecret.value]
            : ["grant_type": "client_credentials", "client_id": settings.clientID, "client_secret": settings.clientSecret.value]
        if !legacy, let account = settings.accountID { body["account_id"] = account }
        let bytes = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        var redacted = body
        redacted[legacy ? "clientSecret" : "client_secret"] = "<redacted>"
        let recorded = String(decoding: try JSONSerialization.data(withJSONObject: redacted, options: [.sortedKeys]), as: UTF8.self)
        let start = AttemptStart(purpose: .token, method: "POST", url: url, requestBody: recorded, startedAt: clock.nowMillis())
        do {
            let answer = try await caller.send(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: Array(bytes),
                                               timeoutMillis: timeoutMillis)
            let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any] ?? [:]
            let token = object[legacy ? "accessToken" : "access_token"] as? String
            let ttl = (object[legacy ? "expiresIn" : "expires_in"] as? NSNumber)?.int64Value ?? 1079
            // The token itself never reaches the ledger.
            let recordedBody = answer.status == 200 ? "{\"expires_in\":\(ttl)}" : answer.bodyText
            try ledger.recordAttempt(destination: destination, batchID: nil, start,
                                     .answered(answer, recordedBody: recordedBody, at: clock.nowMillis()))
            guard answer.status == 200, let token else {
                throw AuthenticationFailure(message: "\(url) answered \(answer.status): \(String(answer.bodyText.prefix(300)))")
            }
            return AccessToken(value: token, expiresAt: start.startedAt + ttl * 1000)
        } catch let failure as TransportFailure {
            try ledger.recordAttempt(destination: destination, batchID: nil, start, .failed(failure, at: clock.nowMillis()))
            throw AuthenticationFailure(message: "\(url): \(failure.message)")
        }
    }
}
