import AsyncHTTPClient
import Foundation
import JourneyQueue
import NIOCore
import NIOHTTP1

/// A remote's answer as the destinations classify it.
public struct HTTPAnswer: Sendable {
    public var status: Int
    /// Lower-cased header names.
    public var headers: [String: String]
    public var body: [UInt8]
    public var latencyMillis: Int64

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The headers worth keeping in the ledger (throttling and request ids), never credentials.
    public var recordedHeaders: [String: String] {
        headers.filter { name, _ in
            name == "retry-after" || name.contains("request-id") || name.contains("requestid") || name == "x-correlation-id" || name == "sforce-locator"
        }
    }
}

/// A request that got no answer, and whether it could have reached the remote.
public struct TransportFailure: Error, Sendable {
    public enum Kind: String, Sendable {
        /// The connection was never made: the remote cannot have seen the request.
        case notSent = "connect"
        /// No answer in time after the request may have left.
        case timeout = "timeout"
        /// The connection broke after the request may have left.
        case connectionLost = "connection_lost"
    }

    public var kind: Kind
    public var message: String
    public var latencyMillis: Int64
}

/// Sends requests through one shared AsyncHTTPClient, with a deadline and a bounded body.
public struct HTTPCaller: Sendable {
    let client: HTTPClient
    let clock: any Clock
    /// Largest answer body kept, in bytes.
    public var maxBodyBytes = 64 << 20

    /// Sends through `client`; latencies are measured on `clock`.
    public init(client: HTTPClient, clock: any Clock) {
        self.client = client
        self.clock = clock
    }

    /// Plain HTTP only to loopback (the sandbox); everything else must be HTTPS.
    public static func checkScheme(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host else {
            return "'\(url)' is not an absolute URL"
        }
        if scheme == "https" { return nil }
        if scheme == "http", ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.") { return nil }
        return "'\(url)' must use https (plain http is accepted only for loopback addresses)"
    }

    /// One request with a deadline; a non-2xx status is an answer, not an error: the caller classifies it.
    public func send(method: String, url: String, headers: [(String, String)], body: [UInt8]?, timeoutMillis: Int64) async throws(TransportFailure) -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let started = clock.nowMillis()
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeoutMillis))
            var buffer = try await response.body.collect(upTo: maxBodyBytes)
            var fields: [String: String] = [:]
            for header in response.headers { fields[header.name.lowercased()] = header.value }
            return HTTPAnswer(status: Int(response.status.code), headers: fields, body: buffer.readBytes(length: buffer.readableBytes) ?? [],
                              latencyMillis: clock.nowMillis() - started)
        } catch {
            throw TransportFailure(kind: Self.classify(error), message: Self.describe(error), latencyMillis: clock.nowMillis() - started)
        }
    }

    /// Only a failure to connect proves the request never left.
    static func classify(_ error: any Error) -> TransportFailure.Kind {
        if let client = error as? HTTPClientError {
            if client == .connectTimeout { return .notSent }
            if client == .deadlineExceeded || client == .readTimeout { return .timeout }
        }
        let text = String(describing: error).lowercased()
        if text.contains("connection refused") || text.contains("econnrefused") || text.contains("connect timeout")
            || text.contains("connectionrefused") || text.contains("no route to host") || text.contains("name resolution") {
            return .notSent
        }
        if text.contains("timeout") || text.contains("deadline") { return .timeout }
        return .connectionLost
    }

    static func describe(_ error: any Error) -> String {
        String(String(describing: error).prefix(300))
    }
}
