import Foundation
import JourneyQueue

/// Salesforce OAuth (client credentials) for Bulk API 2.0; each request recorded, the secret and token never.
struct SalesforceTokenSource: Sendable {
    let loginURL: String
    let clientID: String
    let clientSecret: Secret
    /// Salesforce does not say how long a session lives (the org's policy decides): renew after this.
    let sessionMillis: Int64
    let requester: TokenRequester

    func fetch() async throws -> AccessToken {
        let url = loginURL + "/services/oauth2/token"
        func form(_ secret: String) -> String {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
            return "grant_type=client_credentials&client_id=\(encode(clientID))&client_secret=\(encode(secret))"
        }
        let loginURL = self.loginURL
        return try await requester.request(
            url: url, contentType: "application/x-www-form-urlencoded", body: Array(form(clientSecret.value).utf8),
            recordedBody: form("<redacted>"), defaultLifetimeMillis: sessionMillis
        ) { json in
            // Requests go where the token says, but only to an address journeyq would accept in a config.
            let instance = json["instance_url"]?.string.flatMap { HTTPCaller.checkScheme($0) == nil ? $0.trimmingTrailingSlash() : nil }
            return (json["access_token"]?.string, nil, instance ?? loginURL, "{\"instance_url\":\(JSONText.string(instance ?? ""))}")
        }
    }
}
