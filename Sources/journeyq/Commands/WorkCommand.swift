import ArgumentParser
import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyQueuePostgres
import JourneyQueueSQLite
import JourneyWorker
import Logging

/// `journeyq work`: the daemon.
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Deliver queued contacts to the configured destinations (the daemon). SIGTERM drains; a second signal stops at once."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "Drills only: this host's clock is taken as off by the milliseconds in this file, read again every second.",
            valueName: "file", visibility: .hidden))
    var clockOffsetFile: String?
    @OptionGroup var configOptions: ConfigOptions

    @Flag(help: "Exit 0 once every contact of the configured destinations is confirmed, unverifiable or dead.")
    var untilDrained = false

    @Option(help: "Requests in flight per destination (overrides the config).")
    var concurrency: Int?

    @Option(help: "Seconds in-flight requests get to finish after SIGTERM.")
    var graceSeconds: Double = 30

    @Option(
        help: ArgumentHelp(
            "When the daemon stops, write SQLite's time per statement to this file (tab-separated, most time first): "
                + "where the database time went. SQLite only.",
            valueName: "file"))
    var sqlProfile: String?

    @OptionGroup var logging: LogOptions

    @Option(
        help: ArgumentHelp(
            "Seconds between progress lines at info (one per destination whose counts moved); a line per batch is at debug.",
            valueName: "seconds"))
    var summarySeconds: Double = 10

    func validate() throws {
        if let concurrency, !(1...256).contains(concurrency) { throw ValidationError("--concurrency must be 1 to 256") }
        if !(0.1...86_400).contains(summarySeconds) { throw ValidationError("--summary-seconds must be 0.1 to 86400") }
        if sqlProfile != nil, PostgresLocation.isURL(database.location) {
            throw ValidationError("--sql-profile reads SQLite's statement trace; on PostgreSQL use pg_stat_statements")
        }
    }

    func run() async throws {
        let whole = try configOptions.loadAll()
        let configs = whole.destinations
        let logger = logging.bootstrap()
        for warning in FileExposure.warnings(configPath: configOptions.config, config: whole, database: database.location) {
            logger.warning("\(warning)")
        }
        // Opened first: a file that cannot be written fails the command before any work, not after it.
        let profileFile = try sqlProfile.map { try PrivateFile(path: $0) }
        let profile = profileFile.map { _ in StatementProfile() }
        let daemonClock = try DaemonClock(database: database, logger: logger, offsetFile: clockOffsetFile)
        let clock = daemonClock.clock
        try await database.withStore(clock: clock, profile: profile) { store in
            defer {
                if let profileFile, let profile {
                    do {
                        try profileFile.write(Data(profile.table().utf8))
                        try profileFile.commit()
                    } catch {
                        logger.error("cannot write the SQL profile", metadata: ["file": "\(profileFile.path)", "error": "\(error)"])
                    }
                }
            }
            let tracing = try TracingBootstrap.start(whole.tracing, logger: logger)
            let clockServices = try await daemonClock.start(store, logger: logger)
            let client = HTTPCaller.makeClient()
            let progress = untilDrained && Terminal.stderrIsTerminal ? DrainProgress(store: store, destinations: configs.map(\.name)) : nil
            do {
                let daemon = try await WorkerDaemon(
                    configs: configs, store: store, caller: HTTPCaller(client: client, clock: clock), clock: clock,
                    logger: logger, concurrency: concurrency, drain: untilDrained ? .settled : nil,
                    checkpoint: { try await store.checkpoint() },
                    onProgress: { await progress?.tick() }, retention: (whole.retention, store),
                    notify: (whole.notify, store),
                    // The live block says it all on a terminal; elsewhere a line per destination every few seconds.
                    summaryEveryMillis: progress == nil ? Int64(summarySeconds * 1000) : nil)
                do {
                    try await DaemonRunner.run(
                        services: (tracing.map { [$0] } ?? []) + clockServices + daemon.services, logger: logger,
                        graceSeconds: graceSeconds,
                        readyStatus: "working: \(configs.count) destination(s)", probe: { try await store.probeWritable() })
                } catch let gaveUp as DrainGaveUp {
                    await progress?.finish()
                    throw CLIFailure.runtime("journeyq: --until-drained gave up: \(gaveUp)")
                }
                await progress?.finish()
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }
}
