import ArgumentParser
import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyQueueSQLite
import JourneyRuntime
import JourneyServer
import JourneySimulator
import JourneyWorker
import Logging
import Prometheus

/// `journeyq demo`: the whole pipeline on the built-in sandbox.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole pipeline on the sandbox: simulator with faults, enqueue a generated sample, work until drained, report.",
        discussion: "Everything runs in this process on loopback; the database and the HTML report are kept for a look afterwards."
    )

    @Option(help: "Contacts in the generated sample (enqueued for every destination).")
    var contacts: Int = 1_000

    @Option(help: "Destinations to deliver to (comma-separated kinds); default every kind.")
    var destinations: String = DestinationKind.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Sandbox faults: none or realistic.")
    var faults: SimulateCommand.FaultMix = .realistic

    @Option(help: "Seed of the sandbox's random decisions.")
    var seed: UInt64 = 42

    @Option(help: "Database file for the demo (default: a new file in a temporary directory).")
    var db: String?

    @Flag(help: "Afterwards, keep the dashboard up on the demo's database (until Ctrl-C), and print its address and a key to paste.")
    var serve = false

    @Option(help: "With --serve: where the dashboard listens (loopback).")
    var listen = "127.0.0.1:8080"

    func validate() throws {
        guard (1...1_000_000).contains(contacts) else { throw ValidationError("--contacts must be 1 to 1,000,000") }
        guard let listen = HTTPConfig.parseListen(listen), HTTPConfig.isLoopback(listen.host) else {
            throw ValidationError("--listen must be a loopback HOST:PORT, such as 127.0.0.1:8080")
        }
        for kind in destinations.split(separator: ",") where DestinationKind(rawValue: String(kind)) == nil {
            throw ValidationError(
                "--destinations: unknown kind '\(kind)'; kinds are \(DestinationKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journeyq-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var sandbox = SimulatorConfiguration()
        sandbox.seed = seed
        if faults == .realistic {
            sandbox.faults = .realistic
            sandbox.faults.holdSeconds = 3
        }
        let configuration = sandbox
        var options = DatabaseOptions()
        options.db = db ?? directory.appendingPathComponent("demo.sqlite").path
        let database = options
        try await database.withStore { store in
            let sample = directory.appendingPathComponent("sample.ndjson").path
            try SampleContacts.write(count: contacts, to: sample)
            let tally = LogTally()
            LoggingSystem.bootstrap { label in
                var errors = LineLogHandler(label: label, json: false)
                errors.logLevel = .error
                return TallyingLogHandler(tally: tally, passThrough: errors, logLevel: .warning)
            }
            let logger = Logger(label: "journeyq")
            let contacts = self.contacts
            let kinds = Set(destinations.split(separator: ",").map(String.init))
            let html = directory.appendingPathComponent("report.html").path
            let summary = try await SimulatorServer.withRunning(configuration: configuration) { base, state in
                print(
                    "sandbox listening on \(base) (faults \(configuration.faults == .none ? "off" : "realistic"), "
                        + "seed \(configuration.seed))"
                )
                let configPath = directory.appendingPathComponent("sandbox.yaml").path
                let yaml = SandboxConfigWriter.yaml(
                    baseURL: base, configuration: configuration,
                    timing: SandboxTiming(timeoutSeconds: 1, throttlePauseSeconds: 1, bulkPollSeconds: 0.2, bulkSettleSeconds: 1))
                let file = try PrivateFile(path: configPath)
                try file.write(Data(yaml.utf8))
                try file.commit()
                let configs = try ConfigLoader(file: configPath).load().filter { kinds.contains($0.kind.rawValue) }
                for config in configs {
                    let enqueued = try await Enqueuer(store: store).run(
                        destination: config.name, reader: RecordReader(path: sample, format: .ndjson))
                    print("enqueued \(enqueued.enqueued) generated contacts for \(config.name)")
                }
                print("delivering and reconciling (config: \(configPath))…")
                let client = HTTPCaller.makeClient()
                let progress = Terminal.stderrIsTerminal ? DrainProgress(store: store, destinations: configs.map(\.name)) : nil
                do {
                    let daemon = try await WorkerDaemon(
                        configs: configs, store: store, caller: HTTPCaller(client: client, clock: SystemClock()),
                        clock: SystemClock(), logger: logger, drain: .settled, onProgress: { await progress?.tick() })
                    try await DaemonRunner.run(services: daemon.services, logger: logger, graceSeconds: 10, systemd: nil)
                    await progress?.finish()
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
                let truth = await state.truth()
                let stats = await state.statistics()
                let entered = Dictionary(
                    truth.map { ($0.destination, $0.entries) }, uniquingKeysWith: { $0.merging($1, uniquingKeysWith: +) })
                return (entered, stats.faults.values.reduce(0, +), stats.silentlyDropped)
            }
            let reports = try await store.reports(destination: nil, since: nil)
            let now = SystemClock().nowMillis()
            try Data(HTMLReport.render(reports, generatedAt: now).utf8).write(to: URL(fileURLWithPath: html))
            print("")
            print(ReportRenderer.text(reports, remoteIDsLabel: DestinationKind.remoteIDsLabel), terminator: "")
            print("")
            let met = tally.lines()
            if !met.isEmpty {
                print("on the way journeyq met, and handled (each is a warning line in `journeyq work`'s log):")
                for line in met { print(line) }
                print("")
            }
            print(
                "the sandbox injected \(summary.1) faults and silently dropped \(summary.2) accepted contacts; "
                    + "what it counts, beside journeyq:"
            )
            for report in reports {
                let entries = summary.0[report.name] ?? [:]
                let twice = entries.values.filter { $0 > 1 }.count
                let verdict =
                    report.kind.flatMap(DestinationKind.init(rawValue:))?.definition.verifiable == false
                    ? "\(report.funnel.unverifiable) unverifiable (Symplify offers no way to look)"
                    : "\(report.funnel.confirmed) confirmed"
                        + "\(report.funnel.confirmed == entries.count ? ", the same count" : ", NOT the same count")"
                print(
                    "  \(report.name.padding(toLength: 24, withPad: " ", startingAt: 0)) entered \(entries.count) of \(contacts), "
                        + "\(twice) twice; journeyq: \(verdict), \(report.funnel.dead) dead"
                )
            }
            print("")
            print("database:    \(database.printable)")
            print("html report: \(html)")
            print("try:         journeyq report --db \(database.printable) --format json | head -40")
            if serve { try await serveDashboard(store: store, logger: logger) }
        }
    }

    /// The dashboard on the demo's database, with a fresh operate key, until SIGINT or SIGTERM.
    private func serveDashboard(store: any JourneyStore, logger: Logger) async throws {
        let key = APIKeyVerifier.newKey()
        let (host, port) = HTTPConfig.parseListen(listen)!
        let http = HTTPConfig(
            host: host, port: port, apiKeys: [HTTPConfig.APIKey(name: "demo", role: .operate, sha256: APIKeyVerifier.digest(of: key))])
        let registry = PrometheusCollectorRegistry()
        let dependencies = JourneyServerApp.Dependencies(
            store: store, config: http, logger: logger, registry: registry,
            metrics: JourneyMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        let app = try JourneyServerApp.application(dependencies) { bound in
            print("")
            print("dashboard:   http://\(host):\(bound)/   (Ctrl-C stops it)")
            print("key:         \(key)   (role operate; paste it into the page)")
            fflush(nil)
        }
        try await DaemonRunner.run(services: [.init(service: app)], logger: logger, graceSeconds: 5, systemd: nil)
    }
}
