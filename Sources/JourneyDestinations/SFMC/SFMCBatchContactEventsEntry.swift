import Foundation
import JourneyQueue

/// `sfmc-batchcontactevents`: the undocumented `POST /interaction-experimental/v1/batchcontactevents` (docs/remote-apis.md §4).
/// It needs a legacy token, answers one GUID for the batch and says nothing per contact (201 even for
/// contacts that did not go through): every contact is `accepted`, and reconciliation decides.
enum SFMCBatchContactEventsEntry {
    /// The PascalCase body of the connector's calls, in its minimal form.
    static func body(eventDefinitionKey: String, contacts: [ClaimedContact]) -> String {
        var body =
            "{\"EventDefinitionKey\":" + JSONText.string(eventDefinitionKey)
            + ",\"BatchId\":\"\",\"RecordCount\":\(contacts.count),\"BatchDetails\":["
        for (index, contact) in contacts.enumerated() {
            if index > 0 { body += "," }
            body += "{\"ContactKey\":" + JSONText.string(contact.key) + ",\"Data\":" + contact.dataJSON + "}"
        }
        return body + "]}"
    }

    static func submit(_ batch: ClaimedBatch, client: SFMCClient, limits: DestinationLimits, ledger: any AttemptLedger) async throws
        -> Submission
    {
        let builder = client.builder
        let outcome = try await client.post(
            batch, path: "/interaction-experimental/v1/batchcontactevents",
            body: Self.body(eventDefinitionKey: client.settings.eventDefinitionKey, contacts: batch.contacts),
            ledger: ledger, timeoutMillis: limits.timeoutMillis)
        if let submission = builder.nonSuccess(outcome, batch: batch) { return submission }
        guard case .answered(let answer, let attemptID) = outcome else { preconditionFailure("nonSuccess handles every other case") }
        // The answer is a bare JSON string: the batch's GUID. It proves receipt, not entry.
        let guid = JSONValue.parse(answer.body)?.string.map { String($0.prefix(200)) }
        return builder.uniform(
            .accepted(eventInstanceID: nil), batch: batch,
            result: builder.result(answer, attemptID: attemptID, remoteID: guid, errorClass: guid == nil ? "no_batch_guid" : nil))
    }
}
