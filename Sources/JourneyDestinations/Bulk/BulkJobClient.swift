import Foundation
import JourneyQueue

/// The Bulk API 2.0 calls of one job, each with a token, one refresh on a 401, and a ledger row.
struct BulkJobClient: Sendable {
    let apiVersion: String
    let calls: AuthorizedCaller

    typealias Reply = AuthorizedCaller.Reply

    /// One call; `path` is appended to the jobs URL. With a lease, the call is written ahead (a submission); without, it is a look.
    func call(_ method: String, path: String, contentType: String = "application/json", body: String? = nil,
              lease: Lease?, ledger: any AttemptLedger, remoteID: String? = nil) async throws -> Reply {
        let apiVersion = self.apiVersion
        return try await calls.call(method, url: { ($0.instanceURL ?? "") + "/services/data/\(apiVersion)/jobs/ingest" + path },
                                    contentType: contentType, body: body, lease: lease, ledger: ledger, remoteID: remoteID)
    }

    /// The job's state and error message, or nil when the look failed.
    func state(of jobID: String, ledger: any AttemptLedger) async throws -> (state: String, errorMessage: String?, status: Int)? {
        guard case .answered(let answer) = try await call("GET", path: "/\(jobID)", lease: nil, ledger: ledger, remoteID: jobID) else { return nil }
        let object = JSONValue.parse(answer.body)
        guard answer.status == 200, let state = object?["state"]?.string else { return ("", nil, answer.status) }
        return (state, object?["errorMessage"]?.string, answer.status)
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
