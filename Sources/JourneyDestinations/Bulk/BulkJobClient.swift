import Foundation
import HTTPTypes
import JourneyQueue

/// The Bulk API 2.0 calls of one job, each with a token, one refresh on a 401, and a ledger row.
struct BulkJobClient: Sendable {
    let apiVersion: String
    let calls: AuthorizedCaller
    /// Result files never take longer than this to download.
    static let downloadTimeoutMillis: Int64 = 600_000
    /// A result set longer than this many pages is a remote's bug, not a result.
    static let maxPages = 10_000

    typealias Reply = AuthorizedCaller.Reply

    /// One call; `path` is appended to the jobs URL. With a lease, the call is written ahead (a submission); without, it is a look.
    func call(
        _ method: HTTPRequest.Method, path: String, contentType: String = "application/json", body: String? = nil,
        lease: Lease?, ledger: any AttemptLedger, remoteID: String? = nil, into file: FileHandle? = nil, call: CallPurpose? = nil
    ) async throws -> Reply {
        let apiVersion = self.apiVersion
        return try await calls.call(
            method, url: { ($0.instanceURL ?? "") + "/services/data/\(apiVersion)/jobs/ingest" + path },
            contentType: contentType, body: body, lease: lease, ledger: ledger, remoteID: remoteID,
            into: file, downloadTimeoutMillis: Self.downloadTimeoutMillis, call: call)
    }

    /// The job's state and error message, or nil when the look failed.
    func state(of jobID: String, ledger: any AttemptLedger) async throws -> (state: String, errorMessage: String?, status: Int)? {
        guard case .answered(let answer) = try await call(.get, path: "/\(jobID)", lease: nil, ledger: ledger, remoteID: jobID) else {
            return nil
        }
        let object = JSONValue.parse(answer.body)
        guard answer.status == 200, let state = object?["state"]?.string else { return ("", nil, answer.status) }
        return (state, object?["errorMessage"]?.string, answer.status)
    }

    /// Why a job's results were not read completely.
    struct ResultsUnread: Error {
        var reason: String
        /// False when it was the destination's state (no answer, or `StatusClassifier.lookFailureCounts` says so), not a
        /// look at the contacts that failed: such a look costs none of their `verifyAttempts`.
        var countsAsLook: Bool
    }

    /// What a finished job's three result files say of the contacts keyed `wanted`; throws `ResultsUnread` unless every
    /// file was read completely: each streamed to an unlinked temporary file (no size limit in memory), every
    /// `Sforce-Locator` page followed, every row parsed. Nothing is ever concluded from part of a result set.
    func results(
        of jobID: String, keyColumn: String, wanted: Set<String>, transientErrors: Set<String>,
        ledger: any AttemptLedger
    ) async throws -> [String: Verdict] {
        var verdicts: [String: Verdict] = [:]
        for kind in ["successfulResults", "failedResults", "unprocessedrecords"] {
            var locator: String?
            var pages = 0
            repeat {
                pages += 1
                guard pages <= Self.maxPages else {
                    throw ResultsUnread(reason: "\(kind) longer than \(Self.maxPages) pages", countsAsLook: true)
                }
                let file = try TemporaryFile()
                let query = locator.map { "?locator=\(SFMCVerifier.encode($0))" } ?? ""
                guard
                    case .answered(let answer) = try await call(
                        .get, path: "/\(jobID)/\(kind)/\(query)", lease: nil, ledger: ledger,
                        remoteID: jobID, into: file.handle)
                else {
                    throw ResultsUnread(reason: "\(kind): no answer", countsAsLook: false)
                }
                guard answer.status == 200 else {
                    throw ResultsUnread(
                        reason: "\(kind): HTTP \(answer.status)", countsAsLook: StatusClassifier.lookFailureCounts(status: answer.status))
                }
                try file.handle.seek(toOffset: 0)
                var header: [String]?
                var keyIndex: Int?
                var errorIndex: Int?
                let malformed = try CSVDocument.forEachRow(fd: file.handle.fileDescriptor, name: "\(kind) of job \(jobID)") { row in
                    guard header != nil else {
                        header = row
                        keyIndex = row.firstIndex(of: keyColumn)
                        errorIndex = row.firstIndex(of: "sf__Error")
                        return
                    }
                    guard let keyIndex, keyIndex < row.count, wanted.contains(row[keyIndex]) else { return }
                    switch kind {
                    case "successfulResults":
                        verdicts[row[keyIndex]] = .confirmed
                    case "failedResults":
                        let error = errorIndex.flatMap { $0 < row.count ? row[$0] : nil } ?? "?"
                        let code = String(error.prefix { $0 != ":" })
                        verdicts[row[keyIndex]] =
                            transientErrors.contains(code)
                            ? .notTaken(reason: "sf__Error \(error)") : .permanent(reason: "sf__Error \(error)")
                    default:
                        verdicts[row[keyIndex]] = .notTaken(reason: "unprocessed by the job")
                    }
                }
                // A file that did not parse, or whose header lacks the key column while it has rows, was not read.
                if malformed != nil || (header != nil && keyIndex == nil) {
                    throw ResultsUnread(reason: "\(kind) unreadable", countsAsLook: true)
                }
                let next = answer.headers["sforce-locator"]?.trimmingCharacters(in: .whitespaces)
                locator = (next == nil || next == "" || next == "null") ? nil : next
            } while locator != nil
        }
        return verdicts
    }
}

/// An unlinked temporary file: its contents disappear with the handle, whatever happens.
final class TemporaryFile {
    let handle: FileHandle

    init() throws {
        var template = Array("\(ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp")/journeyq-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        unlink(template)
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}
