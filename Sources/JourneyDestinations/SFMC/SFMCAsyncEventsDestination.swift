import Foundation
import JourneyQueue

/// `sfmc-async-events`: Marketing Cloud batch entry, `POST /interaction/v1/async/events`, up to 100 members a request,
/// an answer per member (spec §3).
public struct SFMCAsyncEventsDestination: VerifyingDestination {
    public let name: String
    public var kind: String { "sfmc-async-events" }
    public let limits: DestinationLimits
    public let policy: OutcomePolicy
    let connection: SFMCConnection
    public var verificationBatchSize: Int { 50 }
    /// Shared by the pool: cached, renewed before expiry, one request in flight.
    public var tokens: TokenProvider { connection.tokens }

    /// A destination with its own token provider and membership verifier.
    public init(name: String, settings: SFMCSettings, limits: DestinationLimits, policy: OutcomePolicy, caller: HTTPCaller,
                ledger: any AttemptLedger, clock: any Clock) {
        self.name = name
        self.limits = limits
        self.policy = policy
        connection = SFMCConnection(name: name, settings: settings, legacyToken: false, asyncStatus: true, limits: limits, policy: policy,
                                    caller: caller, ledger: ledger, clock: clock)
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
        let settings = connection.settings, builder = connection.builder
        let outcome = try await connection.post(batch, path: "/interaction/v1/async/events",
                                                body: Self.body(eventDefinitionKey: settings.eventDefinitionKey, contacts: batch.contacts),
                                                ledger: ledger, timeoutMillis: limits.timeoutMillis)
        if let submission = builder.nonSuccess(outcome, batch: batch) { return submission }
        guard case .answered(let answer, let attemptID) = outcome else { preconditionFailure("nonSuccess handles every other case") }
        // A hundred members an answer: read with the core's parser, not Foundation's boxing.
        let object = JSONValue.parse(answer.body)
        let members = object?["members"]?.array
        let requestID = object?["requestId"]?.string
        guard let members, members.count == batch.contacts.count,
              zip(members, batch.contacts).allSatisfy({ $0["contactKey"]?.string == $1.key }) else {
            // A success that does not account for every member proves nothing either way.
            let result = builder.result(answer, attemptID: attemptID, remoteID: requestID, errorClass: "unreadable_answer")
            return builder.uniform(.ambiguous(reason: "HTTP \(answer.status) without a member list matching the request"), batch: batch, result: result)
        }
        let verdicts = zip(batch.contacts, members).map { contact, member -> (ClaimedContact, Verdict) in
            guard let code = member["errorcode"]?.scalarText else { return (contact, .accepted(eventInstanceID: member["eventInstanceId"]?.string)) }
            let reason = "member errorcode \(code): \(member["message"]?.string ?? "")"
            return (contact, settings.transientMemberErrorCodes.contains(code) ? .notTaken(reason: reason) : .permanent(reason: reason))
        }
        let errors = verdicts.filter { if case .accepted = $0.1 { false } else { true } }.count
        return builder.perContact(verdicts, result: builder.result(answer, attemptID: attemptID, remoteID: requestID,
                                                                    errorClass: errors > 0 ? "member_errors" : nil))
    }

    public func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification {
        try await connection.verifier.verify(batch, ledger: ledger)
    }

    public func priorMembers(_ keys: [String], batchID: Int64, ledger: any AttemptLedger) async throws -> PriorLook? {
        try await connection.priorMembers(keys, batchID: batchID, ledger: ledger)
    }

    public func preflight(ledger: any AttemptLedger) async -> [PreflightCheck] {
        await connection.inspector.preflight(tokens: connection.tokens, ledger: ledger)
    }

    public func watchJourney(ledger: any AttemptLedger) async -> JourneyWatch? {
        await connection.inspector.watch(ledger: ledger)
    }
}
