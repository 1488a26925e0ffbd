import AsyncHTTPClient
import Foundation
import JourneyQueue
import JourneySimulator
import NIOCore
import NIOHTTP1

/// A tiny HTTP client for contract tests: real requests over loopback.
struct SimClient: Sendable {
    let base: String

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func send(
        _ method: HTTPMethod, _ path: String, json: Any? = nil, text: String? = nil, contentType: String? = nil,
        bearer: String? = nil, headers: [String: String] = [:], timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
        request.method = method
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
            request.headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
        } else if let text {
            request.body = .bytes(ByteBuffer(string: text))
            request.headers.add(name: "Content-Type", value: contentType ?? "text/plain; charset=utf-8")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        var body = try await response.body.collect(upTo: 64 << 20)
        return Answer(
            status: Int(response.status.code), headers: response.headers, body: Data(body.readBytes(length: body.readableBytes) ?? []))
    }

    func token() async throws -> String {
        let answer = try await send(
            .POST, "/v2/token",
            json: ["grant_type": "client_credentials", "client_id": "sim-client-id", "client_secret": "sim-client-secret"])
        return answer.object["access_token"] as! String
    }

    func legacyToken() async throws -> String {
        let answer = try await send(
            .POST, "/v1/requestToken", json: ["clientId": "sim-legacy-client-id", "clientSecret": "sim-legacy-client-secret"])
        return answer.object["accessToken"] as! String
    }

    func truth(_ destination: String) async throws -> [String: Int] {
        let journeys = try await send(.GET, "/_sim/journeys").object["journeys"] as! [[String: Any]]
        return journeys.first { $0["destination"] as? String == destination }?["entries"] as? [String: Int] ?? [:]
    }

    func stats() async throws -> [String: Any] { try await send(.GET, "/_sim/stats").object }
}

/// Runs `body` against a sandbox on a free port with a manual clock.
func withSandbox<T: Sendable>(
    _ configure: (inout SimulatorConfiguration) -> Void = { _ in },
    _ body: @Sendable (SimClient, ManualClock) async throws -> T
) async throws -> T {
    var configuration = SimulatorConfiguration()
    configure(&configuration)
    let clock = ManualClock()
    return try await SimulatorServer.withRunning(configuration: configuration, clock: clock) { base, _ in
        try await body(SimClient(base: base), clock)
    }
}
