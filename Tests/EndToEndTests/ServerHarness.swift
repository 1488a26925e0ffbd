import AsyncHTTPClient
import Foundation
import JourneyQueue
import JourneyQueueSQLite
import JourneyRuntime
import JourneyServer
import JourneyWorker
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import Testing

/// `journeyq serve`'s HTTP side on a free loopback port over a real SQLite file, with one key of each role.
struct ServerHarness: Sendable {
    static let keys = [
        "ingest": "jq_ingest-key-for-tests", "read": "jq_read-key-for-tests", "operate": "jq_operate-key-for-tests",
        "ingest-b": "jq_ingest-b-key-for-tests", "ingest-c": "jq_ingest-c-key-for-tests",
    ]
    let base: String
    let store: SQLiteQueueStore
    let registry: PrometheusCollectorRegistry

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func send(
        _ method: HTTPMethod, _ path: String, key role: String? = nil, body: String? = nil, contentType: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let role { request.headers.add(name: "Authorization", value: "Bearer \(Self.keys[role] ?? role)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(
            status: Int(response.status.code), headers: response.headers, body: Data(bytes.readBytes(length: bytes.readableBytes) ?? []))
    }

    static func with(
        maxBodyBytes: Int = 1 << 20, metricsRequireKey: Bool = false, notify: [WebhookConfig] = [], idleTimeoutSeconds: Double = 60,
        destinations: Set<String>? = nil,
        configure: (inout HTTPConfig) -> Void = { _ in },
        _ body: @Sendable (ServerHarness) async throws -> Void
    ) async throws {
        let scratch = try Scratch()
        let store = try SQLiteQueueStore(path: scratch.path("queue.sqlite"))
        var config = HTTPConfig(
            host: "127.0.0.1", port: 0,
            apiKeys: keys.map {
                HTTPConfig.APIKey(
                    name: $0.key, role: HTTPConfig.Role(rawValue: String($0.key.prefix { $0 != "-" }))!,
                    sha256: APIKeyVerifier.digest(of: $0.value))
            },
            metricsRequireKey: metricsRequireKey, maxBodyBytes: maxBodyBytes)
        config.idleTimeoutSeconds = idleTimeoutSeconds
        configure(&config)
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test.server")
        logger.logLevel = .warning
        var dependencies = JourneyServerApp.Dependencies(
            store: store, config: config, logger: logger, registry: registry,
            metrics: JourneyMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        dependencies.notify = notify.map(\.endpoint)
        dependencies.destinations = destinations
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try JourneyServerApp.application(dependencies) { continuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            do {
                try await body(ServerHarness(base: "http://127.0.0.1:\(port)", store: store, registry: registry))
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        _ = scratch
    }
}
