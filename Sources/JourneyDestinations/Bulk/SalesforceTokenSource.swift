import Foundation
import JourneyQueue

/// Salesforce OAuth (client credentials) for Bulk API 2.0; each request recorded, the secret and token never.
struct SalesforceTokenSource: Sendable {
    let loginURL: String
    let clientID: String
    let clientSecret: Secret
    /// Salesforce does not say how long a session lives (the org's policy decides): renew after this.
    let sessionMillis: Int64
    let destination: String
    let caller: HTTPCaller
    let ledger: any AttemptLedger
    let clock: any Clock
    let timeoutMillis: Int64

    func fetch() async throws -> AccessToken {
        let url = loginURL + "/services/oauth2/token"
        func form(_ secret: String) -> String {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
            return "grant_type=client_credentials&client_id=\(encode(clientID))&client_secret=\(encode(secret))"
        }
        let start = AttemptStart(purpose: .token, method: "POST", url: url, requestBody: form("<redacted>"), startedAt: clock.nowMillis())
        do {
            let answer = try await caller.send(method: "POST", url: url, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                               body: Array(form(clientSecret.value).utf8), timeoutMillis: timeoutMillis)
            let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any] ?? [:]
            let token = object["access_token"] as? String
            let instance = (object["instance_url"] as? String).flatMap { HTTPCaller.checkScheme($0) == nil ? $0.trimmingTrailingSlash() : nil }
            // The token itself never reaches the ledger.
            try ledger.recordAttempt(destination: destination, batchID: nil, start, .answered(
                answer, recordedBody: answer.status == 200 ? "{\"instance_url\":\(JSONText.string(instance ?? ""))}" : nil, at: clock.nowMillis()))
            guard answer.status == 200, let token else {
                throw AuthenticationFailure(message: "\(url) answered \(answer.status): \(String(answer.bodyText.prefix(300)))")
            }
            return AccessToken(value: token, expiresAt: start.startedAt + sessionMillis, instanceURL: instance ?? loginURL)
        } catch let failure as TransportFailure {
            try ledger.recordAttempt(destination: destination, batchID: nil, start, .failed(failure, at: clock.nowMillis()))
            throw AuthenticationFailure(message: "\(url): \(failure.message)")
        }
    }
}
