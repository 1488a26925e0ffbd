import Foundation
import JourneyQueue

/// `sfmc-batchcontactevents`: the undocumented `POST /interaction-experimental/v1/batchcontactevents` (spec §4).
/// It needs a legacy token, answers one GUID for the batch and says nothing per contact (201 even for
/// contacts that did not go through): every contact is `accepted`, and reconciliation decides.
public struct SFMCBatchContactEventsDestination: VerifyingDestination {
    public let name: String
    public var kind: String { "sfmc-batchcontactevents" }
    public let limits: DestinationLimits
    public let policy: OutcomePolicy
    let connection: SFMCConnection
    public var verificationBatchSize: Int { 50 }

    /// A destination that fetches legacy tokens (`/v1/requestToken`).
    public init(name: String, settings: SFMCSettings, limits: DestinationLimits, policy: OutcomePolicy, caller: HTTPCaller,
                ledger: any AttemptLedger, clock: any Clock) {
        self.name = name
        self.limits = limits
        self.policy = policy
        connection = SFMCConnection(name: name, settings: settings, legacyToken: true, asyncStatus: false, limits: limits, policy: policy,
                                    caller: caller, ledger: ledger, clock: clock)
    }

    /// The PascalCase body of the connector's calls, in its minimal form.
    static func body(eventDefinitionKey: String, contacts: [ClaimedContact]) -> String {
        var body = "{\"EventDefinitionKey\":" + JSONText.string(eventDefinitionKey) + ",\"BatchId\":\"\",\"RecordCount\":\(contacts.count),\"BatchDetails\":["
        for (index, contact) in contacts.enumerated() {
            if index > 0 { body += "," }
            body += "{\"ContactKey\":" + JSONText.string(contact.key) + ",\"Data\":" + contact.dataJSON + "}"
        }
        return body + "]}"
    }

    public func submit(_ batch: ClaimedBatch, ledger: any AttemptLedger) async throws -> Submission {
        let builder = connection.builder
        let outcome = try await connection.post(batch, path: "/interaction-experimental/v1/batchcontactevents",
                                                body: Self.body(eventDefinitionKey: connection.settings.eventDefinitionKey, contacts: batch.contacts),
                                                ledger: ledger, timeoutMillis: limits.timeoutMillis)
        if let submission = builder.nonSuccess(outcome, batch: batch) { return submission }
        guard case .answered(let answer, let attemptID) = outcome else { preconditionFailure("nonSuccess handles every other case") }
        // The answer is a bare JSON string: the batch's GUID. It proves receipt, not entry.
        let guid = JSONValue.parse(answer.body)?.string.map { String($0.prefix(200)) }
        return builder.uniform(.accepted(eventInstanceID: nil), batch: batch,
                               result: builder.result(answer, attemptID: attemptID, remoteID: guid, errorClass: guid == nil ? "no_batch_guid" : nil))
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
