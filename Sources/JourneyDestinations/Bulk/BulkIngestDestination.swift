import Foundation
import HTTPTypes
import JourneyQueue

/// `salesforce-bulk-ingest`: Bulk API 2.0 (docs/remote-apis.md §9): create a job, `PUT` the batch as CSV, `PATCH` UploadComplete,
/// poll, then read the successful, failed and unprocessed results and match them to contacts by the key column.
/// The job id is tied to the contacts before the upload: a worker killed mid-job leaves a job to look at.
public struct BulkIngestDestination: VerifyingDestination {
    public let name: String
    public var kind: String { BulkIngestKind.name }
    public let limits: DestinationLimits
    public let policy: OutcomePolicy
    let object: String
    let operation: String
    let externalIDFieldName: String?
    /// The CSV column that carries the contact key (the external id for upsert).
    let keyColumn: String
    let uploadLimitBytes: Int
    let pollMillis: Int64
    /// How long a job may stay in progress before looks at it count against `verifyAttempts` (the remote's pace until then).
    let jobTimeoutMillis: Int64
    /// How long a submission waits for its job before leaving it to reconciliation.
    let maxWaitMillis: Int64
    let transientErrors: Set<String>
    let client: BulkJobClient
    let builder: SubmissionBuilder
    let clock: any WallClock
    public var verificationBatchSize: Int { max(limits.batchSize, 1) }

    /// A destination for one object and operation; `uploadLimitBytes` bounds one job's CSV (the API takes about 100 MB).
    public init(
        name: String, loginURL: String, clientID: String, clientSecret: Secret, object: String, operation: String,
        externalIDFieldName: String?, apiVersion: String, limits: DestinationLimits, policy: OutcomePolicy, pollMillis: Int64,
        jobTimeoutMillis: Int64 = 86_400_000, caller: HTTPCaller, ledger: any AttemptLedger, clock: any WallClock,
        uploadLimitBytes: Int = 100 * 1024 * 1024,
        maxWaitMillis: Int64 = 30 * 60_000,
        transientErrors: Set<String> = ["UNABLE_TO_LOCK_ROW", "REQUEST_RUNNING_TOO_LONG", "SERVER_UNAVAILABLE"]
    ) {
        self.name = name
        self.limits = limits
        self.policy = policy
        self.object = object
        self.operation = operation
        self.externalIDFieldName = externalIDFieldName
        keyColumn = externalIDFieldName ?? "ContactKey"
        self.uploadLimitBytes = uploadLimitBytes
        self.pollMillis = pollMillis
        self.jobTimeoutMillis = jobTimeoutMillis
        self.maxWaitMillis = maxWaitMillis
        self.transientErrors = transientErrors
        self.clock = clock
        let source = SalesforceTokenSource(
            loginURL: loginURL.trimmingTrailingSlash(), clientID: clientID, clientSecret: clientSecret,
            sessionMillis: 3_600_000,
            requester: TokenRequester(
                destination: name, caller: caller, ledger: ledger, clock: clock, timeoutMillis: limits.timeoutMillis,
                secret: clientSecret))
        let tokens = TokenProvider(clock: clock) { try await source.fetch() }
        client = BulkJobClient(
            apiVersion: apiVersion,
            calls: AuthorizedCaller(
                destination: name, caller: caller, tokens: tokens, clock: clock,
                timeoutMillis: limits.timeoutMillis))
        builder = SubmissionBuilder(policy: policy, clock: clock)
    }

    /// The CSV of a batch: the key column, then every data field any contact has, in first-seen order.
    /// Contacts past the upload limit are left out (they go back to the queue for the next job).
    func csv(_ contacts: [ClaimedContact]) -> (text: String, included: [ClaimedContact]) {
        var columns: [String] = []
        var seen = Set<String>()
        var parsed: [[String: String]] = []
        for contact in contacts {
            var values: [String: String] = [:]
            if case .object(let fields)? = try? JSONParser.parse(contact.dataJSON) {
                for (field, value) in fields where field != keyColumn {
                    if seen.insert(field).inserted { columns.append(field) }
                    switch value {
                    case .string(let text): values[field] = text
                    case .number(let literal): values[field] = literal
                    case .bool(let flag): values[field] = flag ? "true" : "false"
                    default: values[field] = ""
                    }
                }
            }
            parsed.append(values)
        }
        var text = CSVDocument.line([keyColumn] + columns)
        var included: [ClaimedContact] = []
        for (contact, values) in zip(contacts, parsed) {
            let line = CSVDocument.line([contact.key] + columns.map { values[$0] ?? "" })
            if text.utf8.count + line.utf8.count > uploadLimitBytes { break }
            text += line
            included.append(contact)
        }
        return (text, included)
    }

    public func submit(_ claimed: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission {
        let (file, included) = csv(claimed.contacts)
        // Contacts past the upload limit go back to the queue before any request carries them, for the next job.
        try await ledger.release(
            claimed.lease, Array(claimed.contacts.dropFirst(included.count)), reason: "over the upload limit of one job")
        var batch = claimed
        batch.contacts = included
        var fields = [Field("columnDelimiter", .string("COMMA")), Field("contentType", .string("CSV"))]
        if let externalIDFieldName { fields.append(Field("externalIdFieldName", .string(externalIDFieldName))) }
        fields += [Field("lineEnding", .string("LF")), Field("object", .string(object)), Field("operation", .string(operation))]
        let json = JSONText.object(fields)
        // Creating a job takes no contact: any failure here is safe to retry.
        let created = try await client.call(.post, path: "", body: json, lease: batch.lease, ledger: ledger)
        guard case .answered(let answer) = created, (200..<300).contains(answer.status),
            let jobID = JSONValue.parse(answer.body)?["id"]?.string, Self.isJobID(jobID)
        else {
            return notTaken(batch, step: "create job", reply: created)
        }
        try await ledger.attachRemoteID(batch.lease, jobID)
        let upload = try await client.call(
            .put, path: "/\(jobID)/batches", contentType: "text/csv", body: file, lease: batch.lease, ledger: ledger, remoteID: jobID)
        guard case .answered(let uploaded) = upload, uploaded.status == 201 || uploaded.status == 200 else {
            // An open job processes nothing: abort it and send these contacts again in another job.
            _ = try await client.call(
                .patch, path: "/\(jobID)", body: "{\"state\":\"Aborted\"}", lease: nil, ledger: ledger, remoteID: jobID, call: .submission)
            return notTaken(batch, step: "upload", reply: upload)
        }
        let closed = try await client.call(
            .patch, path: "/\(jobID)", body: "{\"state\":\"UploadComplete\"}", lease: batch.lease, ledger: ledger, remoteID: jobID)
        if case .answered(let answer) = closed, (400..<500).contains(answer.status), answer.status != 429 {
            _ = try await client.call(
                .patch, path: "/\(jobID)", body: "{\"state\":\"Aborted\"}", lease: nil, ledger: ledger, remoteID: jobID, call: .submission)
            return notTaken(batch, step: "close job", reply: closed)
        }
        // From here the job may run: wait for it, then read what it did.
        let deadline = clock.nowMillis() + maxWaitMillis
        var wait = pollMillis
        while clock.nowMillis() < deadline {
            try await Task.sleep(for: .milliseconds(wait))
            wait = min(wait * 2, 30_000)
            guard let state = try await client.state(of: jobID, ledger: ledger) else { continue }
            if state.state == "Open" {
                // The close was throttled or lost: closing an uploaded job again is harmless.
                _ = try await client.call(
                    .patch, path: "/\(jobID)", body: "{\"state\":\"UploadComplete\"}", lease: batch.lease, ledger: ledger, remoteID: jobID)
                continue
            }
            if ["JobComplete", "Failed", "Aborted"].contains(state.state) {
                do {
                    return Submission(
                        settlements: try await settle(
                            jobID: jobID, contacts: included.map { ($0.id, $0.key, $0.attempts) }, ledger: ledger),
                        result: nil)
                } catch let unread as BulkJobClient.ResultsUnread {
                    // The job ran: its contacts are looked at again by reconciliation.
                    let reason = "job \(jobID): results not read (\(unread.reason))"
                    return Submission(
                        settlements: builder.perContact(included.map { ($0, Verdict.ambiguous(reason: reason)) }, result: nil).settlements,
                        result: nil)
                }
            }
        }
        let reason = "job \(jobID) not finished after \(maxWaitMillis / 1000) s"
        return builder.perContact(
            included.map { ($0, Verdict.ambiguous(reason: reason)) },
            result: nil, pauseUntil: nil)
    }

    private func notTaken(_ batch: ClaimedBatch, step: String, reply: BulkJobClient.Reply) -> Submission {
        let reason: String
        var verdict: Verdict
        var pause: Int64?
        switch reply {
        case .noToken(let failure):
            return builder.uniform(.unavailable(reason: failure.description), batch: batch, result: nil)
        case .failed(let failure):
            reason = "\(step): \(failure.message)"
            verdict = failure.kind == .notSent ? .unavailable(reason: reason) : .notTaken(reason: reason)
        case .answered(let answer):
            reason = "\(step): HTTP \(answer.status) \(StatusClassifier.summary(answer))"
            switch answer.status {
            case 429:
                verdict = .throttled(reason: reason)
                pause = StatusClassifier.throttledUntil(answer, now: clock.nowMillis(), policy: policy)
            case 300..<400, 401, 503: verdict = .unavailable(reason: reason)
            case 400..<500 where answer.status != 408: verdict = .permanent(reason: reason)
            default: verdict = .notTaken(reason: reason)
            }
        }
        return builder.uniform(verdict, batch: batch, result: nil, pauseUntil: pause)
    }

    /// Reads a finished job's results and decides each contact; nil when the results could not be read.
    /// The contacts' outcomes from the job's results; throws `BulkJobClient.ResultsUnread` when they were not read completely.
    private func settle(jobID: String, contacts: [(id: Int64, key: String, attempts: Int)], ledger: any AttemptLedger) async throws
        -> [Settlement]
    {
        let verdicts = try await client.results(
            of: jobID, keyColumn: keyColumn, wanted: Set(contacts.map(\.key)),
            transientErrors: transientErrors, ledger: ledger)
        let jitter = policy.jitter.next()
        let now = clock.nowMillis()
        return contacts.map { contact in
            let verdict = verdicts[contact.key] ?? .ambiguous(reason: "job \(jobID): row in no result file")
            return Settlement(
                contactID: contact.id, outcome: policy.outcome(for: verdict, attempts: contact.attempts, now: now, jitter: jitter))
        }
    }

    /// Contacts whose job outcome is unknown (the worker died mid-job, or the job outlived the wait): look at the job.
    /// Looks that cannot decide (the job still running, a failed look) are bounded by `verifyAttempts`.
    public func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification {
        let now = clock.nowMillis()
        var settlements: [Settlement] = []
        let jitter = policy.jitter.next()
        func undecided(_ contacts: [VerificationCandidate], _ reason: String, after millis: Int64, counted: Bool = true) -> [Settlement] {
            contacts.map {
                Settlement(
                    contactID: $0.id,
                    outcome: policy.undecided(
                        looks: $0.looks, reason: reason, now: now, at: now + millis,
                        counted: counted, jitter: jitter))
            }
        }
        func resend(_ contacts: [VerificationCandidate], _ reason: String) -> [Settlement] {
            contacts.map {
                Settlement(
                    contactID: $0.id,
                    outcome: policy.outcome(for: .notTaken(reason: reason), attempts: $0.attempts, now: now, jitter: jitter))
            }
        }
        for (jobID, contacts) in Dictionary(grouping: batch.contacts, by: { $0.requestID ?? "" }).sorted(by: { $0.key < $1.key }) {
            guard !jobID.isEmpty else {
                // No job was ever tied to them: nothing of theirs was uploaded.
                settlements += resend(contacts, "no job was created")
                continue
            }
            guard let state = try await client.state(of: jobID, ledger: ledger) else {
                // No answer at all: the destination is unwell (its gate says so), which is no fault of these contacts.
                settlements += undecided(contacts, "job \(jobID): look got no answer", after: pollMillis * 10, counted: false)
                continue
            }
            switch state.state {
            case "JobComplete", "Failed", "Aborted":
                do {
                    let decided = try await settle(jobID: jobID, contacts: contacts.map { ($0.id, $0.key, $0.attempts) }, ledger: ledger)
                    // Results read completely that do not name a contact prove nothing of it: look again, bounded.
                    let byID = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id, $0) })
                    settlements += decided.map { settlement in
                        guard case .unknown = settlement.outcome, let contact = byID[settlement.contactID] else { return settlement }
                        return undecided([contact], "job \(jobID): row in no result file", after: pollMillis * 10)[0]
                    }
                } catch let unread as BulkJobClient.ResultsUnread {
                    settlements += undecided(
                        contacts, "job \(jobID): results not read (\(unread.reason))", after: pollMillis * 10,
                        counted: unread.countsAsLook)
                }
            case "Open":
                // The upload never completed: abort, so that the job can never run, and send again once the abort is
                // confirmed (a job that moved on meanwhile is looked at again).
                let aborted = try await client.call(
                    .patch, path: "/\(jobID)", body: "{\"state\":\"Aborted\"}", lease: nil, ledger: ledger, remoteID: jobID)
                if case .answered(let answer) = aborted, answer.status == 200, JSONValue.parse(answer.body)?["state"]?.string == "Aborted" {
                    settlements += resend(contacts, "job \(jobID) was left open; aborted")
                } else {
                    settlements += undecided(contacts, "job \(jobID) was left open and the abort was not confirmed", after: pollMillis * 5)
                }
            case "":
                let reason = "job \(jobID): HTTP \(state.status)"
                if state.status == 404 {
                    settlements += contacts.map {
                        Settlement(
                            contactID: $0.id,
                            outcome: .unverifiable(reason: "\(reason): the job no longer exists (jobs are deleted after 7 days)"))
                    }
                } else {
                    settlements += undecided(
                        contacts, reason, after: pollMillis * 10, counted: StatusClassifier.lookFailureCounts(status: state.status))
                }
            default:
                // Still running is the remote's pace, not a look that failed; only a job older than jobTimeoutSeconds
                // (measured from the request that created it) starts to cost looks.
                for contact in contacts {
                    let overdue = now - (contact.sentAt ?? now) > jobTimeoutMillis
                    let reason =
                        overdue
                        ? "job \(jobID) is still \(state.state) after \(jobTimeoutMillis / 1000) s" : "job \(jobID) is \(state.state)"
                    settlements += undecided([contact], reason, after: pollMillis * 5, counted: overdue)
                }
            }
        }
        return Verification(settlements: settlements)
    }

    /// The token, the object, and the key column as a field (the external id for upsert), through sObject describe.
    public func preflight(ledger: any AttemptLedger) async -> [PreflightCheck] {
        var checks: [PreflightCheck] = []
        let token: AccessToken
        do {
            token = try await client.calls.tokens.token()
            checks.append(
                PreflightCheck("credentials", .passed, "a session was obtained for \(RedactedURL.origin(token.instanceURL ?? ""))"))
        } catch {
            return [
                PreflightCheck("credentials", .failed, "\(error)", advice: "check clientId, clientSecret and loginURL of the connected app")
            ]
        }
        let path = "/services/data/\(client.apiVersion)/sobjects/\(SFMCVerifier.encode(object))/describe"
        guard
            case .answered(let answer)? = try? await client.calls.call(
                .get, url: { ($0.instanceURL ?? "") + path }, lease: nil, ledger: ledger)
        else {
            return checks + [PreflightCheck("object exists", .failed, "no answer from sObject describe")]
        }
        guard answer.status == 200, let fields = JSONValue.parse(answer.body, maxDepth: 16)?["fields"]?.array else {
            return checks + [
                PreflightCheck(
                    "object exists", .failed, "HTTP \(answer.status) \(StatusClassifier.summary(answer))",
                    advice: "object names the sObject to ingest into (Contact, Lead, …) and the user may read it")
            ]
        }
        checks.append(PreflightCheck("object exists", .passed, "'\(object)', \(fields.count) fields"))
        let field = fields.first { $0["name"]?.string == keyColumn }
        if externalIDFieldName != nil {
            checks.append(
                field?["externalId"] == .bool(true)
                    ? PreflightCheck("external id field", .passed, "'\(keyColumn)' is an external id")
                    : PreflightCheck(
                        "external id field", .failed,
                        field == nil ? "'\(keyColumn)' is not a field of \(object)" : "'\(keyColumn)' is not an external id",
                        advice: "upsert matches rows by an External ID field: create it, or name one in externalIdFieldName"))
        } else {
            checks.append(
                field != nil
                    ? PreflightCheck("key column is a field", .passed, "'\(keyColumn)'")
                    : PreflightCheck(
                        "key column is a field", .failed, "'\(keyColumn)' is not a field of \(object)",
                        advice: "insert writes the contact key into this column: create the field, or use upsert with externalIdFieldName"))
        }
        return checks
    }

    /// Job ids name a path segment: anything but a plain id from the remote is refused.
    static func isJobID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
    }
}
