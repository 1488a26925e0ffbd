import Foundation
import JourneyQueue

/// `sfmc-events`: one contact per `POST /interaction/v1/events` (docs/remote-apis.md §2), for accounts without batch entry.
enum SFMCEventsEntry {
    /// PascalCase, unlike the async endpoint.
    static func body(eventDefinitionKey: String, contact: ClaimedContact) -> String {
        "{\"ContactKey\":" + JSONText.string(contact.key) + ",\"EventDefinitionKey\":" + JSONText.string(eventDefinitionKey) + ",\"Data\":"
            + contact.dataJSON + "}"
    }

    static func submit(_ batch: ClaimedBatch, client: SFMCClient, limits: DestinationLimits, ledger: any AttemptLedger) async throws
        -> Submission
    {
        let builder = client.builder
        guard let contact = batch.contacts.first, batch.contacts.count == 1 else {
            preconditionFailure("sfmc-events claims one contact per batch")
        }
        let outcome = try await client.post(
            batch, path: "/interaction/v1/events",
            body: Self.body(eventDefinitionKey: client.settings.eventDefinitionKey, contact: contact),
            ledger: ledger, timeoutMillis: limits.timeoutMillis)
        if let submission = builder.nonSuccess(outcome, batch: batch) { return submission }
        guard case .answered(let answer, let attemptID) = outcome else { preconditionFailure("nonSuccess handles every other case") }
        guard let id = JSONValue.parse(answer.body)?["eventInstanceId"]?.string, !id.isEmpty else {
            return builder.uniform(
                .ambiguous(reason: "HTTP \(answer.status) without an eventInstanceId"), batch: batch,
                result: builder.result(answer, attemptID: attemptID, remoteID: nil, errorClass: "unreadable_answer"))
        }
        return builder.uniform(
            .accepted(eventInstanceID: id), batch: batch,
            result: builder.result(answer, attemptID: attemptID, remoteID: id, errorClass: nil))
    }
}
