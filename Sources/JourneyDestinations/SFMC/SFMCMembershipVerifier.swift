import Foundation
import JourneyQueue

/// Marketing Cloud reconciliation (spec §6.1, §3.1): contactMembership in calls of at most 50 keys, and for
/// absent contacts of an async batch, the batch status to tell "still queued" from "dropped".
struct SFMCMembershipVerifier: Sendable {
    let destination: String
    let settings: SFMCSettings
    let limits: DestinationLimits
    let policy: OutcomePolicy
    let caller: HTTPCaller
    let tokens: TokenProvider
    let clock: any Clock
    /// Whether `requestId`s are async batch ids that the status endpoint knows.
    let asyncStatus: Bool

    func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification {
        let keys = Array(Set(batch.contacts.map(\.key))).sorted()
        let body = try JSONSerialization.data(withJSONObject: ["ContactKeyList": keys], options: [.sortedKeys])
        let url = settings.restURL + "/interaction/v1/interactions/contactMembership"
        let look = try await call(method: "POST", url: url, body: Array(body), batchID: batch.lease.batchID, ledger: ledger)
        guard case .answered(let answer) = look, answer.status == 200, let results = JSONValue.parse(answer.body)?["results"] else {
            return failedLook(look, batch: batch)
        }
        var present = Set<String>()
        for membership in results["contactMemberships"]?.array ?? [] {
            guard let key = membership["contactKey"]?.string else { continue }
            if settings.journeyKey == nil || membership["definitionKey"]?.string == settings.journeyKey { present.insert(key) }
        }
        let absent = batch.contacts.filter { !present.contains($0.key) }
        let stillQueued = asyncStatus ? try await queuedAtRemote(absent, batchID: batch.lease.batchID, ledger: ledger) : []
        let now = clock.nowMillis()
        let settlements = batch.contacts.map { contact -> Settlement in
            if present.contains(contact.key) { return Settlement(contactID: contact.id, outcome: .confirmed) }
            if let id = contact.eventInstanceID, stillQueued.contains(id) {
                return Settlement(contactID: contact.id, outcome: .recheck(at: now + policy.settleMillis, note: "still queued at the remote"))
            }
            let reason = "unconfirmed: not in the journey \(policy.settleMillis / 1000) s after the last request"
            guard policy.retry.allowsAnother(after: contact.attempts) else { return Settlement(contactID: contact.id, outcome: .dead(reason: reason)) }
            return Settlement(contactID: contact.id, outcome: .retry(at: now, error: reason, refundAttempt: false))
        }
        return Verification(settlements: settlements)
    }

    /// eventInstanceIds of `contacts` that the async status endpoint still lists as queued.
    private func queuedAtRemote(_ contacts: [VerificationCandidate], batchID: Int64, ledger: any AttemptLedger) async throws -> Set<String> {
        var queued = Set<String>()
        for requestID in Set(contacts.compactMap { $0.eventInstanceID == nil ? nil : $0.requestID }).sorted() {
            var page = 1
            while page <= 100 {
                let url = settings.restURL + "/interaction/v1/async/events/status?requestId=\(requestID)&type=queued&$page=\(page)&$pageSize=50"
                guard case .answered(let answer) = try await call(method: "GET", url: url, body: nil, batchID: batchID, ledger: ledger),
                      answer.status == 200,
                      let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any] else { break }
                let items = object["items"] as? [[String: Any]] ?? []
                for item in items { if let id = item["eventInstanceId"] as? String { queued.insert(id) } }
                let count = (object["count"] as? NSNumber)?.intValue ?? 0
                if items.isEmpty || page * 50 >= count { break }
                page += 1
            }
        }
        return queued
    }

    private func failedLook(_ look: LookOutcome, batch: VerificationBatch) -> Verification {
        let now = clock.nowMillis()
        var pause: Int64?
        var note = "reconciliation look failed"
        switch look {
        case .answered(let answer):
            note += ": HTTP \(answer.status) \(StatusClassifier.summary(answer))"
            if answer.status == 429 { pause = StatusClassifier.throttledUntil(answer, now: now, fallbackMillis: policy.throttlePauseMillis) }
        case .failed(let failure): note += ": \(failure.message)"
        case .noToken(let failure): note += ": \(failure)"
        }
        let at = max(pause ?? 0, now + policy.settleMillis)
        return Verification(settlements: batch.contacts.map { Settlement(contactID: $0.id, outcome: .recheck(at: at, note: note)) }, pauseUntil: pause)
    }

    typealias LookOutcome = AuthorizedCaller.Reply

    /// One look, with one token refresh on a 401; every request and answer goes to the ledger.
    private func call(method: String, url: String, body: [UInt8]?, batchID: Int64, ledger: any AttemptLedger) async throws -> LookOutcome {
        try await AuthorizedCaller(destination: destination, caller: caller, tokens: tokens, clock: clock, timeoutMillis: limits.timeoutMillis)
            .call(method, url: { _ in url }, body: body.map { String(decoding: $0, as: UTF8.self) }, lease: nil, lookBatchID: batchID, ledger: ledger)
    }
}
