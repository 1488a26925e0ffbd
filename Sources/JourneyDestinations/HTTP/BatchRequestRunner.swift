import HTTPTypes
import JourneyQueue

/// How one batch request went, after the write-ahead record, the send and at most one token refresh.
enum BatchRequestOutcome: Sendable {
    case answered(HTTPAnswer, attemptID: Int64)
    case failed(TransportFailure, attemptID: Int64)
    /// No token could be had: nothing was sent.
    case noToken(AuthenticationFailure)
    /// The gate let nothing go (shutdown): nothing was sent, nothing recorded.
    case notSent(TransportFailure)
}

/// Sends one batch request the way every destination must: token, write-ahead ledger row, send,
/// and on a 401 one token refresh and one retry (promise 5), each request in the ledger.
struct BatchRequestRunner: Sendable {
    let caller: HTTPCaller
    let clock: any WallClock
    let tokens: TokenProvider?
    /// Builds the auth headers from a token (Bearer, or a vendor header without a token provider).
    let authHeaders: @Sendable (AccessToken?) -> HTTPFields

    func run(
        _ lease: Lease, ledger: any AttemptLedger, method: HTTPRequest.Method, url: String, contentType: String,
        body: [UInt8], recordedBody: String, timeoutMillis: Int64, takesContacts: Bool = true
    ) async throws -> BatchRequestOutcome {
        var refreshed = false
        while true {
            var token: AccessToken?
            if let tokens {
                do { token = try await tokens.token() } catch let failure as AuthenticationFailure {
                    await caller.gate.report(.down(reason: failure.description, until: nil), purpose: .token)
                    return .noToken(failure)
                }
            }
            do { try await caller.admit(.submit) } catch { return .notSent(error) }
            let attemptID = try await caller.writingAhead(.submit) {
                try await ledger.beginAttempt(
                    lease,
                    AttemptStart(
                        purpose: .submit, method: method.rawValue, url: url, requestBody: recordedBody,
                        startedAt: clock.nowMillis(), takesContacts: takesContacts, timeoutMillis: timeoutMillis))
            }
            let answer: HTTPAnswer
            do {
                answer = try await caller.send(
                    method: method, url: url, headers: [.contentType: contentType] + authHeaders(token),
                    body: body, timeoutMillis: timeoutMillis, admitted: true)
            } catch {
                return .failed(error, attemptID: attemptID)
            }
            if answer.status == 401, let tokens, let token, !refreshed {
                try await ledger.finishAttempt(.answered(answer, attemptID: attemptID, at: clock.nowMillis()))
                await tokens.invalidate(token)
                refreshed = true
                continue
            }
            if answer.status == 401 {
                await caller.gate.report(.down(reason: "HTTP 401 after a token refresh", until: nil), purpose: .token)
            }
            return .answered(answer, attemptID: attemptID)
        }
    }
}
