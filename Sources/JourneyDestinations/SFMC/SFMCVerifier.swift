import Foundation
import HTTPTypes
import JourneyQueue

/// Marketing Cloud reconciliation (docs/remote-apis.md §6.1, §3.1): contactMembership in calls of at most 50 keys, before the first
/// request (who was a member already) and after the settle time; where membership cannot decide, the async status
/// endpoint by eventInstanceId, or by contact key for a request whose answer was lost. A look that fails proves nothing.
struct SFMCVerifier: Sendable {
    let destination: String
    let settings: SFMCSettings
    let policy: OutcomePolicy
    let calls: AuthorizedCaller
    let clock: any WallClock
    /// Whether the destination's requests are async batches that the status endpoint knows.
    let asyncStatus: Bool
    /// The journey history, where it is read: it decides what membership cannot.
    var history: SFMCJourneyHistory?
    static let keysPerLook = 50
    /// Contacts leased for one reconciliation look: two membership calls' worth, so that a claim and a settle (two write
    /// transactions) serve a whole async request of 100, and its status is listed once.
    static let contactsPerVerification = 100
    /// With the journey history, one download serves this many (its body names them; the file holds their entry rows).
    static let contactsPerHistoryLook = 1_000
    static let statusPageSize = 50
    /// The status of a lost request is looked up from this long before it started (clocks differ).
    static let clockSkewMillis: Int64 = 60_000

    /// A look that proved nothing: why, and whether the remote asked for a pause. Only a look the remote answered but
    /// that cannot decide (an unreadable answer, a 4xx about the request) counts against `verifyAttempts`; a 5xx, no
    /// answer in time, a cut-off answer, a refused connection, a missing token or a 429 is an outage or the destination's
    /// state, not the contact's: the gate waits it out and the contacts keep their looks.
    struct Failure: Error {
        var reason: String
        var throttledUntil: Int64?
        var counted = true
    }

    /// Membership of `keys` in the configured journey: `true` member, `false` not; throws when the look proves nothing.
    func membership(_ keys: [String], batchID: Int64, ledger: any AttemptLedger, call: CallPurpose = .lookAfter) async throws -> [String:
        Bool]
    {
        var found: [String: Bool] = [:]
        for chunk in Self.chunks(keys) {
            found.merge(try await membershipCall(chunk, batchID: batchID, ledger: ledger, call: call)) { $1 }
        }
        return found
    }

    /// Keys in groups of at most `keysPerLook`, one contactMembership call each.
    static func chunks(_ keys: [String]) -> [[String]] {
        stride(from: 0, to: keys.count, by: keysPerLook).map { Array(keys[$0..<min($0 + keysPerLook, keys.count)]) }
    }

    /// One contactMembership call for at most `keysPerLook` keys.
    private func membershipCall(_ chunk: [String], batchID: Int64, ledger: any AttemptLedger, call: CallPurpose = .lookAfter) async throws
        -> [String: Bool]
    {
        let body = "{\"ContactKeyList\":[" + chunk.map(JSONText.string).joined(separator: ",") + "]}"
        let reply = try await calls.call(
            .post, url: { _ in settings.restURL + "/interaction/v1/interactions/contactMembership" }, body: body,
            lease: nil, lookBatchID: batchID, ledger: ledger, call: call)
        let answer = try readable(reply, what: "contactMembership")
        guard let results = JSONValue.parse(answer.body, maxDepth: 8)?["results"] else {
            throw Failure(reason: "contactMembership answered without results")
        }
        var present = Set<String>()
        var accounted = Set(results["contactsNotFound"]?.array?.compactMap(\.string) ?? [])
        for membership in results["contactMemberships"]?.array ?? [] {
            guard let key = membership["contactKey"]?.string else { continue }
            accounted.insert(key)
            if settings.journeyKey == nil || membership["definitionKey"]?.string == settings.journeyKey { present.insert(key) }
        }
        // An answer that does not account for a key proves nothing about it.
        if let missing = chunk.first(where: { !accounted.contains($0) }) {
            throw Failure(reason: "contactMembership did not account for \(JSONText.string(String(missing.prefix(80))))")
        }
        return Dictionary(uniqueKeysWithValues: Set(chunk).map { ($0, present.contains($0)) })
    }

    func priorMembers(_ keys: [String], batchID: Int64, ledger: any AttemptLedger) async throws -> PriorLook {
        do {
            let found = try await membership(keys, batchID: batchID, ledger: ledger, call: .lookBefore)
            return .members(Set(found.filter(\.value).keys))
        } catch let failure as Failure {
            return .failed(reason: failure.reason, throttledUntil: failure.throttledUntil, countsAsLook: failure.counted)
        }
    }

    func verify(_ batch: VerificationBatch, ledger: any AttemptLedger) async throws -> Verification {
        let jitter = policy.jitter.next()
        guard let history else { return try await verifyByMembership(batch, ledger: ledger, jitter: jitter) }
        // The history first: one download decides the whole batch where it can (an entry after the request, a refused
        // one, or absence once it is complete), far fewer calls than membership's 50 keys, earlier members included.
        let first = await history.decideFirst(batch.contacts, batchID: batch.lease.batchID, ledger: ledger, jitter: jitter)
        var settlements = first.settlements
        var pause: Int64?
        settlements += try await confirmAbsent(first.absent, batchID: batch.lease.batchID, ledger: ledger, jitter: jitter, pause: &pause)
        guard !first.forMembership.isEmpty else { return Verification(settlements: settlements, pauseUntil: pause) }
        var rest = batch
        rest.contacts = first.forMembership
        let byMembership = try await verifyByMembership(rest, ledger: ledger, jitter: jitter)
        return Verification(settlements: settlements + byMembership.settlements, pauseUntil: byMembership.pauseUntil ?? pause)
    }

    /// Contacts the history proved absent are sent again, unless the async status lists them as still queued: the remote
    /// may be slower than the settle time. One listing of the event's queued records since the earliest request serves
    /// them all; where there is no status endpoint the history's word stands.
    private func confirmAbsent(
        _ absent: [(contact: VerificationCandidate, settlement: Settlement)], batchID: Int64, ledger: any AttemptLedger,
        jitter: Double, pause: inout Int64?
    ) async throws -> [Settlement] {
        guard asyncStatus, !absent.isEmpty else { return absent.map(\.settlement) }
        // The listing's window is in the remote's time: with its clock unknown, a record missing from it proves nothing.
        guard let offset = calls.caller.remoteClock.bounds(since: absent.compactMap(\.contact.sentAt).min())?.low else {
            let unknown = Failure(reason: "the remote's clock is not known yet (no answer has carried a Date header)", counted: false)
            return undecided(absent.map(\.contact), unknown, jitter: jitter).settlements
        }
        let since = Self.isoDate((absent.compactMap(\.contact.sentAt).min() ?? 0) + offset - Self.clockSkewMillis)
        let queued: [StatusItem]
        do {
            queued = try await statusItems(
                query: "type=queued&eventDefinitionKey=\(Self.encode(settings.eventDefinitionKey))&startDate=\(Self.encode(since))",
                batchID: batchID, ledger: ledger)
        } catch let failure as Failure {
            pause = failure.throttledUntil ?? pause
            return undecided(absent.map(\.contact), failure, jitter: jitter).settlements
        }
        let instances = Set(queued.compactMap(\.eventInstanceID)), keys = Set(queued.compactMap(\.contactKey))
        let now = clock.nowMillis()
        return absent.map { contact, settlement in
            let stillQueued = contact.eventInstanceID.map(instances.contains) ?? false || keys.contains(contact.key)
            guard stillQueued else { return settlement }
            return Settlement(
                contactID: contact.id,
                outcome: .recheck(
                    at: now + max(policy.settleMillis / 2, 500), note: "still queued at the remote",
                    counted: false))
        }
    }

    /// Membership, then the async status, then (for what those cannot decide) the journey history.
    private func verifyByMembership(_ batch: VerificationBatch, ledger: any AttemptLedger, jitter: Double) async throws -> Verification {
        var evidence = SFMCEvidence(policy: policy, transientCodes: settings.transientMemberErrorCodes)
        evidence.readsHistory = history != nil
        let keys = Array(Set(batch.contacts.map(\.key))).sorted()
        // One call a chunk of keys: a chunk whose look fails leaves only its own contacts undecided, and a throttled
        // one stops the asking (the rest wait for the pause like it).
        var members: [String: Bool] = [:]
        var failures: [String: Failure] = [:]
        var throttle: Failure?
        for chunk in Self.chunks(keys) {
            if let throttle {
                for key in chunk { failures[key] = throttle }
                continue
            }
            do {
                members.merge(try await membershipCall(chunk, batchID: batch.lease.batchID, ledger: ledger)) { $1 }
            } catch let failure as Failure {
                for key in chunk { failures[key] = failure }
                if failure.throttledUntil != nil { throttle = failure }
            }
        }
        var settlements: [Settlement] = []
        var pause: Int64? = throttle?.throttledUntil
        for (key, contacts) in Dictionary(grouping: batch.contacts.filter { failures[$0.key] != nil }, by: \.key) {
            settlements += undecided(contacts, failures[key]!, jitter: jitter).settlements
        }
        var waiting: [VerificationCandidate] = []
        var doubts: [SFMCJourneyHistory.Doubt] = []
        var anchors: [SFMCHistoryTime.Anchor] = []
        let now = clock.nowMillis()
        for contact in batch.contacts where failures[contact.key] == nil {
            switch evidence.decide(
                contact, isMember: members[contact.key] ?? false, status: asyncStatus ? nil : .unsupported, now: now, jitter: jitter)
            {
            case .outcome(let outcome):
                settlements.append(Settlement(contactID: contact.id, outcome: outcome))
                // Its entry is known to lie between its request and this look: the history's times can be read against it.
                if outcome == .confirmed, let sentAt = contact.sentAt {
                    anchors.append(.init(key: contact.key, sentAt: sentAt, seenAt: now))
                }
            case .needsStatus: waiting.append(contact)
            case .needsHistory(let fallback): doubts.append(.init(contact: contact, fallback: fallback))
            }
        }
        var decided: [(VerificationCandidate, EntryStatus)] = []
        for (contacts, lookup) in statusLookups(waiting) {
            do {
                let statuses = try await lookup(batch.lease.batchID, ledger)
                decided += contacts.map { ($0, statuses[$0.id] ?? .noRecord) }
            } catch let failure as Failure {
                pause = failure.throttledUntil ?? pause
                settlements += undecided(contacts, failure, jitter: jitter).settlements
            }
        }
        // "Processed" may have happened after the membership look: ask again, now that it has, before calling it absent.
        var fresh = members
        let stale = decided.filter { $0.1 == .processed && members[$0.0.key] != true }.map(\.0.key)
        if !stale.isEmpty {
            do {
                fresh.merge(try await membership(Array(Set(stale)).sorted(), batchID: batch.lease.batchID, ledger: ledger)) { $1 }
            } catch let failure as Failure {
                let staleSet = Set(stale)
                settlements += undecided(decided.map(\.0).filter { staleSet.contains($0.key) }, failure, jitter: jitter).settlements
                decided.removeAll { staleSet.contains($0.0.key) }
            }
        }
        let decidedAt = clock.nowMillis()
        for (contact, status) in decided {
            switch evidence.decide(contact, isMember: fresh[contact.key] ?? false, status: status, now: decidedAt, jitter: jitter) {
            case .outcome(let outcome): settlements.append(Settlement(contactID: contact.id, outcome: outcome))
            case .needsHistory(let fallback): doubts.append(.init(contact: contact, fallback: fallback))
            case .needsStatus: preconditionFailure("a status always decides")
            }
        }
        if let history, !doubts.isEmpty {
            await history.remember(anchors)
            settlements += await history.decide(doubts, batchID: batch.lease.batchID, ledger: ledger, jitter: jitter)
        }
        return Verification(settlements: settlements, pauseUntil: pause)
    }

    private func undecided(_ contacts: [VerificationCandidate], _ failure: Failure, jitter: Double) -> Verification {
        let now = clock.nowMillis()
        let reason = "reconciliation look failed: \(failure.reason)"
        return Verification(
            settlements: contacts.map { contact in
                Settlement(
                    contactID: contact.id,
                    outcome: policy.undecided(
                        looks: contact.looks, reason: reason, now: now, at: failure.throttledUntil,
                        counted: failure.counted, jitter: jitter))
            }, pauseUntil: failure.throttledUntil)
    }

    typealias StatusLookup = @Sendable (Int64, any AttemptLedger) async throws -> [Int64: EntryStatus]

    /// The status looks `contacts` need: one listing per async request for contacts with an eventInstanceId, one per
    /// contact (by key, since shortly before its request) for those whose answer was lost.
    private func statusLookups(_ contacts: [VerificationCandidate]) -> [([VerificationCandidate], StatusLookup)] {
        var lookups: [([VerificationCandidate], StatusLookup)] = []
        let byRequest = Dictionary(grouping: contacts.filter { $0.eventInstanceID != nil && $0.requestID != nil }, by: { $0.requestID! })
        for (requestID, group) in byRequest.sorted(by: { $0.key < $1.key }) {
            lookups.append(
                (
                    group,
                    { batchID, ledger in
                        let items = try await statusItems(query: "requestId=\(Self.encode(requestID))", batchID: batchID, ledger: ledger)
                        var byInstance: [String: EntryStatus] = [:]
                        for item in items { if let id = item.eventInstanceID { byInstance[id] = item.status } }
                        return Dictionary(uniqueKeysWithValues: group.map { ($0.id, byInstance[$0.eventInstanceID!] ?? .noRecord) })
                    }
                ))
        }
        for contact in contacts where contact.eventInstanceID == nil || contact.requestID == nil {
            lookups.append(
                (
                    [contact],
                    { batchID, ledger in
                        // The window is in the remote's time; with its clock unknown, its "no record" would prove nothing.
                        guard let offset = calls.caller.remoteClock.bounds(since: contact.sentAt)?.low else {
                            throw Failure(
                                reason: "the remote's clock is not known yet (no answer has carried a Date header)", counted: false)
                        }
                        let since = Self.isoDate((contact.sentAt ?? 0) + offset - Self.clockSkewMillis)
                        let query =
                            "contactKey=\(Self.encode(contact.key))&eventDefinitionKey=\(Self.encode(settings.eventDefinitionKey))"
                            + "&startDate=\(Self.encode(since))"
                        let items = try await statusItems(query: query, batchID: batchID, ledger: ledger)
                        let mine = items.filter { $0.contactKey == nil || $0.contactKey == contact.key }
                        return [contact.id: SFMCEvidence.combine(mine.map(\.status))]
                    }
                ))
        }
        return lookups
    }

    struct StatusItem {
        var eventInstanceID: String?
        var contactKey: String?
        var status: EntryStatus
    }

    /// Every page of a status listing; any page that fails fails the whole look.
    private func statusItems(query: String, batchID: Int64, ledger: any AttemptLedger) async throws -> [StatusItem] {
        var items: [StatusItem] = []
        var page = 1
        var firstTotal: Double?
        while true {
            let url = settings.restURL + "/interaction/v1/async/events/status?\(query)&$page=\(page)&$pageSize=\(Self.statusPageSize)"
            let reply = try await calls.call(.get, url: { _ in url }, lease: nil, lookBatchID: batchID, ledger: ledger)
            let answer = try readable(reply, what: "async status page \(page)")
            guard let object = JSONValue.parse(answer.body, maxDepth: 8), let list = object["items"]?.array else {
                throw Failure(reason: "async status page \(page) answered without items")
            }
            for item in list {
                let status: EntryStatus
                switch item["status"]?.string?.lowercased() {
                case "queued": status = .queued
                case "processed": status = .processed
                case "errored":
                    status = .errored(
                        code: item["errorcode"]?.scalarText ?? item["errorCode"]?.scalarText ?? "?",
                        message: String((item["message"]?.string ?? "").prefix(200)))
                default: throw Failure(reason: "async status page \(page) has an item without a known status")
                }
                items.append(
                    StatusItem(eventInstanceID: item["eventInstanceId"]?.string, contactKey: item["contactKey"]?.string, status: status))
            }
            // `count` is the total; pages are 1-based. A listing that never ends is a remote's bug: stop at 200 pages.
            let total = object["count"]?.finiteNumber ?? object["count"]?.string.flatMap(Double.init)
            // Records may change status while the pages are read (a queued one is processed): pages then shift, and one
            // could be missed. A listing whose total moved proves nothing; the look is tried again.
            if page > 1, firstTotal != total {
                func said(_ count: Double?) -> String { count.map { "\($0) records" } ?? "no count" }
                throw Failure(
                    reason: "async status listing changed while it was read (\(said(firstTotal)) then \(said(total)))", counted: false)
            }
            firstTotal = total
            // Without a total, a full page may have more after it: read on until a page is short.
            if list.isEmpty || Double(page * Self.statusPageSize) >= (total ?? .infinity)
                || (total == nil && list.count < Self.statusPageSize)
            {
                return items
            }
            if page >= 200 { throw Failure(reason: "async status listing longer than 200 pages") }
            page += 1
        }
    }

    /// The answer of a look that can be read, or the failure that makes it prove nothing.
    private func readable(_ reply: AuthorizedCaller.Reply, what: String) throws -> HTTPAnswer {
        switch reply {
        case .answered(let answer) where answer.status == 200:
            return answer
        case .answered(let answer):
            let throttled = answer.status == 429 ? StatusClassifier.throttledUntil(answer, now: clock.nowMillis(), policy: policy) : nil
            throw Failure(
                reason: "\(what): HTTP \(answer.status) \(StatusClassifier.summary(answer))", throttledUntil: throttled,
                // A 401 left after a token refresh is the credentials' problem, a 3xx the config's: neither is a
                // look at these contacts that failed, so neither brings them closer to unverifiable.
                counted: throttled == nil && StatusClassifier.lookFailureCounts(status: answer.status))
        case .failed(let failure):
            throw Failure(reason: "\(what): \(failure.message)", counted: false)
        case .noToken(let failure):
            throw Failure(reason: "\(what): \(failure)", counted: false)
        }
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    static func isoDate(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(max(millis, 0)) / 1000).ISO8601Format()
    }
}
