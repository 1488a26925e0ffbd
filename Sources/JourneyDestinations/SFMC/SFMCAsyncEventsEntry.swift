import Foundation
import JourneyQueue

/// `sfmc-async-events`: Marketing Cloud batch entry, `POST /interaction/v1/async/events`, up to 100 members a request,
/// an answer per member (docs/remote-apis.md §3).
enum SFMCAsyncEventsEntry {
    /// The request body: camelCase, members in claim order, data passed through as stored.
    static func body(eventDefinitionKey: String, contacts: [ClaimedContact]) -> String {
        var body = "{\"eventDefinitionKey\":" + JSONText.string(eventDefinitionKey) + ",\"members\":["
        for (index, contact) in contacts.enumerated() {
            if index > 0 { body += "," }
            body += "{\"contactKey\":" + JSONText.string(contact.key) + ",\"data\":" + contact.dataJSON + "}"
        }
        return body + "]}"
    }

    static func submit(_ batch: ClaimedBatch, client: SFMCClient, limits: DestinationLimits, ledger: any AttemptLedger) async throws
        -> Submission
    {
        let settings = client.settings, builder = client.builder
        let outcome = try await client.post(
            batch, path: "/interaction/v1/async/events",
            body: Self.body(eventDefinitionKey: settings.eventDefinitionKey, contacts: batch.contacts),
            ledger: ledger, timeoutMillis: limits.timeoutMillis)
        if let submission = builder.nonSuccess(outcome, batch: batch) { return submission }
        guard case .answered(let answer, let attemptID) = outcome else { preconditionFailure("nonSuccess handles every other case") }
        // A hundred members an answer: read with the core's parser, not Foundation's boxing.
        let object = JSONValue.parse(answer.body)
        let members = object?["members"]?.array
        let requestID = object?["requestId"]?.string
        guard let members, members.count == batch.contacts.count,
            zip(members, batch.contacts).allSatisfy({ $0["contactKey"]?.string == $1.key })
        else {
            // A success that does not account for every member proves nothing either way.
            let result = builder.result(answer, attemptID: attemptID, remoteID: requestID, errorClass: "unreadable_answer")
            return builder.uniform(
                .ambiguous(reason: "HTTP \(answer.status) without a member list matching the request"), batch: batch, result: result)
        }
        let verdicts = zip(batch.contacts, members).map { contact, member -> (ClaimedContact, Verdict) in
            guard let code = member["errorcode"]?.scalarText else {
                return (contact, .accepted(eventInstanceID: member["eventInstanceId"]?.string))
            }
            let reason = "member errorcode \(code): \(member["message"]?.string ?? "")"
            return (contact, settings.transientMemberErrorCodes.contains(code) ? .notTaken(reason: reason) : .permanent(reason: reason))
        }
        let errors = verdicts.filter { if case .accepted = $0.1 { false } else { true } }.count
        return builder.perContact(
            verdicts,
            result: builder.result(
                answer, attemptID: attemptID, remoteID: requestID,
                errorClass: errors > 0 ? "member_errors" : nil))
    }
}
