import ArgumentParser
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyRuntime
import JourneyServer
import JourneyWorker
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `journeyq serve`: the workers and the HTTP API (ingest, read, operate), health checks, Prometheus metrics and the
/// dashboard, in one process and one ServiceGroup. SIGTERM drains as `work` does.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the workers and the HTTP API, metrics, health checks and dashboard in one process. SIGTERM drains.",
        discussion: """
            The config's http: section names where to listen (listen: 127.0.0.1:8080), the API keys (apiKeys: a list of
            {name, role, sha256}; journeyq apikey makes one) and optionally tls: {certificateFile, privateKeyFile}. Plain HTTP is
            accepted only on loopback. GET /healthz, /readyz, /metrics and /openapi.json need no key.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "Drills only: this host's clock is taken as off by the milliseconds in this file, read again every second.",
            valueName: "file", visibility: .hidden))
    var clockOffsetFile: String?
    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var logging: LogOptions

    @Option(help: "Where to listen, HOST:PORT (overrides http.listen).")
    var listen: String?

    @Flag(help: "Serve HTTP only; run no workers.")
    var noWorkers = false

    @Option(help: "Seconds in-flight requests get to finish after SIGTERM.")
    var graceSeconds: Double = 30

    func run() async throws {
        let config = try configOptions.loadAll()
        var http = config.http ?? HTTPConfig()
        if let listen {
            guard let parsed = HTTPConfig.parseListen(listen) else {
                throw CLIFailure.badInput("journeyq: --listen: expected HOST:PORT, such as 127.0.0.1:8080")
            }
            (http.host, http.port) = parsed
        }
        if http.tls == nil && !HTTPConfig.isLoopback(http.host) {
            throw CLIFailure.badInput(
                "journeyq: \(configOptions.config): http: plain HTTP is served only on loopback; "
                    + "configure http.tls to listen on \(http.host)"
            )
        }
        let logger = logging.bootstrap()
        for warning in FileExposure.warnings(configPath: configOptions.config, config: config, database: database.location) {
            logger.warning("\(warning)")
        }
        if http.apiKeys.isEmpty {
            logger.warning(
                "no API keys configured: only /healthz, /readyz, /metrics and /openapi.json answer; make one with journeyq apikey")
        }
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        let metrics = JourneyMetrics(factory: factory)
        metrics.prepare(destinations: config.destinations.map(\.name), webhooks: config.notify.map(\.name))
        let daemonClock = try DaemonClock(database: database, logger: logger, offsetFile: clockOffsetFile)
        let clock = daemonClock.clock
        try await database.withStore(clock: clock) { store in
            let tracing = try TracingBootstrap.start(config.tracing, logger: logger)
            let client = HTTPCaller.makeClient()
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = tracing.map { [$0] } ?? []
            services += try await daemonClock.start(store, logger: logger)
            var gates: [DestinationGate] = []
            if !noWorkers {
                let daemon = try await WorkerDaemon(
                    configs: config.destinations, store: store, caller: HTTPCaller(client: client, clock: clock), clock: clock,
                    logger: logger, checkpoint: { try await store.checkpoint() }, metrics: metrics,
                    retention: (config.retention, store), notify: (config.notify, store), summaryEveryMillis: 10_000)
                services += daemon.services
                gates = daemon.gates
            }
            var dependencies = JourneyServerApp.Dependencies(
                store: store, config: http, clock: clock, logger: logger, registry: registry, metrics: metrics,
                lookable: { DestinationKind.lookable($0) }
            ) { [gates] in
                var all: [DestinationHealth] = []
                for gate in gates { all.append(await gate.health()) }
                return all
            }
            dependencies.sendWindows = Dictionary(
                config.destinations.compactMap { destination in destination.limits.sendWindow.map { (destination.name, $0) } },
                uniquingKeysWith: { first, _ in first })
            dependencies.notify = config.notify.map(\.endpoint)
            dependencies.destinations = Set(config.destinations.map(\.name))
            // Connections need descriptors: the soft limit goes up to the hard one, and the cap is fitted to what it allows.
            DescriptorLimit.raise()
            let scheme = http.tls == nil ? "http" : "https"
            let host = http.host.contains(":") ? "[\(http.host)]" : http.host
            let suffix = noWorkers ? " (no workers)" : ""
            let app: any Service
            let systemd = SystemdNotifier.fromEnvironment()
            do {
                app = try JourneyServerApp.application(dependencies) { port in
                    print("journeyq serving on \(scheme)://\(host):\(port)\(suffix)")
                    fflush(nil)
                    // Ready only now: the store is open and the listener bound, so a unit ordered after this one finds it answering.
                    systemd?.ready(status: "serving on \(scheme)://\(host):\(port)\(suffix)")
                }
            } catch {
                throw CLIFailure.badInput("journeyq: \(configOptions.config): http.tls: cannot load the certificate or key (\(error))")
            }
            services.append(.init(service: app))
            do {
                try await DaemonRunner.run(
                    services: services, logger: logger, graceSeconds: graceSeconds, systemd: systemd,
                    probe: { try await store.probeWritable() })
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }
}

/// `journeyq apikey`: a new random key, printed once, with the config entry that holds only its SHA-256.
struct APIKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey",
        abstract:
            "Make a new API key: prints it once, and the http.apiKeys entry (its SHA-256) to put in the config. The key is stored nowhere."
    )

    @Option(help: "A name for the key (who or what uses it).")
    var name: String

    @Option(help: "ingest (enqueue only), read (counts, timelines, dead letters, metrics) or operate (read, and pause, resume, redrive).")
    var role: String

    func validate() throws {
        guard HTTPConfig.Role(rawValue: role) != nil else { throw ValidationError("--role must be ingest, read or operate") }
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("--name must be letters, digits, '-', '_' or '.'")
        }
    }

    func run() throws {
        let key = APIKeyVerifier.newKey()
        print(
            """
            key (shown once; give it to its user and keep it nowhere else):
              \(key)

            add to the config under http.apiKeys:
                - name: \(name)
                  role: \(role)
                  sha256: \(APIKeyVerifier.digest(of: key))
            """)
    }
}
