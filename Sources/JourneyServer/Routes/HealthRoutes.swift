import Foundation
import Hummingbird
import JourneyQueue
import JourneyRuntime

/// `/healthz`, `/readyz`, `/metrics` and `/openapi.json`.
enum HealthRoutes {
    struct WhoAmI: Codable {
        var name: String
        var role: String
    }

    struct Status: Codable {
        var status: String
        var problems: [String]?
    }

    static func register(on router: Router<APIContext>, _ dependencies: JourneyServerApp.Dependencies) {
        let store = dependencies.store
        router.get("/healthz") { _, _ in try JSONResponse.make(Status(status: "ok")) }

        // Who the key belongs to: the dashboard shows actions only to keys that may take them.
        router.get("/v1/whoami") { _, context -> Response in
            guard let role = context.role else {
                throw Problem(status: .unauthorized, title: "An API key is needed", detail: "Send Authorization: Bearer KEY.")
            }
            return try JSONResponse.make(WhoAmI(name: context.keyName ?? "", role: role.rawValue))
        }

        router.get("/readyz") { _, _ -> Response in
            var problems: [String] = []
            do { try await store.probeWritable() } catch {
                problems.append("the database does not take writes")
            }
            for health in await dependencies.health() where health.circuitCause == .authentication {
                problems.append("\(health.destination): no token can be had")
            }
            guard problems.isEmpty else {
                return try JSONResponse.make(Status(status: "not ready", problems: problems), status: .serviceUnavailable)
            }
            return try JSONResponse.make(Status(status: "ready"))
        }

        router.get("/metrics") { _, context -> Response in
            if dependencies.config.metricsRequireKey { try context.require(.read) }
            let counts = try await store.counts()
            dependencies.metrics.refresh(counts, now: dependencies.clock.nowMillis())
            if let bytes = try await store.storageBytes() { dependencies.metrics.fileSizes(database: bytes.database, wal: bytes.wal) }
            if !dependencies.notify.isEmpty {
                let filters = Dictionary(dependencies.notify.map { ($0.name, $0.filter) }, uniquingKeysWith: { first, _ in first })
                dependencies.metrics.webhooks(try await store.webhookStates(filters: filters), now: dependencies.clock.nowMillis())
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: dependencies.registry.emitToBuffer())))
        }

        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
