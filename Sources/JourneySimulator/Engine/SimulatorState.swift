import JourneyQueue

/// The sandbox's whole state behind one actor: tokens, journeys, requests, jobs and the truth.
public actor SimulatorState {
    let configuration: SimulatorConfiguration
    let clock: any WallClock
    var random: SeededRandom
    var tokens = TokenBook()
    var engine: JourneyEngine
    var stats = SimulatorStats()
    /// Requests held by `gatherInFlight`, and whether it was reached (or gave up): it holds requests once.
    private var gatherers: [CheckedContinuation<Void, Never>] = []
    private var gathered = false
    var asyncRecords: [AsyncMemberRecord] = []
    /// A request's members are contiguous in `asyncRecords`.
    var asyncByRequest: [String: Range<Int>] = [:]
    /// Newest record of each contact; older ones chain through `AsyncMemberRecord.previousOfContact`.
    var asyncLatestByContact: [String: Int] = [:]
    var uploads: [String: SymplifyUpload] = [:]
    var jobs: [String: BulkJob] = [:]
    var jobSequence = 0
    /// When the sandbox started, on its clock (outages are placed after it).
    let startedAt: Int64
    /// What is left of `FaultProfile.scripted`.
    private var scriptedFaults: [String: [FaultDecision]]

    /// A fresh sandbox; entry delays and token expiry follow `clock`.
    public init(configuration: SimulatorConfiguration, clock: any WallClock = SystemClock()) {
        self.configuration = configuration
        self.clock = clock
        startedAt = clock.nowMillis()
        var generator = SeededRandom(seed: configuration.seed)
        var engine = JourneyEngine(
            journeys: configuration.journeys, priorMembers: configuration.priorMembers,
            membershipListsExited: configuration.membershipListsExited)
        let lagRange = configuration.historyLagMillis
        engine.recordPriorMembers(startedAt: startedAt) { Int64.random(in: lagRange, using: &generator) }
        self.engine = engine
        random = generator
        scriptedFaults = configuration.faults.scripted
    }

    var now: Int64 { clock.nowMillis() }

    // MARK: Faults and accounting

    /// Draws the fault for one request to `endpoint` and the latency to add to its answer; the endpoint's scripted
    /// faults come first, in order.
    func drawFault(_ endpoint: String) -> (FaultDecision, Int) {
        let decision: FaultDecision
        if let next = scriptedFaults[endpoint]?.first {
            scriptedFaults[endpoint]?.removeFirst()
            decision = next
        } else {
            decision = FaultDecision.draw(configuration.faults, using: &random)
        }
        if decision != .none { stats.fault(decision.rawValue) }
        let range = configuration.faults.latencyMillis
        let latency = range.lowerBound == range.upperBound ? range.lowerBound : Int.random(in: range, using: &random)
        return (decision, latency)
    }

    func count(_ endpoint: String, status: Int) {
        stats.request(endpoint, status: status)
    }

    // MARK: Tokens

    /// `/v2/token`: a bearer token for valid client credentials.
    func issueV2Token(clientID: String, clientSecret: String) -> (token: String, ttl: Int64)? {
        guard clientID == configuration.clientID, clientSecret == configuration.clientSecret else { return nil }
        let token = "eyJ" + random.token(length: 61)
        tokens.issue(token, kind: .sfmcV2, expiresAt: now + configuration.tokenTTLSeconds * 1000)
        return (token, configuration.tokenTTLSeconds)
    }

    /// `/v1/requestToken`: a 24-character legacy token.
    func issueLegacyToken(clientID: String, clientSecret: String) -> (token: String, ttl: Int64)? {
        guard clientID == configuration.legacyClientID, clientSecret == configuration.legacyClientSecret else { return nil }
        let token = random.token(length: 24)
        tokens.issue(token, kind: .sfmcLegacy, expiresAt: now + configuration.legacyTokenTTLSeconds * 1000)
        return (token, configuration.legacyTokenTTLSeconds)
    }

    /// Bulk API's OAuth token endpoint.
    func issueSalesforceToken(clientID: String, clientSecret: String) -> String? {
        guard clientID == configuration.salesforceClientID, clientSecret == configuration.salesforceClientSecret else { return nil }
        let token = "00D" + random.token(length: 40)
        tokens.issue(token, kind: .salesforce, expiresAt: now + configuration.salesforceTokenTTLSeconds * 1000)
        return token
    }

    /// The token's kind if it is valid now; a valid token may be revoked here by the revocation fault.
    func authorize(_ token: String?) -> TokenBook.Kind? {
        guard let token, let kind = tokens.validKind(token, now: now) else { return nil }
        if random.chance(configuration.faults.tokenRevocation) {
            tokens.revoke(token)
            stats.fault("token_revoked")
            return nil
        }
        return kind
    }

    // MARK: Truth

    /// Processes the entries that are due now.
    func advance() {
        let range = configuration.exitAfterMillis
        let lag = configuration.historyLagMillis
        engine.advance(
            to: now, stay: { range.map { Int64.random(in: $0, using: &random) } }, lag: { Int64.random(in: lag, using: &random) })
    }

    /// One absurd `Retry-After` header and body `retryAfter` (`absurdThrottle`).
    func absurdRetryAfter() -> (header: String, body: String) {
        let headers = ["1e16", "nan", "-1", "99999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT", "soon", "", "1.5"]
        let bodies = ["1e300", "-3", "\"x\"", "1e16", "null", "NaN"]
        return (headers[Int.random(in: 0..<headers.count, using: &random)], bodies[Int.random(in: 0..<bodies.count, using: &random)])
    }

    /// A token lifetime as the configuration says, or an absurd one (`absurdTokenLifetime`), as JSON text.
    func tokenLifetime(_ seconds: Int64) -> String {
        guard configuration.faults.absurdTokenLifetime else { return String(seconds) }
        let values = ["1e300", "-5", "\"soon\"", "0", "1e16", "null", "9223372036854775808"]
        return values[Int.random(in: 0..<values.count, using: &random)]
    }

    /// Whether this token request is redirected elsewhere (`redirect`).
    func drawRedirect() -> Bool {
        guard random.chance(configuration.faults.redirect) else { return false }
        stats.fault("redirect")
        return true
    }

    /// Whether this look is answered 500 (`lookFault`, or a look outage now).
    func drawLookFault() -> Bool {
        if inLookOutage() {
            stats.fault("look_outage")
            return true
        }
        guard random.chance(configuration.faults.lookFault) else { return false }
        stats.fault("look_fault")
        return true
    }

    /// Whether the look endpoints are in the configured outage now.
    func inLookOutage() -> Bool {
        configuration.lookOutageMillis?.contains(now - startedAt) ?? false
    }

    /// Every contact that entered each journey while the sandbox ran, and how many times.
    public func truth() -> [(destination: String, key: String, entries: [String: Int])] {
        advance()
        return engine.journeys.indices.map { (engine.journeys[$0].destination, engine.journeys[$0].key, engine.entries[$0]) }
    }

    /// When each entry of `truth()` was made and when its request arrived (epoch ms), per journey and contact.
    public func entryTimes() -> [(destination: String, key: String, times: [String: [(enteredAt: Int64, requestedAt: Int64)]])] {
        advance()
        return engine.journeys.indices.map { (engine.journeys[$0].destination, engine.journeys[$0].key, engine.entryTimes[$0]) }
    }

    /// Counters for `/_sim/stats`.
    public func statistics() -> (
        requests: [String: [Int: Int]], faults: [String: Int], tokensIssued: Int, tokensRevoked: Int,
        silentlyDropped: Int, blocked: Int, peakInFlight: Int
    ) {
        advance()
        return (
            stats.requests, stats.faults, tokens.issuedCount, tokens.revokedCount, engine.silentlyDropped, engine.blocked,
            stats.peakInFlight
        )
    }

    /// A vendor request arrived (for the in-flight counters).
    func requestStarted() {
        stats.started()
        if let wanted = configuration.faults.gatherInFlight, stats.inFlight >= wanted { endGathering() }
    }

    /// Waits, while `gatherInFlight` is set and not yet reached, until it is or `holdSeconds` passed.
    func gather() async {
        guard let wanted = configuration.faults.gatherInFlight, !gathered, stats.inFlight < wanted else { return }
        if gatherers.isEmpty {
            let seconds = configuration.faults.holdSeconds
            Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                await self?.endGathering()
            }
        }
        await withCheckedContinuation { gatherers.append($0) }
    }

    /// Answers the requests `gatherInFlight` holds now, and holds none after (a test's cue).
    public func releaseGathered() { endGathering() }

    private func endGathering() {
        gathered = true
        let waiting = gatherers
        gatherers = []
        waiting.forEach { $0.resume() }
    }

    /// A vendor request was answered or abandoned.
    func requestFinished() { stats.finished() }

    /// Schedules entry after the configured delay; the silent-drop fault is decided here.
    func scheduleEntry(contactKey: String, journey: Int) {
        let delay = Int64.random(in: configuration.entryDelayMillis, using: &random)
        let dropped = random.chance(configuration.faults.silentDrop)
        engine.accept(contactKey: contactKey, journey: journey, dueAt: now + delay, dropped: dropped, requestedAt: now)
    }
}
