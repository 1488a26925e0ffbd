/// What a settle writes on one contact's row; nil fields keep what the row has.
public struct SettlementRow: Sendable, Equatable {
    public var contactID: Int64
    public var eventInstanceID: String?
    /// What decided the outcome beyond membership (`Settlement.evidence`).
    public var evidence: String?
    /// Everything else the outcome sets, shared by every contact with the same outcome.
    public var values: SettlementValues
}

/// The columns an outcome sets apart from the contact's own event instance id; nil keeps what the row has.
public struct SettlementValues: Sendable, Hashable {
    public var state: Int?
    public var availableAt: Int64?
    public var lastError: String?
    public var deadReason: String?
    /// 1 gives back the attempt the claim counted.
    public var refund = 0
    /// Looks this outcome used up.
    public var looks = 0
    public var ambiguous: Int?
    /// 1 when the contact is sent again without a look after an ambiguous outcome.
    public var possibleDuplicate = 0
    /// 1 when the journey history proved that the last request entered nobody.
    public var provenAbsent = 0
    /// Why a queued contact waits (`StateCode.waitWindow`); nil: for nothing but its retry time.
    public var waitCause: Int?

    /// Values that set `state` (nil keeps it) and `ambiguous`, and nothing else.
    public init(state: Int?, availableAt: Int64? = nil, ambiguous: Int?) {
        self.state = state
        self.availableAt = availableAt
        self.ambiguous = ambiguous
    }
}

/// Contacts whose outcomes set the same values: one statement writes them all.
public struct SettlementGroup: Sendable, Equatable {
    public var values: SettlementValues
    /// `[[contact id, event instance id or null, evidence or null], …]`.
    public var contactsJSON: String
}

extension Settlement {
    /// The columns this outcome sets on its contact.
    public var row: SettlementRow {
        var values = SettlementValues(state: outcome.state?.rawValue, ambiguous: outcome.ambiguity.map { $0 ? 1 : 0 })
        values.provenAbsent = provenAbsent ? 1 : 0
        var eventInstanceID: String?
        switch outcome {
        case let .accepted(id, verifyAfter):
            eventInstanceID = id
            values.availableAt = verifyAfter
        case let .retry(at, error, refundAttempt, duplicate):
            values.availableAt = at
            values.lastError = error
            values.refund = refundAttempt ? 1 : 0
            values.possibleDuplicate = duplicate ? 1 : 0
        case let .unknown(error, verifyAfter, refundAttempt):
            values.availableAt = verifyAfter
            values.lastError = error
            values.refund = refundAttempt ? 1 : 0
        case let .dead(reason, _):
            values.deadReason = reason
            values.lastError = reason
        case .confirmed:
            break
        case let .unverifiable(reason):
            values.lastError = reason
        case let .recheck(at, note, counted):
            values.availableAt = at
            values.lastError = note
            values.looks = counted ? 1 : 0
        case let .waitForWindow(until, note):
            values.availableAt = until
            values.lastError = note
            values.refund = 1
            values.waitCause = Int(StateCode.waitWindow)
        case let .expired(reason):
            values.lastError = reason
            values.refund = 1
        }
        return SettlementRow(contactID: contactID, eventInstanceID: eventInstanceID, evidence: evidence, values: values)
    }

    /// The outcomes grouped by the values they set, groups in the order of their first contact.
    public static func groups(_ outcomes: [Settlement]) -> [SettlementGroup] {
        var order: [SettlementValues] = []
        var contacts: [SettlementValues: [String]] = [:]
        for settlement in outcomes {
            let row = settlement.row
            if contacts[row.values] == nil { order.append(row.values) }
            contacts[row.values, default: []].append(
                "[\(row.contactID),\(row.eventInstanceID.map(JSONText.string) ?? "null"),"
                    + "\(row.evidence.map(JSONText.string) ?? "null")]")
        }
        return order.map { SettlementGroup(values: $0, contactsJSON: "[" + contacts[$0]!.joined(separator: ",") + "]") }
    }

    /// The outcomes as the JSON array PostgreSQL's settle statements read, one array per contact:
    /// `[id, state, available_at, event_instance_id, last_error, dead_reason, refund, looks, ambiguous, possible_duplicate,
    /// evidence, proven_absent, wait_cause]`
    /// (nulls keep what the row has).
    public static func rowsJSON(_ outcomes: [Settlement]) -> String {
        var out = "["
        for (index, settlement) in outcomes.enumerated() {
            let row = settlement.row
            let values = row.values
            if index > 0 { out += "," }
            out += "[\(row.contactID),\(values.state.map(String.init) ?? "null"),"
            out += values.availableAt.map(String.init) ?? "null"
            out += ","
            out += row.eventInstanceID.map(JSONText.string) ?? "null"
            out += ","
            out += values.lastError.map(JSONText.string) ?? "null"
            out += ","
            out += values.deadReason.map(JSONText.string) ?? "null"
            out += ",\(values.refund),\(values.looks),"
            out += values.ambiguous.map(String.init) ?? "null"
            out += ",\(values.possibleDuplicate),"
            out += row.evidence.map(JSONText.string) ?? "null"
            out += ",\(values.provenAbsent),\(values.waitCause.map(String.init) ?? "null")]"
        }
        return out + "]"
    }
}
