/// One member of an async batch, kept for `/interaction/v1/async/events/status`.
struct AsyncMemberRecord: Sendable {
    var requestID: String
    var eventInstanceID: String?
    var contactKey: String
    var eventDefinitionKey: String
    var errorCode: String?
    var message: String?
    var acceptedAt: Int64
    var dueAt: Int64
    var previousOfContact: Int?
}

/// An SFMC error answer in the standard envelope.
struct SFMCError: Error, Sendable {
    var status: Int
    var errorCode: Int
    var message: String
}

/// A member of an async request as the simulator reads it.
struct AsyncMemberInput: Sendable {
    var contactKey: String?
    var fieldNames: [String]
}

/// The async endpoint's per-member answer.
struct AsyncMemberOutcome: Sendable {
    var contactKey: String
    var eventInstanceID: String?
    var errorCode: String?
    var message: String?
}

extension SimulatorState {
    /// `POST /interaction/v1/async/events`: queues each member, keeping order and duplicates.
    func asyncEvents(eventDefinitionKey: String, members: [AsyncMemberInput]) throws(SFMCError) -> (
        requestID: String, members: [AsyncMemberOutcome]
    ) {
        guard members.count <= configuration.asyncMemberLimit else {
            throw SFMCError(
                status: 400, errorCode: 10000,
                message:
                    "We could not queue your request: \(members.count) members exceed the limit of "
                    + "\(configuration.asyncMemberLimit) per request."
            )
        }
        let journeys = try journeys(for: eventDefinitionKey)
        let requestID = random.guid()
        let at = now
        let first = asyncRecords.count
        defer { asyncByRequest[requestID] = first..<asyncRecords.count }
        var outcomes: [AsyncMemberOutcome] = []
        outcomes.reserveCapacity(members.count)
        for member in members {
            var outcome = AsyncMemberOutcome(contactKey: member.contactKey ?? "")
            if member.contactKey?.isEmpty ?? true {
                (outcome.errorCode, outcome.message) = ("10002", "members.contactKey is required.")
            } else if let unknown = journeys.lazy.map({ self.engine.unknownFields(member.fieldNames, journey: $0) }).first(where: {
                !$0.isEmpty
            }) {
                (outcome.errorCode, outcome.message) = (
                    "10005", "Data field(s) \(unknown.joined(separator: ", ")) do not exist in the entry data extension."
                )
            } else if random.chance(configuration.faults.memberTransientError) {
                stats.fault("member_transient_error")
                (outcome.errorCode, outcome.message) = (
                    configuration.faults.transientMemberErrorCode, "We could not queue this member. Try again later."
                )
            } else {
                outcome.eventInstanceID = random.guid(tag: asyncRecords.count)
            }
            let delay = Int64.random(in: configuration.entryDelayMillis, using: &random)
            let record = AsyncMemberRecord(
                requestID: requestID, eventInstanceID: outcome.eventInstanceID, contactKey: outcome.contactKey,
                eventDefinitionKey: eventDefinitionKey, errorCode: outcome.errorCode, message: outcome.message,
                acceptedAt: at, dueAt: at + delay, previousOfContact: nil)
            remember(record)
            if outcome.errorCode == nil {
                for journey in journeys {
                    let dropped = random.chance(configuration.faults.silentDrop)
                    engine.accept(contactKey: outcome.contactKey, journey: journey, dueAt: at + delay, dropped: dropped, requestedAt: at)
                }
            }
            outcomes.append(outcome)
        }
        return (requestID, outcomes)
    }

    private func remember(_ record: AsyncMemberRecord) {
        let index = asyncRecords.count
        var record = record
        record.previousOfContact = asyncLatestByContact.updateValue(index, forKey: record.contactKey)
        asyncRecords.append(record)
    }

    /// The record an eventInstanceId names: its last 12 hex digits are the record's index.
    private func record(ofInstance id: String) -> Int? {
        guard let index = Int(id.suffix(12), radix: 16), asyncRecords.indices.contains(index),
            asyncRecords[index].eventInstanceID == id
        else { return nil }
        return index
    }

    private func records(ofContact key: String) -> [Int] {
        var indices: [Int] = []
        var next = asyncLatestByContact[key]
        while let index = next {
            indices.append(index)
            next = asyncRecords[index].previousOfContact
        }
        return indices.reversed()
    }

    private func journeys(for eventDefinitionKey: String) throws(SFMCError) -> [Int] {
        guard !eventDefinitionKey.isEmpty else {
            throw SFMCError(status: 400, errorCode: 10002, message: "eventDefinitionKey is required.")
        }
        let journeys = engine.journeys(forEventDefinitionKey: eventDefinitionKey)
        guard !journeys.isEmpty else {
            throw SFMCError(status: 400, errorCode: 10005, message: "Event definition key '\(eventDefinitionKey)' was not found.")
        }
        if let status = configuration.notRunningStatus, journeys.allSatisfy({ engine.journeys[$0].state != .running }) {
            throw SFMCError(
                status: status, errorCode: 30001, message: "No running journey uses event definition key '\(eventDefinitionKey)'.")
        }
        return journeys
    }

    /// The journeys as `GET /interaction/v1/interactions` describes them, those with `key` if given.
    func interactions(key: String?) -> [Interaction] {
        engine.journeys.indices.filter { engine.journeys[$0].eventDefinitionKey != nil && (key == nil || engine.journeys[$0].key == key) }
            .map { index in
                let journey = engine.journeys[index]
                return Interaction(
                    index: index + 1, key: journey.key, status: journey.state.apiStatus, entryMode: journey.entryMode.rawValue,
                    eventDefinitionKey: journey.eventDefinitionKey ?? "", current: engine.entries[index].count,
                    cumulative: engine.entries[index].values.reduce(0, +))
            }
    }

    /// The sandbox's control endpoint: a journey's state changes while it runs. False for an unknown key.
    public func setJourneyState(key: String, to state: JourneyState) -> Bool {
        advance()
        let matches = engine.journeys.indices.filter { engine.journeys[$0].key == key }
        for index in matches { engine.setState(state, journey: index) }
        return !matches.isEmpty
    }

    /// `POST /interaction/v1/events`: one contact.
    func singleEvent(contactKey: String?, eventDefinitionKey: String?, fieldNames: [String]) throws(SFMCError) -> String {
        guard let contactKey, !contactKey.isEmpty else {
            throw SFMCError(status: 400, errorCode: 10002, message: "ContactKey is required.")
        }
        guard let eventDefinitionKey, !eventDefinitionKey.contains(".") else {
            throw SFMCError(status: 400, errorCode: 10003, message: "EventDefinitionKey is required and must not contain a period.")
        }
        let journeys = try journeys(for: eventDefinitionKey)
        for journey in journeys {
            let unknown = engine.unknownFields(fieldNames, journey: journey)
            if !unknown.isEmpty {
                throw SFMCError(
                    status: 400, errorCode: 10005,
                    message: "Data field(s) \(unknown.joined(separator: ", ")) do not exist in the entry data extension.")
            }
        }
        for journey in journeys { scheduleEntry(contactKey: contactKey, journey: journey) }
        return random.guid()
    }

    /// `POST /interaction-experimental/v1/batchcontactevents`: one GUID, nothing per contact.
    func batchContactEvents(eventDefinitionKey: String, contacts: [(key: String, fieldNames: [String])]) throws(SFMCError) -> String {
        guard contacts.count <= configuration.batchContactEventsLimit else {
            throw SFMCError(
                status: 400, errorCode: 10000,
                message: "BatchDetails exceeds the limit of \(configuration.batchContactEventsLimit) records.")
        }
        let journeys = try journeys(for: eventDefinitionKey)
        for contact in contacts where !contact.key.isEmpty {
            // Contacts whose data the schema refuses are dropped without a word: the answer is 201 regardless.
            for journey in journeys where engine.unknownFields(contact.fieldNames, journey: journey).isEmpty {
                scheduleEntry(contactKey: contact.key, journey: journey)
            }
        }
        return random.guid()
    }

    /// `POST /interaction/v1/interactions/contactMembership`.
    func membership(keys: [String]) throws(SFMCError) -> (memberships: [(contactKey: String, definitionKey: String)], notFound: [String]) {
        guard keys.count <= configuration.membershipKeyLimit else {
            throw SFMCError(
                status: 400, errorCode: 10000, message: "ContactKeyList exceeds the limit of \(configuration.membershipKeyLimit) keys.")
        }
        advance()
        var memberships: [(String, String)] = []
        var notFound: [String] = []
        for key in keys {
            let journeys = engine.memberships(of: key, now: now).filter { engine.journeys[$0].eventDefinitionKey != nil }
            if journeys.isEmpty { notFound.append(key) }
            for journey in journeys { memberships.append((key, engine.journeys[journey].key)) }
        }
        return (memberships, notFound)
    }

    /// `GET /interaction/v1/async/events/status`, filtered and paged.
    /// `startDate`/`endDate` bound when a record was created (the spec does not say which date they filter on); the
    /// default window is the last 30 days.
    func asyncStatus(
        type: String?, contactKey: String?, requestID: String?, eventInstanceID: String?, eventDefinitionKey: String?,
        startDate: Int64? = nil, endDate: Int64? = nil,
        page: Int, pageSize: Int
    ) throws(SFMCError) -> (count: Int, items: [(AsyncMemberRecord, String)]) {
        guard type != nil || contactKey != nil || requestID != nil || eventInstanceID != nil || eventDefinitionKey != nil else {
            throw SFMCError(
                status: 400, errorCode: 10002,
                message: "At least one of type, contactKey, requestId, eventInstanceId or eventDefinitionKey is required.")
        }
        let at = now
        var candidates: [Int]
        if let eventInstanceID {
            candidates = record(ofInstance: eventInstanceID).map { [$0] } ?? []
        } else if let requestID {
            candidates = asyncByRequest[requestID].map(Array.init) ?? []
        } else if let contactKey {
            candidates = records(ofContact: contactKey)
        } else {
            candidates = Array(asyncRecords.indices)
        }
        let matching = candidates.compactMap { index -> (AsyncMemberRecord, String)? in
            let record = asyncRecords[index]
            let status = record.errorCode != nil ? "errored" : (at < record.dueAt ? "queued" : "processed")
            if let type, type != status { return nil }
            if let contactKey, record.contactKey != contactKey { return nil }
            if let requestID, record.requestID != requestID { return nil }
            if let eventDefinitionKey, record.eventDefinitionKey != eventDefinitionKey { return nil }
            if record.acceptedAt < (startDate ?? at - 30 * 86_400_000) || record.acceptedAt > (endDate ?? .max) { return nil }
            return (record, status)
        }
        let start = max(page - 1, 0) * pageSize
        let slice = start < matching.count ? Array(matching[start..<min(start + pageSize, matching.count)]) : []
        return (matching.count, slice)
    }
}

/// One journey as the interactions API describes it (docs/remote-apis.md §6.4; the trigger's shape is [INFER]).
struct Interaction: Sendable {
    var index: Int
    var key: String
    var status: String
    var entryMode: String
    var eventDefinitionKey: String
    var current: Int
    var cumulative: Int

    var id: String { "0b1f0000-0000-4000-8000-" + ZeroPadded.digits(index, 12) }

    /// The journey's definition id (the same for every version), as the journey history names it.
    static func definitionID(index: Int) -> String { "de1f0000-0000-4000-8000-" + ZeroPadded.digits(index, 12) }

    var json: [String: Any] {
        [
            "id": id, "key": key, "name": "Sandbox journey \(key)", "version": 1, "status": status,
            "definitionId": Self.definitionID(index: index), "entryMode": entryMode, "executionMode": "Production",
            "triggers": [
                [
                    "key": "trigger-\(index)", "type": "APIEvent", "eventDefinitionKey": eventDefinitionKey,
                    "metaData": ["eventDefinitionKey": eventDefinitionKey],
                ]
            ],
            "stats": ["currentPopulation": current, "cumulativePopulation": cumulative],
        ]
    }
}
