import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import JourneyQueue
import JourneyRuntime
import Logging
import NIOCore
import NIOSSL
import Prometheus

/// What the API reads and writes: the queue and its reports.
public typealias ServerStore = QueueStore & ReportingStore & RedriveStore & EventOutbox & ErasureStore & AuditLog

/// Composition root of `journeyq serve`'s HTTP side: the API, health checks, metrics, the OpenAPI document and the
/// dashboard, over one store. Tests build exactly this.
public enum JourneyServerApp {
    /// Everything the routes need.
    public struct Dependencies: Sendable {
        public var store: any ServerStore
        public var config: HTTPConfig
        public var clock: any WallClock
        public var logger: Logger
        /// The registry `/metrics` renders, and the metrics its gauges are refreshed through.
        public var registry: PrometheusCollectorRegistry
        public var metrics: JourneyMetrics
        /// The workers' view of each destination's health (empty with `--no-workers`).
        public var health: @Sendable () async -> [DestinationHealth]
        /// Whether a destination of this kind can be asked who entered (a redrive then looks before it re-sends).
        public var lookable: @Sendable (_ kind: String?) -> Bool
        /// Each configured destination's send window: an ingest counts the records without a known zone.
        public var sendWindows: [String: SendWindow] = [:]
        /// The configured webhook endpoints: their filters count what waits for each, their URLs' origins are shown.
        public var notify: [WebhookEndpoint] = []
        /// The destinations the running config names: an ingest for any other is refused (404), so that a typo makes no
        /// destination that no worker delivers. Nil: any name (a server without workers' config, tests).
        public var destinations: Set<String>?

        public init(
            store: any ServerStore, config: HTTPConfig, clock: any WallClock = SystemClock(), logger: Logger,
            registry: PrometheusCollectorRegistry, metrics: JourneyMetrics,
            lookable: @escaping @Sendable (_ kind: String?) -> Bool = { _ in true },
            health: @escaping @Sendable () async -> [DestinationHealth] = { [] }
        ) {
            self.lookable = lookable
            self.store = store
            self.config = config
            self.clock = clock
            self.logger = logger
            self.registry = registry
            self.metrics = metrics
            self.health = health
        }
    }

    /// The router with every route.
    public static func router(_ dependencies: Dependencies) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: APITracingMiddleware())
        router.add(middleware: APIMiddleware(verifier: APIKeyVerifier(keys: dependencies.config.apiKeys), logger: dependencies.logger))
        let gate = IngestGate(
            total: dependencies.config.maxIngests, perKey: dependencies.config.maxIngestsPerKey, registry: dependencies.registry)
        IngestRoutes.register(on: router, dependencies, gate: gate)
        QueueRoutes.register(on: router, dependencies)
        OperateRoutes.register(on: router, dependencies)
        PrivacyRoutes.register(on: router, dependencies)
        EventRoutes.register(on: router, dependencies)
        HealthRoutes.register(on: router, dependencies)
        DashboardRoutes.register(on: router)
        return router
    }

    /// The application: plain HTTP on loopback, TLS when configured. `onRunning` receives the bound port.
    public static func application(_ dependencies: Dependencies, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> some ApplicationProtocol
    {
        let config = dependencies.config
        let connections = ConnectionRegistry(
            limit: DescriptorLimit.connections(wanted: config.maxConnections), registry: dependencies.registry)
        if connections.limit < config.maxConnections {
            dependencies.logger.warning(
                "http.maxConnections lowered to fit the descriptor limit",
                metadata: [
                    "maxConnections": "\(config.maxConnections)", "limit": "\(connections.limit)",
                    "descriptors": "\(DescriptorLimit.current())",
                ])
        }
        let idle = TimeAmount.milliseconds(Int64(config.idleTimeoutSeconds * 1000))
        let header = TimeAmount.milliseconds(Int64(config.headerTimeoutSeconds * 1000))
        let handshake = config.tls == nil ? nil : TimeAmount.milliseconds(Int64(config.handshakeTimeoutSeconds * 1000))
        let http1: HTTPServerBuilder = .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ConnectionGuardHandler(registry: connections, headerTimeout: header, idleTimeout: idle, handshakeTimeout: handshake)
                ],
                idleTimeout: idle))
        var server = http1
        if let tls = config.tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
            var tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            // TLS 1.0 and 1.1 are deprecated (RFC 8996); a client that offers nothing newer is refused at the handshake.
            tlsConfiguration.minimumTLSVersion = .tlsv12
            server = try .tls(http1, tlsConfiguration: tlsConfiguration)
        }
        return Application(
            router: router(dependencies), server: server,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "journeyq"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? config.port) },
            logger: dependencies.logger)
    }
}
