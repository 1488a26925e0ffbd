import Foundation
import JourneyQueue

/// The Bulk API 2.0 calls of one job, each with a token, one refresh on a 401, and a ledger row.
struct BulkJobClient: Sendable {
    let destination: String
    let apiVersion: String
    let caller: HTTPCaller
    let tokens: TokenProvider
    let clock: any Clock
    let timeoutMillis: Int64

    enum Reply {
        case answered(HTTPAnswer)
        case failed(TransportFailure)
        case noToken(AuthenticationFailure)
    }

    func jobsURL(_ token: AccessToken) -> String { (token.instanceURL ?? "") + "/services/data/\(apiVersion)/jobs/ingest" }

    /// One call; `path` is appended to the jobs URL. With a lease, the call is written ahead (a submission); without, it is a look.
    func call(_ method: String, path: String, contentType: String = "application/json", body: String? = nil, recordBody: Bool = true,
              lease: Lease?, ledger: any AttemptLedger, remoteID: String? = nil) async throws -> Reply {
        var refreshed = false
        while true {
            let token: AccessToken
            do { token = try await tokens.token() } catch let failure as AuthenticationFailure { return .noToken(failure) }
            let url = jobsURL(token) + path
            let start = AttemptStart(purpose: lease == nil ? .reconcile : .submit, method: method, url: url,
                                     requestBody: recordBody ? (body ?? "") : "<\(body?.utf8.count ?? 0) bytes>", startedAt: clock.nowMillis())
            let attemptID: Int64? = try lease.map { try ledger.beginAttempt($0, start) }
            let reply: Reply
            let result: AttemptResult
            do {
                let answer = try await caller.send(method: method, url: url, headers: [("Content-Type", contentType), ("Authorization", "Bearer \(token.value)")],
                                                   body: body.map { Array($0.utf8) }, timeoutMillis: timeoutMillis)
                reply = .answered(answer)
                result = AttemptResult(attemptID: attemptID ?? 0, status: answer.status, headers: answer.recordedHeaders,
                                       responseBody: answer.body.count > 65_536 ? "<\(answer.body.count) bytes of results>" : answer.bodyText,
                                       remoteID: remoteID, latencyMillis: answer.latencyMillis,
                                       errorClass: (200..<300).contains(answer.status) ? nil : "http_\(answer.status)", finishedAt: clock.nowMillis())
            } catch {
                reply = .failed(error)
                result = AttemptResult(attemptID: attemptID ?? 0, status: nil, headers: [:], responseBody: error.message, remoteID: remoteID,
                                       latencyMillis: error.latencyMillis, errorClass: error.kind.rawValue, finishedAt: clock.nowMillis())
            }
            if let attemptID {
                var finished = result
                finished.attemptID = attemptID
                try ledger.finishAttempt(finished)
            } else {
                try ledger.recordAttempt(destination: destination, batchID: nil, start, result)
            }
            if case .answered(let answer) = reply, answer.status == 401, !refreshed {
                await tokens.invalidate(token)
                refreshed = true
                continue
            }
            return reply
        }
    }

    /// The job's state and error message, or nil when the look failed.
    func state(of jobID: String, ledger: any AttemptLedger) async throws -> (state: String, errorMessage: String?, status: Int)? {
        guard case .answered(let answer) = try await call("GET", path: "/\(jobID)", lease: nil, ledger: ledger, remoteID: jobID) else { return nil }
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any]
        guard answer.status == 200, let state = object?["state"] as? String else { return ("", nil, answer.status) }
        return (state, object?["errorMessage"] as? String, answer.status)
    }

    /// The three result files, or nil when one could not be read.
    func results(of jobID: String, ledger: any AttemptLedger) async throws -> BulkResults? {
        var files: [[[String]]] = []
        for kind in ["successfulResults", "failedResults", "unprocessedrecords"] {
            guard case .answered(let answer) = try await call("GET", path: "/\(jobID)/\(kind)/", lease: nil, ledger: ledger, remoteID: jobID),
                  answer.status == 200, case .success(let rows) = CSVDocument.rows(answer.body) else { return nil }
            files.append(rows)
        }
        return BulkResults(successful: files[0], failed: files[1], unprocessed: files[2])
    }
}

/// A finished job's three result files.
struct BulkResults: Sendable {
    var successful: [[String]]
    var failed: [[String]]
    var unprocessed: [[String]]

    /// Verdicts per contact key, matched by the key column (the files' row order means nothing).
    func verdicts(keyColumn: String, transientErrors: Set<String>) -> [String: Verdict] {
        var verdicts: [String: Verdict] = [:]
        func index(_ rows: [[String]]) -> Int? { rows.first?.firstIndex(of: keyColumn) }
        if let column = index(successful) {
            for row in successful.dropFirst() where column < row.count { verdicts[row[column]] = .confirmed }
        }
        if let column = index(failed), let errorColumn = failed.first?.firstIndex(of: "sf__Error") {
            for row in failed.dropFirst() where column < row.count && errorColumn < row.count {
                let error = row[errorColumn]
                let code = String(error.prefix { $0 != ":" })
                verdicts[row[column]] = transientErrors.contains(code) ? .notTaken(reason: "sf__Error \(error)") : .permanent(reason: "sf__Error \(error)")
            }
        }
        if let column = index(unprocessed) {
            for row in unprocessed.dropFirst() where column < row.count { verdicts[row[column]] = .notTaken(reason: "unprocessed by the job") }
        }
        return verdicts
    }
}
