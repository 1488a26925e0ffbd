import ArgumentParser
import Foundation
import JourneyQueue
import JourneySimulator
import Logging
import ServiceLifecycle

/// `journeyq simulate`: the sandbox that behaves like the vendors' APIs, faults included.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a sandbox that speaks Marketing Cloud, Symplify and Bulk API 2.0, with faults and ground truth.",
        discussion: """
            Prints its address and runs until SIGINT or SIGTERM. Faults are off unless asked for.
            --faults realistic turns on: 429 with Retry-After 3%, 429 without 1%, 500 before processing 1%,
            500 after processing 1%, answer held past the client timeout after processing 1%, held without
            processing 0.5%, token revoked early 0.5%, silent drop of accepted contacts 2%, transient member
            error 1%, journey-history downloads answered 500 or cut off 2%, latency 5-40 ms. \
            --faults hostile adds what no API should send: 429 with an absurd Retry-After or
            retryAfter (1e16, nan, -1, year 9999, text) 2%, a 307 to another origin 1% (entry and token endpoints),
            token lifetimes that are huge, negative, zero or text, and requests taken only after their client gave
            up 0.5% (as a retransmission arrives once a cut link comes back). Individual rates override the mix.
            Ground truth: GET /_sim/journeys; counters: GET /_sim/stats.
            """
    )

    enum FaultMix: String, ExpressibleByArgument, CaseIterable {
        case none, realistic, hostile
    }

    @Option(help: "Address to listen on (loopback by default).")
    var host = "127.0.0.1"

    @Option(
        help: ArgumentHelp(
            "Drills only: the remote's clock is off by the milliseconds in this file (its Date headers and history), "
                + "read again every second.",
            valueName: "file", visibility: .hidden))
    var clockOffsetFile: String?

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8089

    @Option(help: "Seed of every random decision: the same seed and request order give the same run.")
    var seed: UInt64 = 1

    @Option(
        help: "Write a journeyq config for this sandbox (one destination of every kind) to FILE: JSON when FILE ends in .json, else YAML.")
    var writeConfig: String?

    @Option(help: "Fault mix: none or realistic.")
    var faults: FaultMix = .none

    @Option(help: "Rate of 429 with Retry-After (errorcode 50100).") var throttleRate: Double?
    @Option(help: "Rate of 429 without Retry-After (errorcode 50200).") var throttleBlockedRate: Double?
    @Option(help: "Rate of 500 before the request is processed.") var serverErrorRate: Double?
    @Option(help: "Rate of 500 after the request was processed.") var serverErrorAfterTakenRate: Double?
    @Option(help: "Rate of answers held past the client timeout after processing.") var timeoutRate: Double?
    @Option(help: "Rate of answers held without processing (dropped).") var dropRate: Double?
    @Option(help: "Rate of requests taken only after their client gave up (a late retransmission).") var takenLateRate: Double?
    @Option(help: "Seconds after it came that a late request is taken.") var lateSeconds: Double?
    @Option(help: "Rate of tokens revoked before expiry.") var tokenRevocationRate: Double?
    @Option(help: "Rate of accepted contacts that silently never enter.") var silentDropRate: Double?
    @Option(help: "Rate of transient per-member errors in async batches.") var memberErrorRate: Double?
    @Option(help: "Latency range in milliseconds, MIN-MAX.") var latencyMs: String?
    @Option(help: "Seconds a held answer is held.") var holdSeconds: Double?
    @Option(help: "expires_in of issued tokens, seconds.") var tokenTtl: Int64?
    @Option(help: "Entry delay range in milliseconds, MIN-MAX; until then the async status endpoint lists a contact as queued.")
    var entryDelayMs: String?
    @Option(help: "Rate of contactMembership and async status looks answered 500.") var lookFaultRate: Double?
    @Option(help: "Rate of 429 with an absurd Retry-After or retryAfter.") var absurdThrottleRate: Double?
    @Option(help: "Rate of 307 redirects to another origin.") var redirectRate: Double?
    @Flag(help: "Token endpoints answer absurd lifetimes.") var absurdTokenLifetime = false
    @Option(
        help: "A file of contact keys, one per line, that are members of every Marketing Cloud journey at start (not counted as entries).")
    var alreadyIn: String?
    @Option(help: "Entered contacts leave their journey after MIN-MAX milliseconds (default: never).") var exitAfterMs: String?
    @Flag(help: "contactMembership keeps listing contacts that have left (whether the real API does is unknown).")
    var membershipListsExited = false
    @Option(help: "Status with which entry into a journey that is not running fails (default: taken, nobody entered).")
    var notRunningStatus: Int?
    @Option(help: "Every look endpoint answers 500 for SECONDS, starting AFTER seconds after the sandbox starts (SECONDS[@AFTER]).")
    var lookOutage: String?
    @Option(help: "The journey history has a row MIN-MAX milliseconds after it happened; the freshness endpoint reports the most.")
    var historyLagMs: String?
    @Option(help: "Rate of journey-history downloads answered 500 or cut off halfway.") var historyFaultRate: Double?
    @Flag(help: "Journey-history downloads answer 403 (the package lacks the scope).") var historyForbidden = false
    @Flag(help: "Journey-history files leave out EpochTimeInMilliseconds: only TransactionTime (Central time, no offset) says when.")
    var historyNoEpoch = false
    @Flag(help: "The async status listing leaves out its count: a client must read on while pages are full.") var statusNoCount = false
    @Option(help: "Entry mode of every Marketing Cloud journey: MultipleEntries (default), OnceAndDone or SingleEntryAcrossAllVersions.")
    var entryMode: String?

    func validate() throws {
        if let notRunningStatus, !(400...599).contains(notRunningStatus) {
            throw ValidationError("--not-running-status must be an HTTP error status (400-599), got \(notRunningStatus)")
        }
        for rate in [
            throttleRate, throttleBlockedRate, serverErrorRate, serverErrorAfterTakenRate, timeoutRate, dropRate, takenLateRate,
            tokenRevocationRate, silentDropRate, memberErrorRate, lookFaultRate, absurdThrottleRate, redirectRate,
            historyFaultRate,
        ].compactMap({ $0 }) where !(0...1).contains(rate) {
            throw ValidationError("fault rates are probabilities between 0 and 1, got \(rate)")
        }
        if let lateSeconds, !(lateSeconds > 0 && lateSeconds <= 3_600) {
            throw ValidationError("--late-seconds must be more than 0 and at most 3600, got \(lateSeconds)")
        }
        _ = try parseRange(latencyMs, name: "--latency-ms")
        _ = try parseRange(entryDelayMs, name: "--entry-delay-ms")
        _ = try parseRange(exitAfterMs, name: "--exit-after-ms")
        _ = try parseRange(historyLagMs, name: "--history-lag-ms")
        _ = try parseOutage(lookOutage)
        if let entryMode, EntryMode(rawValue: entryMode) == nil {
            throw ValidationError("--entry-mode must be MultipleEntries, OnceAndDone or SingleEntryAcrossAllVersions, got '\(entryMode)'")
        }
    }

    /// `SECONDS[@AFTER]` as a span of milliseconds after the sandbox starts.
    private func parseOutage(_ text: String?) throws -> ClosedRange<Int64>? {
        guard let text else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false).map { Double($0) }
        guard (1...2).contains(parts.count), let seconds = parts[0], seconds > 0, seconds.isFinite,
            let after = parts.count == 2 ? parts[1] : 0, after >= 0, after.isFinite
        else {
            throw ValidationError("--look-outage expects SECONDS or SECONDS@AFTER (seconds after the start), got '\(text)'")
        }
        let start = Int64(after * 1000)
        return start...(start + Int64(seconds * 1000))
    }

    func simulatorConfiguration() throws -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        configuration.seed = seed
        var profile =
            switch faults {
            case .none: FaultProfile.none
            case .realistic: FaultProfile.realistic
            case .hostile: FaultProfile.hostile
            }
        if let throttleRate { profile.throttleWithRetryAfter = throttleRate }
        if let throttleBlockedRate { profile.throttleBlocked = throttleBlockedRate }
        if let serverErrorRate { profile.serverError = serverErrorRate }
        if let serverErrorAfterTakenRate { profile.serverErrorAfterTaken = serverErrorAfterTakenRate }
        if let timeoutRate { profile.timeoutAfterTaken = timeoutRate }
        if let dropRate { profile.dropBeforeTaken = dropRate }
        if let takenLateRate { profile.takenLate = takenLateRate }
        if let lateSeconds { profile.lateSeconds = lateSeconds }
        if let tokenRevocationRate { profile.tokenRevocation = tokenRevocationRate }
        if let silentDropRate { profile.silentDrop = silentDropRate }
        if let memberErrorRate { profile.memberTransientError = memberErrorRate }
        if let range = try parseRange(latencyMs, name: "--latency-ms") {
            profile.latencyMillis = Int(range.lowerBound)...Int(range.upperBound)
        }
        if let holdSeconds { profile.holdSeconds = holdSeconds }
        configuration.faults = profile
        if let tokenTtl { configuration.tokenTTLSeconds = tokenTtl }
        if let range = try parseRange(entryDelayMs, name: "--entry-delay-ms") { configuration.entryDelayMillis = range }
        if let lookFaultRate { configuration.faults.lookFault = lookFaultRate }
        if let absurdThrottleRate { configuration.faults.absurdThrottle = absurdThrottleRate }
        if let redirectRate { configuration.faults.redirect = redirectRate }
        if absurdTokenLifetime { configuration.faults.absurdTokenLifetime = true }
        configuration.exitAfterMillis = try parseRange(exitAfterMs, name: "--exit-after-ms")
        configuration.membershipListsExited = membershipListsExited
        configuration.notRunningStatus = notRunningStatus
        configuration.lookOutageMillis = try parseOutage(lookOutage)
        if let range = try parseRange(historyLagMs, name: "--history-lag-ms") { configuration.historyLagMillis = range }
        if let historyFaultRate { configuration.faults.historyFault = historyFaultRate }
        configuration.historyForbidden = historyForbidden
        configuration.historyOmitsEpoch = historyNoEpoch
        configuration.statusOmitsCount = statusNoCount
        if let mode = entryMode.flatMap(EntryMode.init(rawValue:)) {
            for index in configuration.journeys.indices where configuration.journeys[index].eventDefinitionKey != nil {
                configuration.journeys[index].entryMode = mode
            }
        }
        if let alreadyIn {
            guard let text = try? String(contentsOfFile: alreadyIn, encoding: .utf8) else {
                throw CLIFailure.badInput("journeyq: \(alreadyIn): cannot read the file of contact keys (--already-in)")
            }
            configuration.priorMembers = Set(
                text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        return configuration
    }

    private func parseRange(_ text: String?, name: String) throws -> ClosedRange<Int64>? {
        guard let text else { return nil }
        let parts = text.split(separator: "-").map { Int64($0) }
        if parts.count == 1, let value = parts[0], value >= 0 { return value...value }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low >= 0, low <= high else {
            throw ValidationError("\(name) expects MIN-MAX in milliseconds, got '\(text)'")
        }
        return low...high
    }

    func run() async throws {
        let configuration = try simulatorConfiguration()
        let clock: any WallClock = try clockOffsetFile.map { try OffsetFileClock(path: $0) } ?? SystemClock()
        let state = SimulatorState(configuration: configuration, clock: clock)
        var logger = Logger(label: "journeyq.simulator")
        logger.logLevel = .warning
        let host = self.host
        let writeConfig = self.writeConfig
        let app = SimulatorServer.makeApplication(
            configuration: configuration, state: state, clock: clock, host: host, port: port, logger: logger
        ) {
            port in
            let base = "http://\(host):\(port)"
            if let writeConfig {
                do {
                    // 0600, written whole: the file holds the sandbox's credentials, and is the model for a production one.
                    let file = try PrivateFile(path: writeConfig)
                    let config = SandboxConfig(baseURL: base, configuration: configuration)
                    try file.write(Data((writeConfig.hasSuffix(".json") ? config.json : config.yaml).utf8))
                    try file.commit()
                } catch {
                    Terminal.error("journeyq: cannot write \(writeConfig): \(error.localizedDescription)")
                }
            }
            print(
                "journeyq simulator listening on \(base) "
                    + "(seed \(configuration.seed), faults \(configuration.faults == .none ? "off" : "on"))"
            )
            if let writeConfig { print("config written to \(writeConfig)") }
            fflush(nil)
        }
        try await ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}
