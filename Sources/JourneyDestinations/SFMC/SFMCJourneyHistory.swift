import Foundation
import HTTPTypes
import JourneyQueue
import Logging

/// Reads Marketing Cloud's journey history (docs/remote-apis.md §6.2) for the contacts that membership could not decide: a download of
/// the configured journey's entry rows for those contacts since shortly before their requests, streamed to an unlinked
/// temporary file and parsed as it is read (the file may be 1 GB), and the freshness endpoint's lag, which says up to
/// when the history is complete. `SFMCHistoryEvidence` decides each contact from what they say.
struct SFMCJourneyHistory: Sendable {
    let destination: String
    let settings: SFMCSettings
    let history: SFMCHistorySettings
    let policy: OutcomePolicy
    let calls: AuthorizedCaller
    let inspector: SFMCJourneyInspector
    let clock: any WallClock
    let logger: Logger
    /// How long after its write-ahead record a request may still be on its way (the destination's timeout).
    let requestMillis: Int64
    let state = State()

    /// A contact membership could not decide, and what membership alone allows for it.
    struct Doubt: Sendable {
        var contact: VerificationCandidate
        var fallback: ContactOutcome
    }

    /// What this process learned once: the journey's definition id, the zone of the file's times, contacts whose entry is
    /// known (to establish that zone), and whether the history may be read at all.
    actor State {
        var definitionID: String?
        var zoneMinutes: Int?
        var anchors: [SFMCHistoryTime.Anchor] = []
        var forbidden: String?
        /// A download was answered in this process.
        var readable = false
        /// The latest completeness the freshness endpoint gave: complete up to, its lag, when it was asked.
        var completeness: (upTo: Int64, lag: Int64, askedAt: Int64)?

        func learn(upTo: Int64, lag: Int64, askedAt: Int64) {
            if upTo >= completeness?.upTo ?? .min { completeness = (upTo, lag, askedAt) }
        }
        /// The first probe went out (whatever came of it).
        var probed = false
        /// A file held times without an offset that no known entry could place: contacts whose entry membership proves are
        /// needed, so the look before the first request (which makes membership proof of this entry) is not skipped.
        var needsAnchors = false

        func setNeedsAnchors(_ value: Bool) { needsAnchors = value }
        /// Read, allowed, and able to place its times: it can stand in for the look before the first request.
        var standsInForLookBefore: Bool { readable && forbidden == nil && !needsAnchors }
        func setReadable() { readable = true }
        /// True for the one caller that should probe: nothing has read the history yet, nor been refused, nor probed.
        func startProbe() -> Bool {
            guard !readable, forbidden == nil, !probed else { return false }
            probed = true
            return true
        }
        func remember(_ new: [SFMCHistoryTime.Anchor]) { anchors = Array((anchors + new).suffix(50)) }
        func setDefinitionID(_ id: String) { definitionID = id }
        func setZone(_ minutes: Int) { zoneMinutes = minutes }
        /// True the first time: the caller says it once in the log.
        func forbid(_ reason: String) -> Bool {
            defer { forbidden = reason }
            return forbidden == nil
        }
    }

    /// Why a look at the history decided nothing.
    enum Failure: Error {
        /// The endpoints failed (5xx, no answer, cut off): an outage, which costs no look.
        case outage(String)
        /// The remote answered, but nothing can be read from it: counts as a look.
        case unreadable(String)
        /// The history cannot help (no such journey, no definition id): membership's rules apply.
        case unusable(String)
        /// The package may not read the history (403): membership's rules apply from now on, said once in the log.
        case forbidden(String)
    }

    var evidence: SFMCHistoryEvidence { SFMCHistoryEvidence(policy: policy, settings: history, requestMillis: requestMillis) }

    /// Contacts whose entry membership just proved: the file's rows for them say in which zone its times are written.
    func remember(_ anchors: [SFMCHistoryTime.Anchor]) async {
        guard !anchors.isEmpty, history.timeZoneMinutes == nil, await state.zoneMinutes == nil else { return }
        await state.remember(anchors)
    }

    /// What a look says of one contact's rows.
    enum Rows: Sendable {
        case rows([HistoryEntryRow])
        /// Some rows carry times without an offset, in a zone not known yet.
        case needsZone
        /// More rows than are kept for one contact: nothing is concluded from part of them.
        case tooMany
    }

    /// One look at the history for `contacts`: their entry rows, and up to when the history was complete when the file
    /// was asked for (nil: freshness unknown).
    struct Look: Sendable {
        var rows: [String: Rows]
        /// In the remote's time, like the rows; learned before the download, so that the file holds everything up to it.
        var completeUpTo: Int64?
        var lagMillis: Int64?
        /// The remote's clock minus this host's, at its smallest and largest: a request's time is read in the remote's time
        /// at its earliest (so that no entry after it is missed), and the history must be complete past its latest.
        var offset: (low: Int64, high: Int64)
        var spread: Int64 { offset.high - offset.low }

        /// `contact` with its request time in the remote's time (its earliest), as the history's rows are.
        func remote(_ contact: VerificationCandidate) -> VerificationCandidate {
            var shifted = contact
            shifted.sentAt = contact.sentAt.map { $0 + offset.low }
            return shifted
        }
    }

    private func look(_ contacts: [VerificationCandidate], batchID: Int64, ledger: any AttemptLedger) async throws(Failure) -> Look {
        if let reason = await state.forbidden { throw .forbidden(reason) }
        // The rows carry the remote's time: without knowing how far its clock is from this one, no row is "after the
        // request", and no absence is proven.
        // Every bound in force since the earliest request asked about: a step of either clock since then must not read
        // a request a step too early (its absence proven before it could have arrived).
        guard let offset = calls.caller.remoteClock.bounds(since: contacts.compactMap(\.sentAt).min()) else {
            throw .outage("the remote's clock is not known yet (no answer has carried a Date header)")
        }
        do throws(Failure) {
            let definition = try await definitionID(ledger: ledger)
            // How far the history is complete is learned before the file is asked for: a file holds every row up to what
            // was complete when it began, never what became complete after (the lag may shrink meanwhile).
            let mostNeeded = contacts.compactMap { contact in
                contact.sentAt.map {
                    evidence.needed(
                        sentAt: $0 + offset.low, clockSpreadMillis: offset.high - offset.low, unanswered: contact.state == .unknown)
                }
            }.max()
            let complete = try await completeness(needed: mostNeeded, offset: offset, batchID: batchID, ledger: ledger)
            let learned = await state.zoneMinutes
            let zone = history.timeZoneMinutes ?? learned
            let anchors =
                zone == nil
                ? await state.anchors.map { anchor in
                    SFMCHistoryTime.Anchor(key: anchor.key, sentAt: anchor.sentAt + offset.low, seenAt: anchor.seenAt + offset.high)
                } : []
            // From a day before the earliest request asked about to a day after the remote's now. The window only keeps
            // the file small (it is one journey's rows of these contacts); every verdict is read from the rows' own
            // times. A tight window would turn a wrong guess into a false absence: the remote may read `start` and `end`
            // in a zone of its own (up to 14 hours off), and its history may keep a clock that differs from its Date
            // headers. An explicit end, because what the remote assumes without one is not documented.
            let earliest =
                (contacts.compactMap(\.sentAt).map { $0 + offset.low } + anchors.map(\.sentAt)).min() ?? clock.nowMillis() + offset.low
            let read = try await download(
                wanted: Set(contacts.map(\.key)), anchors: anchors, definition: definition, batchID: batchID, ledger: ledger,
                from: earliest - history.clockMarginMillis - 86_400_000,
                to: clock.nowMillis() + offset.high + history.clockMarginMillis + 86_400_000)
            await state.setReadable()
            var established = zone
            if established == nil, read.needsZone {
                established = SFMCHistoryTime.establish(anchors: anchors, rows: read.anchorTimes, margin: history.clockMarginMillis)
                if let minutes = established {
                    await state.setZone(minutes)
                    logger.notice(
                        "journey history: the file's times are written in a zone established from contacts whose entry is known",
                        metadata: ["destination": "\(destination)", "utc.offset.minutes": "\(minutes)"])
                }
            }
            // Anchors are kept until the zone is known: a later file without zone-less rows says nothing of the zone.
            if read.needsZone && established == nil {
                await state.setNeedsAnchors(true)
            } else if established != nil {
                await state.setNeedsAnchors(false)
            }
            var rows: [String: Rows] = [:]
            for key in Set(contacts.map(\.key)) {
                if read.overflowed.contains(key) {
                    rows[key] = .tooMany
                } else {
                    rows[key] = read.rows(of: key, zoneMinutes: established).map(Rows.rows) ?? .needsZone
                }
            }
            return Look(rows: rows, completeUpTo: complete?.upTo, lagMillis: complete?.lag, offset: offset)
        } catch {
            if case .forbidden(let reason) = error, await state.forbid(reason) {
                logger.warning(
                    "journey history not permitted: contacts membership cannot decide end unverifiable as without it",
                    metadata: ["destination": "\(destination)", "reason": "\(reason)"])
            }
            throw error
        }
    }

    /// Up to when the history is complete, from the freshness endpoint. A completeness learned earlier stays true (the
    /// history only grows), so it is reused while it reaches `needed`, and asked again at most once a second otherwise.
    private func completeness(
        needed: Int64?, offset: (low: Int64, high: Int64), batchID: Int64,
        ledger: any AttemptLedger
    ) async throws(Failure) -> (upTo: Int64, lag: Int64)? {
        let known = await state.completeness
        guard let needed else { return known.map { ($0.upTo, $0.lag) } }
        if let known, known.upTo >= needed { return (known.upTo, known.lag) }
        let askedAt = clock.nowMillis()
        guard let lag = try await freshness(batchID: batchID, ledger: ledger) else { return nil }
        let upTo = evidence.completeUpTo(askedAt: askedAt + offset.low, lagMillis: lag)
        await state.learn(upTo: upTo, lag: lag, askedAt: askedAt)
        return (upTo, lag)
    }

    /// The contacts membership could not decide: the history decides them, or membership's own rules (`fallback`) apply.
    func decide(_ doubts: [Doubt], batchID: Int64, ledger: any AttemptLedger, jitter: Double) async -> [Settlement] {
        guard !doubts.isEmpty else { return [] }
        let seen: Look
        do throws(Failure) { seen = try await look(doubts.map(\.contact), batchID: batchID, ledger: ledger) } catch {
            switch error {
            case .outage(let reason):
                return doubts.map { undecided($0.contact, "journey history: \(reason)", counted: false, jitter: jitter) }
            case .unreadable(let reason):
                return doubts.map { undecided($0.contact, "journey history: \(reason)", counted: true, jitter: jitter) }
            case .unusable(let reason), .forbidden(let reason): return doubts.map { fallback($0, reason) }
            }
        }
        let now = clock.nowMillis()
        return doubts.map { doubt in
            let rows: [HistoryEntryRow]
            switch seen.rows[doubt.contact.key] ?? .rows([]) {
            case .rows(let found): rows = found
            case .tooMany: return fallback(doubt, "more than \(HistoryRead.maxRowsPerContact) history rows for one contact")
            case .needsZone:
                // Waiting for a contact whose entry is known to show up in the file is no fault of this one's: it costs
                // no look (the 30 days the history keeps bound the wait; the look before the first request resumes).
                return undecided(
                    doubt.contact, "journey history: its times carry no zone yet (no contact whose entry is known was in the file)",
                    counted: false, at: now + max(seen.lagMillis ?? 0, 30_000), jitter: jitter)
            }
            let finding = evidence.decide(
                seen.remote(doubt.contact), rows: rows, completeUpTo: seen.completeUpTo, now: now,
                fallback: doubt.fallback, jitter: jitter, clockSpreadMillis: seen.spread)
            if finding.evidence == nil, case .unverifiable = finding.outcome {
                return fallback(
                    doubt,
                    seen.completeUpTo == nil
                        ? "the history's freshness is unknown, so no absence is proven"
                        : "the request is older than the 30 days the history keeps, or its time is unknown")
            }
            return Settlement(
                contactID: doubt.contact.id, outcome: finding.outcome, evidence: finding.evidence, provenAbsent: finding.provenAbsent)
        }
    }

    /// What the history decided on its own, before any other look; the rest go to membership.
    struct FirstLook: Sendable {
        var settlements: [Settlement] = []
        /// Proven absent: re-sent unless the async status says the remote is still entering them (kinds that have it).
        var absent: [(contact: VerificationCandidate, settlement: Settlement)] = []
        /// The history cannot decide these (a zone not yet known, freshness unknown, history not readable).
        var forMembership: [VerificationCandidate] = []
    }

    /// Asks the history first, for a whole batch in one download: where it is readable it decides far more contacts a
    /// call than membership (50 keys) and proves this entry, earlier member or not. What it cannot decide goes to membership.
    func decideFirst(_ contacts: [VerificationCandidate], batchID: Int64, ledger: any AttemptLedger, jitter: Double) async -> FirstLook {
        var result = FirstLook()
        let seen: Look
        do throws(Failure) { seen = try await look(contacts, batchID: batchID, ledger: ledger) } catch {
            switch error {
            case .outage(let reason):
                result.settlements = contacts.map { undecided($0, "journey history: \(reason)", counted: false, jitter: jitter) }
            case .unreadable, .unusable, .forbidden:
                result.forMembership = contacts
            }
            return result
        }
        let now = clock.nowMillis()
        let marker = ContactOutcome.unverifiable(reason: "undecided by the journey history")
        for contact in contacts {
            guard case .rows(let rows) = seen.rows[contact.key] ?? .rows([]) else {
                result.forMembership.append(contact)
                continue
            }
            let finding = evidence.decide(
                seen.remote(contact), rows: rows, completeUpTo: seen.completeUpTo, now: now,
                fallback: marker, jitter: jitter, clockSpreadMillis: seen.spread)
            let settlement = Settlement(
                contactID: contact.id, outcome: finding.outcome, evidence: finding.evidence, provenAbsent: finding.provenAbsent)
            if finding.outcome == marker {
                result.forMembership.append(contact)
            } else if finding.provenAbsent {
                result.absent.append((contact, settlement))
            } else {
                result.settlements.append(settlement)
            }
        }
        return result
    }

    /// Whether the history has been read in this process (a download answered): then it can stand in for the look
    /// before the first request. Asked once with a download for no contact when nothing has read it yet.
    func isReadable(ledger: any AttemptLedger) async -> Bool {
        guard await state.startProbe() else { return await state.standsInForLookBefore }
        do throws(Failure) {
            let definition = try await definitionID(ledger: ledger)
            _ = try await download(
                wanted: ["journeyq-history-probe"], anchors: [], definition: definition, batchID: nil, ledger: ledger,
                from: clock.nowMillis() - 60_000, to: clock.nowMillis(), call: .lookBefore)
            await state.setReadable()
            return true
        } catch {
            if case .forbidden(let reason) = error, await state.forbid(reason) {
                logger.warning(
                    "journey history not permitted: contacts membership cannot decide end unverifiable as without it",
                    metadata: ["destination": "\(destination)", "reason": "\(reason)"])
            }
            return false
        }
    }

    /// Whether `journeyq check` may count on the history: a download for no contact, and the freshness endpoint.
    func preflight(ledger: any AttemptLedger) async -> PreflightCheck {
        let name = "journey history readable"
        do throws(Failure) {
            let definition = try await definitionID(ledger: ledger)
            let lag = try await freshness(batchID: nil, ledger: ledger)
            _ = try await download(
                wanted: ["journeyq-preflight-check"], anchors: [], definition: definition, batchID: nil, ledger: ledger,
                from: clock.nowMillis() - 3_600_000, to: clock.nowMillis())
            guard let lag else {
                return PreflightCheck(
                    name, .unknown, "downloads work, but the freshness endpoint says nothing readable: no absence can be proven",
                    advice: "contacts it cannot confirm end unverifiable, as without the history")
            }
            return PreflightCheck(name, .passed, "downloads work; the history runs \(lag / 1000) s behind (freshness)")
        } catch {
            switch error {
            case .forbidden(let reason):
                return PreflightCheck(
                    name, .failed, reason, advice: "grant the installed package Journeys read access, or set journeyHistory: false")
            case .unusable(let reason):
                return PreflightCheck(name, .failed, reason, advice: "journeyKey names the journey whose history is read")
            case .outage(let reason), .unreadable(let reason):
                return PreflightCheck(name, .unknown, reason)
            }
        }
    }

    // MARK: Requests

    /// The journey's definition id, as the history names it (from the journey lookup `check` makes), once a process.
    private func definitionID(ledger: any AttemptLedger) async throws(Failure) -> String {
        if let known = await state.definitionID { return known }
        switch await inspector.lookup(ledger: ledger) {
        case .found(let journey):
            guard let id = journey["definitionId"]?.string ?? journey["id"]?.string, !id.isEmpty else {
                throw .unusable("journey history: the journey's description carries no definition id")
            }
            await state.setDefinitionID(id)
            return id
        case .missing(let reason):
            throw .unusable("journey history: \(reason)")
        case .failed(let reason):
            throw .outage("the journey lookup failed: \(reason)")
        }
    }

    /// How far behind real events the history runs (milliseconds); nil when the answer says nothing readable.
    private func freshness(batchID: Int64?, ledger: any AttemptLedger) async throws(Failure) -> Int64? {
        let url = settings.restURL + "/interaction/v1/interactions/journeyhistory/freshness"
        let reply: AuthorizedCaller.Reply
        do { reply = try await calls.call(.get, url: { _ in url }, lease: nil, lookBatchID: batchID, ledger: ledger) } catch {
            throw .outage("freshness: \(error)")
        }
        let answer = try check(reply, what: "freshness")
        // A lag beyond the 30 days the history keeps means nothing is complete that a request needs.
        return Self.lagSeconds(answer.body).map { Int64((min($0, 30 * 86_400) * 1000).rounded(.up)) }
    }

    /// A number of seconds: a bare number, or an object with one numeric field (its name is not documented).
    static func lagSeconds(_ body: [UInt8]) -> Double? {
        guard let value = JSONValue.parse(body, maxDepth: 4) else { return nil }
        func seconds(_ value: JSONValue) -> Double? {
            if let number = value.finiteNumber, number >= 0 { return number }
            if let text = value.string, let number = Double(text), number.isFinite, number >= 0 { return number }
            return nil
        }
        if let direct = seconds(value) { return direct }
        guard case .object(let fields) = value else { return nil }
        let numbers = fields.compactMap { seconds($0.1) }
        return numbers.count == 1 ? numbers[0] : nil
    }

    /// What the file says of `wanted` (and of `anchors`, whose rows establish the zone), read from an unlinked file.
    /// `from` and `to` are the remote's times (the window the body asks for; no `to`, no end).
    private func download(
        wanted: Set<String>, anchors: [SFMCHistoryTime.Anchor], definition: String, batchID: Int64?, ledger: any AttemptLedger,
        from start: Int64, to end: Int64?, call: CallPurpose = .lookAfter
    ) async throws(Failure) -> HistoryRead {
        let keys = wanted.union(anchors.map(\.key)).sorted()
        func list(_ values: [String]) -> String { "[" + values.map(JSONText.string).joined(separator: ",") + "]" }
        var body = "{\"start\":\(JSONText.string(ISOTime.string(start))),"
        if let end { body += "\"end\":\(JSONText.string(ISOTime.string(end)))," }
        body += "\"contactKeys\":\(list(keys)),\"definitionIds\":\(list([definition]))"
        // Activity types are matched here, not by the remote: how it compares them (case, aliases) is not documented,
        // and a filter that drops the entry rows on the remote's side would read as a proven absence.
        body += "}"
        let url =
            settings.restURL + "/interaction/v1/interactions/journeyhistory/download?format=csv&columns="
            + HistoryRead.columns.joined(separator: ",")
        let file: TemporaryFile
        do { file = try TemporaryFile() } catch { throw .outage("no temporary file: \(error)") }
        let reply: AuthorizedCaller.Reply
        do {
            reply = try await calls.call(
                .post, url: { _ in url }, body: body, lease: nil, lookBatchID: batchID, ledger: ledger, into: file.handle,
                downloadTimeoutMillis: max(calls.timeoutMillis * 30, 300_000), headers: [.directPipe: "true"],
                call: call)
        } catch {
            throw .outage("download: \(error)")
        }
        _ = try check(reply, what: "download")
        do {
            try file.handle.seek(toOffset: 0)
            return try HistoryRead.parse(
                fd: file.handle.fileDescriptor, wanted: wanted, anchors: Set(anchors.map(\.key)), definition: definition,
                settings: history)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .unreadable("the file could not be read: \(error)")
        }
    }

    /// A look's answer that can be read, or why not (in the terms that say what it costs).
    private func check(_ reply: AuthorizedCaller.Reply, what: String) throws(Failure) -> HTTPAnswer {
        switch reply {
        case .answered(let answer) where (200..<300).contains(answer.status):
            return answer
        case .answered(let answer) where answer.status == 403:
            throw .forbidden(
                "journey history not permitted (\(what): HTTP 403 \(StatusClassifier.summary(answer))): "
                    + "the installed package lacks the scope to read it"
            )
        case .answered(let answer) where StatusClassifier.lookFailureCounts(status: answer.status):
            throw .unreadable("\(what): HTTP \(answer.status) \(StatusClassifier.summary(answer))")
        case .answered(let answer):
            throw .outage("\(what): HTTP \(answer.status) \(StatusClassifier.summary(answer))")
        case .failed(let failure):
            throw .outage("\(what): \(failure.message)")
        case .noToken(let failure):
            throw .outage("\(what): \(failure)")
        }
    }

    // MARK: Outcomes that are not the history's

    private func undecided(_ contact: VerificationCandidate, _ reason: String, counted: Bool, at: Int64? = nil, jitter: Double)
        -> Settlement
    {
        Settlement(
            contactID: contact.id,
            outcome: policy.undecided(
                looks: contact.looks, reason: reason, now: clock.nowMillis(),
                at: at, counted: counted, jitter: jitter))
    }

    /// What membership alone allows, saying why the history could not decide. A 403 is said once in the log.
    private func fallback(_ doubt: Doubt, _ why: String) -> Settlement {
        guard case .unverifiable(let reason) = doubt.fallback else {
            return Settlement(contactID: doubt.contact.id, outcome: doubt.fallback)
        }
        return Settlement(
            contactID: doubt.contact.id,
            outcome: .unverifiable(reason: (reason ?? "unverifiable") + "; the journey history could not decide: " + why))
    }
}

/// One journey-history file, read: the entry rows of the contacts asked about, and the raw times of the anchors' entries.
struct HistoryRead: Sendable {
    /// The columns journeyq asks for: the epoch column makes the time unambiguous where the remote fills it.
    static let columns = ["TransactionTime", "EpochTimeInMilliseconds", "ContactKey", "Status", "DefinitionId", "ActivityType", "Message"]
    /// More rows than this for one contact (a journey re-entered thousands of times in 30 days) are not kept in memory.
    static let maxRowsPerContact = 1_000

    struct Row: Sendable {
        var kind: HistoryEntryRow.Kind
        /// From the epoch column or a time with an offset; nil when only the zone can tell.
        var at: Int64?
        var text: String?
        var status: String
        var message: String
    }

    var byContact: [String: [Row]] = [:]
    /// Contacts with more rows than are kept: nothing is concluded from part of them.
    var overflowed: Set<String> = []
    var anchorTimes: [String: [String]] = [:]

    /// Whether any row asked about tells its time only in a zone.
    var needsZone: Bool { byContact.values.contains { $0.contains { $0.at == nil } } }

    /// `key`'s rows with times; nil when one of them needs a zone that is not known.
    func rows(of key: String, zoneMinutes: Int?) -> [HistoryEntryRow]? {
        var rows: [HistoryEntryRow] = []
        for row in byContact[key] ?? [] {
            guard let at = row.at ?? zoneMinutes.flatMap({ SFMCHistoryTime.local(row.text, minutes: $0) }) else { return nil }
            rows.append(HistoryEntryRow(kind: row.kind, at: at, status: row.status, message: row.message))
        }
        return rows
    }

    static func parse(fd: Int32, wanted: Set<String>, anchors: Set<String>, definition: String, settings: SFMCHistorySettings) throws
        -> HistoryRead
    {
        var read = HistoryRead()
        // The columns' places, found once in the header: a download has a row for each of up to 1,000 contacts, and
        // looking each field up by name cost more than splitting the row.
        var columns: Columns?
        let definition = definition.lowercased()
        let malformed = try CSVDocument.forEachRow(fd: fd, name: "journey history") { row in
            guard let places = columns else {
                columns = try Columns(header: row, needsActivity: !settings.entryActivityTypes.isEmpty)
                return
            }
            func field(_ place: Int?) -> String? { place.flatMap { $0 < row.count ? row[$0] : nil } }
            guard let key = field(places.contactKey), wanted.contains(key) || anchors.contains(key) else { return }
            // Ids are GUIDs, whose letters may come in either case.
            if let id = field(places.definitionID), !id.isEmpty, id != definition, id.lowercased() != definition { return }
            if !settings.entryActivityTypes.isEmpty, !settings.entryActivityTypes.contains((field(places.activityType) ?? "").lowercased())
            {
                return
            }
            let status = field(places.status) ?? ""
            let kind: HistoryEntryRow.Kind =
                settings.enteredStatuses.contains(status)
                ? .entered
                : settings.refusedStatuses.contains(status) ? .refused : .unclassified
            let text = field(places.transactionTime)
            let at = SFMCHistoryTime.absolute(epoch: field(places.epoch), text: text)
            if anchors.contains(key), kind == .entered, at == nil, let text {
                read.anchorTimes[key, default: []].append(text)
            }
            guard wanted.contains(key) else { return }
            if (read.byContact[key]?.count ?? 0) >= maxRowsPerContact {
                read.overflowed.insert(key)
                return
            }
            read.byContact[key, default: []].append(
                Row(kind: kind, at: at, text: text, status: status, message: String((field(places.message) ?? "").prefix(300))))
        }
        if let malformed { throw SFMCJourneyHistory.Failure.unreadable("the file does not parse: \(malformed)") }
        // Not even a header: an empty answer is not a history without entries.
        if columns == nil { throw SFMCJourneyHistory.Failure.unreadable("the file is empty (no header)") }
        return read
    }

    /// Where the columns journeyq reads are in a download's rows (nil: the file has no such column).
    struct Columns {
        var contactKey: Int
        var status: Int
        var definitionID: Int?
        var activityType: Int?
        var transactionTime: Int?
        var epoch: Int?
        var message: Int?

        init(header: [String], needsActivity: Bool) throws(SFMCJourneyHistory.Failure) {
            var index: [String: Int] = [:]
            for (position, name) in header.enumerated() { index[name.trimmingCharacters(in: .whitespaces)] = position }
            // A file that cannot say whose row, which status or which activity proves nothing (least of all an absence).
            guard let contactKey = index["ContactKey"], let status = index["Status"], !needsActivity || index["ActivityType"] != nil,
                index["TransactionTime"] != nil || index["EpochTimeInMilliseconds"] != nil
            else {
                throw .unreadable("the file lacks a column journeyq reads (ContactKey, Status, ActivityType, a time)")
            }
            self.contactKey = contactKey
            self.status = status
            definitionID = index["DefinitionId"]
            activityType = index["ActivityType"]
            transactionTime = index["TransactionTime"]
            epoch = index["EpochTimeInMilliseconds"]
            message = index["Message"]
        }
    }
}
