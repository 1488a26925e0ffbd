import JourneyQueue

extension AttemptResult {
    /// The ledger's answer half for an HTTP answer. `recordedBody` replaces the body where it must not be kept
    /// (tokens) or is too large; `errorClass` defaults to nil for 2xx and `http_STATUS` otherwise.
    static func answered(
        _ answer: HTTPAnswer, attemptID: Int64 = 0, remoteID: String? = nil, errorClass: String? = nil,
        recordedBody: String? = nil, at now: Int64
    ) -> AttemptResult {
        AttemptResult(
            attemptID: attemptID, status: answer.status, headers: answer.recordedHeaders, responseBody: recordedBody ?? answer.bodyText,
            remoteID: remoteID, latencyMillis: answer.latencyMillis,
            errorClass: errorClass ?? ((200..<300).contains(answer.status) ? nil : "http_\(answer.status)"), finishedAt: now)
    }

    /// The ledger's answer half for a request that got no answer.
    static func failed(_ failure: TransportFailure, attemptID: Int64 = 0, remoteID: String? = nil, at now: Int64) -> AttemptResult {
        AttemptResult(
            attemptID: attemptID, status: nil, headers: [:], responseBody: failure.message, remoteID: remoteID,
            latencyMillis: failure.latencyMillis, errorClass: failure.kind.rawValue, finishedAt: now)
    }
}
