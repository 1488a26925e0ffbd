import Hummingbird

/// Applies the drawn fault and latency around one handler, and counts the answer.
struct FaultInjector: Sendable {
    let state: SimulatorState
    let profile: FaultProfile

    /// Answers one request; `gathers` is false for the requests a client makes before it may submit (journey checks),
    /// which `gatherInFlight` must not hold.
    func run(
        _ endpoint: String, style: HTTPAnswers.Style, gathers: Bool = true,
        _ handle: () async throws -> Response
    ) async throws -> Response {
        await state.requestStarted()
        if gathers { await state.gather() }
        do {
            let response = try await answer(endpoint, style: style, handle)
            await state.requestFinished()
            return response
        } catch {
            await state.requestFinished()
            throw error
        }
    }

    private func answer(_ endpoint: String, style: HTTPAnswers.Style, _ handle: () async throws -> Response) async throws -> Response {
        let (decision, latency) = await state.drawFault(endpoint)
        if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        let response: Response
        switch decision {
        case .none:
            response = try await handle()
        case .throttleWithRetryAfter:
            response = style.throttled(retryAfter: profile.retryAfterSeconds)
        case .throttleBlocked:
            response = style.throttled(retryAfter: nil)
        case .serverError:
            response = style.serverError
        case .serverErrorAfterTaken:
            _ = try await handle()
            response = style.serverError
        case .timeoutAfterTaken:
            response = try await handle()
            try await hold()
        case .dropBeforeTaken:
            try await hold()
            response = HTTPAnswers.empty(504)
        case .takenLate:
            // The client has given up and closed by now; the request is taken all the same, as a late retransmission is.
            await Self.sleepThroughCancellation(seconds: profile.lateSeconds)
            _ = try await handle()
            response = HTTPAnswers.empty(504)
        case .absurdThrottle:
            let (header, body) = await state.absurdRetryAfter()
            response = HTTPAnswers.text(
                429, "{\"message\":\"Rate limit exceeded\",\"errorcode\":50100,\"retryAfter\":\(body)}",
                contentType: "application/json", headers: [.retryAfter: header])
        case .redirect:
            response = HTTPAnswers.redirect
        }
        await state.count(endpoint, status: Int(response.status.code))
        return response
    }

    /// Waits even when the task is cancelled (its client went away): what arrives late is taken all the same.
    private static func sleepThroughCancellation(seconds: Double) async {
        await Task.detached { try? await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }.value
    }

    /// Holds the answer past the client's timeout.
    private func hold() async throws {
        try await Task.sleep(for: .milliseconds(Int(profile.holdSeconds * 1000)))
    }
}
