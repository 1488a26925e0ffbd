import Foundation
import JourneyQueue

/// `sfmc-events`: one contact per `POST /interaction/v1/events` (spec §2), for accounts without batch entry.
public struct SFMCEventsDestination: VerifyingDestination {
    public let name: String
    public var kind: String { "sfmc-events" }
    public let limits: DestinationLimits
    public let policy: OutcomePolicy
    let connection: SFMCConnection
    public var verificationBatchSize: Int { 50 }

    /// A destination that always claims one contact per request, whatever the configured batch size.
    public init(name: String, settings: SFMCSettings, limits: DestinationLimits, policy: OutcomePolicy, caller: HTTPCaller,
                ledger: any AttemptLedger, clock: any Clock) {
        self.name = name
        var single = limits
        single.batchSize = 1
        self.limits = single
        self.policy = policy
        connection = SFMCConnection(name: name, settings: settings, legacyToken: false, asyncStatus: false, limits: single, policy: policy,
                                    caller: caller, ledger: ledger, clock: clock)
    }

    /// PascalCase, unlike the async endpoint.
    static func body(eventDefinitionKey: String, contact: ClaimedContact) -> String {
        "{\"ContactKey\":" + JSONText.string(contact.key) + ",\"EventDefinitionKey\":" + JSONText.string(eventDefinitionKey) + ",\"Data\":" + contact.dataJSON + "}"
    }

    public func submit(_ batch: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission {
        let builder = connection.builder
        guard let contact = batch.contacts.first, batch.contacts.count == 1 else {
            preconditionFailure("sfmc-events claims one contact per batch")
        }
        let outcome = try await connection.post(batch, path: "/interaction/v1/events",
                                                body: Self.body(eventDefinitionKey: connection.settings.eventDefinitionKey, contact: contact),
                                                ledger: ledger, timeoutMillis: limits.timeoutMillis)
        if let submission = builder.nonSuccess(outcome, batch: batch) { return submission }
        guard case .answered(let answer, let attemptID) = outcome else { preconditionFailure("nonSuccess handles every other case") }
        guard let id = JSONValue.parse(answer.body)?["eventInstanceId"]?.string, !id.isEmpty else {
            return builder.uniform(.ambiguous(reason: "HTTP \(answer.status) without an eventInstanceId"), batch: batch,
                                   result: builder.result(answer, attemptID: attemptID, remoteID: nil, errorClass: "unreadable_answer"))
        }
        return builder.uniform(.accepted(eventInstanceID: id), batch: batch, result: builder.result(answer, attemptID: attemptID, remoteID: id, errorClass: nil))
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
