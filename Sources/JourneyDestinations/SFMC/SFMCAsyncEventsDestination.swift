import Foundation
import JourneyQueue

/// `sfmc-async-events`: Marketing Cloud batch entry, `POST /interaction/v1/async/events`, up to 100 members a request,
/// an answer per member (spec §3).
public struct SFMCAsyncEventsDestination: VerifyingDestination {
    public let name: String
    public var kind: String { "sfmc-async-events" }
    public let limits: DestinationLimits
    public let policy: OutcomePolicy
    let settings: SFMCSettings
    let runner: BatchRequestRunner
    let builder: SubmissionBuilder
    let clock: any Clock
    /// Shared by the pool: cached, renewed before expiry, one request in flight.
    public let tokens: TokenProvider
    let verifier: SFMCMembershipVerifier
    public var verificationBatchSize: Int { 50 }

    public init(name: String, settings: SFMCSettings, limits: DestinationLimits, policy: OutcomePolicy, caller: HTTPCaller,
                ledger: any AttemptLedger, clock: any Clock) {
        self.name = name
        self.settings = settings
        self.limits = limits
        self.policy = policy
        self.clock = clock
        let source = SFMCTokenSource(settings: settings, legacy: false, destination: name, caller: caller, ledger: ledger, clock: clock,
                                     timeoutMillis: limits.timeoutMillis)
        tokens = TokenProvider(clock: clock) { try await source.fetch() }
        runner = BatchRequestRunner(caller: caller, clock: clock, tokens: tokens) { token in
            token.map { [("Authorization", "Bearer \($0.value)")] } ?? []
        }
        builder = SubmissionBuilder(policy: policy, clock: clock)
        verifier = SFMCMembershipVerifier(destination: name, settings: settings, limits: limits, policy: policy, caller: caller, tokens: tokens,
                                          clock: clock, asyncStatus: true)
    }

    public func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification {
        try await verifier.verify(batch, ledger: ledger)
    }

    /// The request body: camelCase, members in claim order, data passed through as stored.
    static func body(eventDefinitionKey: String, contacts: [ClaimedContact]) -> String {
        var body = "{\"eventDefinitionKey\":" + JSONText.string(eventDefinitionKey) + ",\"members\":["
        for (index, contact) in contacts.enumerated() {
            if index > 0 { body += "," }
            body += "{\"contactKey\":" + JSONText.string(contact.key) + ",\"data\":" + contact.dataJSON + "}"
        }
        return body + "]}"
    }

    public func submit(_ batch: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission {
        let body = Self.body(eventDefinitionKey: settings.eventDefinitionKey, contacts: batch.contacts)
        let outcome = try await runner.run(batch.lease, ledger: ledger, method: "POST", url: settings.restURL + "/interaction/v1/async/events",
                                           contentType: "application/json; charset=UTF-8", body: Array(body.utf8), recordedBody: body,
                                           timeoutMillis: limits.timeoutMillis)
        if let submission = builder.nonSuccess(outcome, batch: batch) { return submission }
        guard case .answered(let answer, let attemptID) = outcome else { preconditionFailure("nonSuccess handles every other case") }
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any]
        let members = object?["members"] as? [[String: Any]]
        let requestID = object?["requestId"] as? String
        guard let members, members.count == batch.contacts.count,
              zip(members, batch.contacts).allSatisfy({ ($0["contactKey"] as? String) == $1.key }) else {
            // A success that does not account for every member proves nothing either way.
            let result = builder.result(answer, attemptID: attemptID, remoteID: requestID, errorClass: "unreadable_answer")
            return builder.uniform(.ambiguous(reason: "HTTP \(answer.status) without a member list matching the request"), batch: batch, result: result)
        }
        let verdicts = zip(batch.contacts, members).map { contact, member -> (ClaimedContact, Verdict) in
            let code = (member["errorcode"] as? String) ?? (member["errorcode"] as? NSNumber)?.stringValue
            guard let code else { return (contact, .accepted(eventInstanceID: member["eventInstanceId"] as? String)) }
            let reason = "member errorcode \(code): \(member["message"] as? String ?? "")"
            return (contact, settings.transientMemberErrorCodes.contains(code) ? .notTaken(reason: reason) : .permanent(reason: reason))
        }
        let errors = verdicts.filter { if case .accepted = $0.1 { false } else { true } }.count
        return builder.perContact(verdicts, result: builder.result(answer, attemptID: attemptID, remoteID: requestID,
                                                                    errorClass: errors > 0 ? "member_errors" : nil))
    }
}
