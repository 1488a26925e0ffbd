import Foundation
import HTTPTypes
import JourneyQueue

/// `symplify-batchtrigger`: `POST /rest/{customerId}/batchtrigger/v2` for a pre-signed `uploadUrl`, then the batch
/// `PUT` there as NDJSON `{"id", "properties"}` lines (docs/remote-apis.md §8.1). Symplify publishes no way to check entry,
/// so accepted contacts end `unverifiable`, and ambiguous uploads follow the destination's setting.
public struct SymplifyBatchTriggerDestination: Destination {
    public let name: String
    public var kind: String { SymplifyBatchTriggerKind.name }
    public let limits: DestinationLimits
    public let policy: OutcomePolicy
    let baseURL: String
    let customerID: String
    let journeyID: Int
    let token: Secret
    let caller: HTTPCaller
    let clock: any WallClock
    let runner: BatchRequestRunner
    let builder: SubmissionBuilder

    /// A destination that starts journey `journeyID` of customer `customerID`.
    public init(
        name: String, baseURL: String, customerID: String, token: Secret, journeyID: Int, limits: DestinationLimits,
        policy: OutcomePolicy, caller: HTTPCaller, clock: any WallClock
    ) {
        self.name = name
        self.baseURL = baseURL.trimmingTrailingSlash()
        self.customerID = customerID
        self.journeyID = journeyID
        self.token = token
        self.limits = limits
        var unverifiable = policy
        unverifiable.verifiable = false
        self.policy = unverifiable
        self.caller = caller
        self.clock = clock
        runner = BatchRequestRunner(caller: caller, clock: clock, tokens: nil) { _ in
            [.carmaToken: token.value, .accept: "application/json"]
        }
        builder = SubmissionBuilder(policy: unverifiable, clock: clock)
    }

    /// The file: one `{"id", "properties"}` object per line.
    static func file(_ contacts: [ClaimedContact]) -> String {
        contacts.map { "{\"id\":" + JSONText.string($0.key) + ",\"properties\":" + $0.dataJSON + "}\n" }.joined()
    }

    /// One file's size bound (documented in the README): contacts past it wait for the next file, sent by nothing yet.
    public static let uploadLimitBytes = 8 << 20

    /// How many of `contacts` fit in one file.
    static func fitting(_ contacts: [ClaimedContact], limit: Int = uploadLimitBytes) -> Int {
        var bytes = 0
        for (index, contact) in contacts.enumerated() {
            bytes += contact.key.utf8.count + contact.dataJSON.utf8.count + 40
            if bytes > limit { return max(index, 1) }
        }
        return contacts.count
    }

    public func submit(_ claimed: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission {
        let fit = Self.fitting(claimed.contacts)
        try await ledger.release(
            claimed.lease, Array(claimed.contacts.dropFirst(fit)), reason: "over the size bound of one file; waits for the next")
        var batch = claimed
        batch.contacts = Array(claimed.contacts.prefix(fit))
        let body = "{\"type\":\"JOURNEY_COMMENCE\",\"entityId\":\(journeyID)}"
        // Nothing starts until a file is uploaded: the trigger takes no contact, whatever becomes of it. Its record leaves
        // the contacts `claimed`, so that a worker that dies before the upload leaves them to be queued again.
        let trigger = try await runner.run(
            batch.lease, ledger: ledger, method: .post, url: "\(baseURL)/rest/\(customerID)/batchtrigger/v2",
            contentType: "application/json", body: Array(body.utf8), recordedBody: body, timeoutMillis: limits.timeoutMillis,
            takesContacts: false)
        let answer: HTTPAnswer, attemptID: Int64
        switch trigger {
        case .noToken(let failure):
            return builder.uniform(.unavailable(reason: failure.description), batch: batch, result: nil)
        case .notSent(let failure):
            return builder.uniform(.unavailable(reason: failure.message), batch: batch, result: nil)
        case .failed(let failure, let id):
            let verdict: Verdict =
                failure.kind == .notSent
                ? .unavailable(reason: "trigger: \(failure.message)") : .notTaken(reason: "trigger: \(failure.message)")
            return builder.uniform(verdict, batch: batch, result: builder.result(failure, attemptID: id))
        case .answered(let reply, let id):
            (answer, attemptID) = (reply, id)
        }
        guard (200..<300).contains(answer.status) else {
            let verdict = StatusClassifier.verdict(for: answer) ?? .permanent(reason: "HTTP \(answer.status)")
            let safe: Verdict = if case .ambiguous(let reason, _) = verdict { .notTaken(reason: "trigger: \(reason)") } else { verdict }
            return builder.uniform(
                safe, batch: batch, result: redacted(builder.result(answer, attemptID: attemptID, remoteID: nil, errorClass: nil)),
                pauseUntil: builder.pauseFor(safe, answer))
        }
        guard let uploadURL = JSONValue.parse(answer.body)?["uploadUrl"]?.string, HTTPCaller.checkScheme(uploadURL) == nil else {
            return builder.uniform(
                .notTaken(reason: "trigger answered without a usable uploadUrl"), batch: batch,
                result: redacted(builder.result(answer, attemptID: attemptID, remoteID: nil, errorClass: "no_upload_url")))
        }
        try await ledger.finishAttempt(redacted(builder.result(answer, attemptID: attemptID, remoteID: nil, errorClass: nil)))
        return try await upload(batch, to: uploadURL, ledger: ledger)
    }

    private func upload(_ batch: ClaimedBatch, to url: String, ledger: any AttemptLedger) async throws -> Submission {
        let file = Self.file(batch.contacts)
        // The pre-signed URL grants uploads for hours: it is recorded without its path and query.
        let recordedURL = (URL(string: url).flatMap { "\($0.scheme ?? "https")://\($0.host ?? "?")" } ?? "?") + "/<uploadUrl>"
        do { try await caller.admit(.submit) } catch {
            return builder.uniform(.unavailable(reason: "upload not sent: \(error.message)"), batch: batch, result: nil)
        }
        let attemptID = try await caller.writingAhead(.submit) {
            try await ledger.beginAttempt(
                batch.lease,
                AttemptStart(
                    purpose: .submit, method: HTTPRequest.Method.put.rawValue, url: recordedURL, requestBody: file,
                    startedAt: clock.nowMillis(), timeoutMillis: limits.timeoutMillis))
        }
        do {
            let answer = try await caller.send(
                method: .put, url: url, headers: [.contentType: "text/plain; charset=utf-8"],
                body: Array(file.utf8), timeoutMillis: limits.timeoutMillis, admitted: true)
            let result = builder.result(answer, attemptID: attemptID, remoteID: nil, errorClass: nil)
            if (200..<300).contains(answer.status) { return builder.uniform(.accepted(eventInstanceID: nil), batch: batch, result: result) }
            if answer.status == 403 || answer.status == 404 {
                // The URL was refused (expired or already used): this file was not taken.
                return builder.uniform(
                    .notTaken(reason: "upload refused: HTTP \(answer.status) \(StatusClassifier.summary(answer))"), batch: batch,
                    result: result)
            }
            let verdict = StatusClassifier.verdict(for: answer) ?? .ambiguous(reason: "HTTP \(answer.status)")
            return builder.uniform(verdict, batch: batch, result: result, pauseUntil: builder.pauseFor(verdict, answer))
        } catch {
            return builder.uniform(StatusClassifier.verdict(for: error), batch: batch, result: builder.result(error, attemptID: attemptID))
        }
    }

    /// The token through the API overview's sanity call; the journey cannot be looked up (the spec knows no way).
    public func preflight(ledger: any AttemptLedger) async -> [PreflightCheck] {
        var checks: [PreflightCheck] = []
        do {
            let answer = try await caller.send(
                method: .get, url: "\(baseURL)/rest/\(customerID)/apiurl",
                headers: [.carmaToken: token.value, .accept: "application/json"],
                body: nil, timeoutMillis: limits.timeoutMillis, purpose: .token)
            checks.append(
                answer.status == 200
                    ? PreflightCheck("credentials", .passed, "the API token is accepted for customer \(customerID)")
                    : PreflightCheck(
                        "credentials", .failed, "HTTP \(answer.status) \(StatusClassifier.summary(answer))",
                        advice: "check customerId and token (Settings › API keys) and baseURL"))
        } catch {
            checks.append(PreflightCheck("credentials", .failed, error.message, advice: "check baseURL"))
        }
        checks.append(
            PreflightCheck(
                "journey exists and is active", .unknown,
                "Symplify publishes no way to look journey \(journeyID) up; contacts end unverifiable for the same reason"))
        return checks
    }

    private func redacted(_ result: AttemptResult) -> AttemptResult {
        var copy = result
        if copy.responseBody.contains("uploadUrl") { copy.responseBody = "{\"uploadUrl\":\"<redacted>\"}" }
        return copy
    }
}
