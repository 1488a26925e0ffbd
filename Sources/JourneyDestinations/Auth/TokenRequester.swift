import HTTPTypes
import JourneyQueue

/// One token request, recorded in the ledger without the secret or the token: the part every kind's token source shares.
struct TokenRequester: Sendable {
    let destination: String
    let caller: HTTPCaller
    let ledger: any AttemptLedger
    let clock: any WallClock
    let timeoutMillis: Int64
    /// The secret sent, so that an answer that echoes it back is recorded without it.
    let secret: Secret

    /// Lifetimes outside this range are a remote's mistake: clamped rather than trusted.
    static let lifetimeMillis: ClosedRange<Int64> = 1_000...86_400_000

    /// The token an answer carries: `read` takes the parsed body and returns the token value, its lifetime field,
    /// the instance URL, and what the ledger may keep of the body.
    func request(
        url: String, contentType: String, body: [UInt8], recordedBody: String, defaultLifetimeMillis: Int64,
        read: (JSONValue) -> (token: String?, lifetime: JSONValue?, instanceURL: String?, recorded: String)
    ) async throws -> AccessToken {
        let start = AttemptStart(purpose: .token, method: "POST", url: url, requestBody: recordedBody, startedAt: clock.nowMillis())
        let answer: HTTPAnswer
        do {
            answer = try await caller.send(
                method: .post, url: url, headers: [.contentType: contentType], body: body, timeoutMillis: timeoutMillis,
                purpose: .token)
        } catch {
            try await ledger.recordAttempt(destination: destination, batchID: nil, start, .failed(error, at: clock.nowMillis()))
            throw AuthenticationFailure(message: "\(RedactedURL.origin(url)): \(error.message)")
        }
        let parsed = JSONValue.parse(answer.body) ?? .null
        let fields = read(parsed)
        let safeText = redacted(String(answer.bodyText.prefix(2_000)))
        // The token itself never reaches the ledger.
        try await ledger.recordAttempt(
            destination: destination, batchID: nil, start,
            .answered(answer, recordedBody: answer.status == 200 ? fields.recorded : safeText, at: clock.nowMillis()))
        guard answer.status == 200, let token = fields.token, !token.isEmpty else {
            throw AuthenticationFailure(message: "\(url) answered \(answer.status): \(String(safeText.prefix(300)))")
        }
        return AccessToken(
            value: token, expiresAt: start.startedAt + Self.lifetime(fields.lifetime, default: defaultLifetimeMillis),
            instanceURL: fields.instanceURL, scope: parsed["scope"]?.string.map { String($0.prefix(500)) })
    }

    /// A lifetime in seconds as a number or a numeric string; anything else (negative, zero, NaN, text) is the default.
    static func lifetime(_ value: JSONValue?, default fallback: Int64) -> Int64 {
        let seconds = value?.finiteNumber ?? value?.string.flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil }
        guard let seconds, seconds > 0, let millis = RemoteDuration.millis(seconds: seconds, maxMillis: lifetimeMillis.upperBound) else {
            return fallback
        }
        return min(max(millis, lifetimeMillis.lowerBound), lifetimeMillis.upperBound)
    }

    private func redacted(_ text: String) -> String {
        secret.value.isEmpty ? text : text.replacingOccurrences(of: secret.value, with: "<redacted>")
    }
}
