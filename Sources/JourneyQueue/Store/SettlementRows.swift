extension Settlement {
    /// The outcomes as the JSON array the stores' settle statements read, one array per contact:
    /// `[id, state, available_at, event_instance_id, last_error, dead_reason, refund, looks, ambiguous, possible_duplicate]`
    /// (nulls keep what the row has).
    public static func rowsJSON(_ outcomes: [Settlement]) -> String {
        var out = "["
        for (index, settlement) in outcomes.enumerated() {
            var availableAt: Int64?
            var eventInstanceID: String?
            var lastError: String?
            var deadReason: String?
            var refund = false
            var looks = 0
            var possibleDuplicate = false
            switch settlement.outcome {
            case let .accepted(id, verifyAfter):
                eventInstanceID = id
                availableAt = verifyAfter
            case let .retry(at, error, refundAttempt, duplicate):
                availableAt = at
                lastError = error
                refund = refundAttempt
                possibleDuplicate = duplicate
            case let .unknown(error, verifyAfter, refundAttempt):
                availableAt = verifyAfter
                lastError = error
                refund = refundAttempt
            case let .dead(reason, _):
                deadReason = reason
                lastError = reason
            case .confirmed:
                break
            case let .unverifiable(reason):
                lastError = reason
            case let .recheck(at, note, counted):
                availableAt = at
                lastError = note
                looks = counted ? 1 : 0
            }
            if index > 0 { out += "," }
            out += "[\(settlement.contactID),\(settlement.outcome.state.map { String($0.rawValue) } ?? "null"),"
            out += availableAt.map(String.init) ?? "null"
            out += ","
            out += eventInstanceID.map(JSONText.string) ?? "null"
            out += ","
            out += lastError.map(JSONText.string) ?? "null"
            out += ","
            out += deadReason.map(JSONText.string) ?? "null"
            out += ",\(refund ? 1 : 0),\(looks),"
            out += settlement.outcome.ambiguity.map { $0 ? "1" : "0" } ?? "null"
            out += ",\(possibleDuplicate ? 1 : 0)]"
        }
        return out + "]"
    }
}
