import Foundation
import HTTPTypes
import JourneyQueue

/// Calls with a bearer token from the destination's provider, one refresh and retry on a 401, and a ledger row
/// for every request: written ahead under a lease (a submission), or recorded after the answer (a look).
struct AuthorizedCaller: Sendable {
    let destination: String
    let caller: HTTPCaller
    let tokens: TokenProvider
    let clock: any WallClock
    let timeoutMillis: Int64

    /// How long a download may go without a byte: as long as a whole request may take, and at least 10 s (a result file
    /// is built before it streams). Its own deadline, sized for a large file, would hold a look batch for minutes.
    static func idleMillis(requestTimeout: Int64) -> Int64 { max(requestTimeout, 10_000) }

    enum Reply: Sendable {
        case answered(HTTPAnswer)
        case failed(TransportFailure)
        case noToken(AuthenticationFailure)
    }

    /// `url` is built from the token (Salesforce names the instance in it). `lookBatchID` ties a look to its reconciliation batch.
    /// With `into`, a 2xx body streams into that file (a result file of any size) and the ledger keeps its size.
    func call(
        _ method: HTTPRequest.Method, url makeURL: (AccessToken) -> String, contentType: String = "application/json", body: String? = nil,
        lease: Lease?, lookBatchID: Int64? = nil, ledger: any AttemptLedger, remoteID: String? = nil,
        into file: FileHandle? = nil, downloadTimeoutMillis: Int64? = nil, headers extra: HTTPFields = [:],
        call: CallPurpose? = nil
    ) async throws -> Reply {
        var refreshed = false
        while true {
            let token: AccessToken
            do { token = try await tokens.token() } catch let failure as AuthenticationFailure {
                await caller.gate.report(.down(reason: failure.description, until: nil), purpose: .token)
                return .noToken(failure)
            }
            let url = makeURL(token)
            let purpose: AttemptPurpose = lease == nil ? .reconcile : .submit
            try file?.truncate(atOffset: 0)
            do { try await caller.admit(purpose) } catch { return .failed(error) }
            let start = AttemptStart(
                purpose: purpose, method: method.rawValue, url: url, requestBody: body ?? "",
                startedAt: clock.nowMillis(), call: call,
                timeoutMillis: file == nil ? timeoutMillis : downloadTimeoutMillis ?? timeoutMillis)
            var attemptID: Int64?
            if let lease { attemptID = try await caller.writingAhead(purpose) { try await ledger.beginAttempt(lease, start) } }
            let reply: Reply
            let result: AttemptResult
            do {
                let headers: HTTPFields = [.contentType: contentType, .authorization: "Bearer \(token.value)"] + extra
                if let file {
                    let (answer, bytes) = try await caller.download(
                        method: method, url: url, headers: headers, body: body.map { Array($0.utf8) },
                        timeoutMillis: downloadTimeoutMillis ?? timeoutMillis, idleMillis: Self.idleMillis(requestTimeout: timeoutMillis),
                        purpose: start.purpose, into: file, maxBytes: 16 << 30, admitted: true)
                    reply = .answered(answer)
                    result = .answered(
                        answer, attemptID: attemptID ?? 0, remoteID: remoteID,
                        recordedBody: (200..<300).contains(answer.status) ? "<\(bytes) bytes, streamed to a temporary file>" : nil,
                        at: clock.nowMillis())
                } else {
                    let answer = try await caller.send(
                        method: method, url: url, headers: headers, body: body.map { Array($0.utf8) },
                        timeoutMillis: timeoutMillis, purpose: start.purpose, admitted: true)
                    reply = .answered(answer)
                    // Large answers: the ledger keeps their size, the store keeps their verdicts.
                    result = .answered(
                        answer, attemptID: attemptID ?? 0, remoteID: remoteID,
                        recordedBody: answer.body.count > 65_536 ? "<\(answer.body.count) bytes>" : nil, at: clock.nowMillis())
                }
            } catch {
                reply = .failed(error)
                result = .failed(error, attemptID: attemptID ?? 0, remoteID: remoteID, at: clock.nowMillis())
            }
            if attemptID != nil {
                try await ledger.finishAttempt(result)
            } else {
                try await ledger.recordAttempt(destination: destination, batchID: lookBatchID, start, result)
            }
            if case .answered(let answer) = reply, answer.status == 401 {
                if !refreshed {
                    await tokens.invalidate(token)
                    refreshed = true
                    continue
                }
                await caller.gate.report(.down(reason: "HTTP 401 after a token refresh", until: nil), purpose: .token)
            }
            return reply
        }
    }
}
