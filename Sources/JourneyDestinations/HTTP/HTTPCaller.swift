import AsyncHTTPClient
import Foundation
import HTTPTypes
import JourneyQueue
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Tracing

/// A remote's answer as the destinations classify it.
public struct HTTPAnswer: Sendable {
    public var status: Int
    /// Lower-cased header names.
    public var headers: [String: String]
    public var body: [UInt8]
    public var latencyMillis: Int64

    public init(status: Int, headers: [String: String], body: [UInt8], latencyMillis: Int64) {
        self.status = status
        self.headers = headers
        self.body = body
        self.latencyMillis = latencyMillis
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The headers worth keeping in the ledger (throttling, request ids, redirects), never credentials.
    public var recordedHeaders: [String: String] {
        headers.filter { name, _ in
            name == "retry-after" || name.contains("request-id") || name.contains("requestid") || name == "x-correlation-id"
                || name == "sforce-locator" || name == "location"
        }.reduce(into: [:]) { kept, header in
            // A redirect's target may carry a grant in its path or query: only its origin is kept.
            kept[header.key] = header.key == "location" ? RedactedURL.origin(header.value) : String(header.value.prefix(512))
        }
    }
}

/// A request that got no answer, and whether it could have reached the remote.
public struct TransportFailure: Error, Sendable {
    public enum Kind: String, Sendable {
        /// The request never left: no connection (refused, unreachable, DNS, TLS handshake), or none in time.
        case notSent = "connect"
        /// No answer in time after the request may have left.
        case timeout = "timeout"
        /// The connection broke after the request may have left.
        case connectionLost = "connection_lost"
    }

    public var kind: Kind
    public var message: String
    public var latencyMillis: Int64

    public init(kind: Kind, message: String, latencyMillis: Int64) {
        self.kind = kind
        self.message = message
        self.latencyMillis = latencyMillis
    }
}

/// Sends requests through one shared AsyncHTTPClient, with a deadline, a bounded body and the destination's gate.
public struct HTTPCaller: Sendable {
    let client: HTTPClient
    let clock: any WallClock
    /// Paces requests and learns the destination's health from their answers.
    public var gate: any RequestGate = OpenGate()
    /// Largest answer body kept, in bytes.
    public var maxBodyBytes = 64 << 20
    /// Told of every request: its purpose, status (nil without an answer) and latency (metrics).
    public var observe: (@Sendable (AttemptPurpose, Int?, Int64) -> Void)?
    /// The remote's clock as its answers' `Date` headers tell it (one per destination: `gated(by:)` gives a new one).
    public var remoteClock = RemoteClock()

    /// Sends through `client`; latencies are measured on `clock`.
    /// The process's client, for requests that are not a destination's (webhooks).
    public var httpClient: HTTPClient { client }

    public init(client: HTTPClient, clock: any WallClock) {
        self.client = client
        self.clock = clock
    }

    /// The same caller, pacing every request through `gate`.
    public func gated(by gate: any RequestGate) -> HTTPCaller {
        var copy = self
        copy.gate = gate
        copy.remoteClock = RemoteClock()
        return copy
    }

    /// The one HTTP client of a journeyq process. It follows no redirect: a 3xx is an answer (a redirect would carry a
    /// client secret or a vendor token to whatever `Location` names).
    /// Connections a client keeps to one host: above what any config can have in flight (256 per destination and purpose).
    public static let connectionsPerHost = 1_024

    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        // A refused connection is an answer journeyq acts on at once (its circuit, no attempt spent), rather than
        // something to retry quietly until the request's deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        // Each destination's `concurrency` governs how many requests are in flight (submissions and looks alike). The
        // pool's default, 8 connections a host, capped them all together below that: with 8 submitters and 8
        // reconcilers on one host, half the requests queued for a connection, their deadlines running, after their
        // write-ahead records. A connection is opened only for a request in flight, so the loops bound the count.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.connectionsPerHost
        // journeyq makes its own client spans (`clientSpan`): the client's would carry the full URL, and a URL may hold a
        // contact key; nor does a vendor get our trace context in its headers.
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Plain HTTP only to loopback (the sandbox); everything else must be HTTPS.
    public static func checkScheme(_ url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host else {
            return "an absolute URL (https://host/…)"
        }
        if scheme == "https" { return nil }
        if scheme == "http", ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.") { return nil }
        return "'\(RedactedURL.origin(url))' must use https (plain http is accepted only for loopback addresses)"
    }

    /// Waits at the gate until one request of this purpose may go. A caller that writes a record ahead of its request
    /// admits it first, so that the record's time is when the request really left (not when it began to wait).
    public func admit(_ purpose: AttemptPurpose) async throws(TransportFailure) {
        do { try await gate.enter(purpose: purpose) } catch {
            throw TransportFailure(kind: .notSent, message: "not sent: shutting down", latencyMillis: 0)
        }
    }

    /// Writes a request's write-ahead record between `admit` and `send`: if the record fails (the lease is lost, the
    /// store is unwell), the request will not leave, and its place among the requests in flight is given back; without
    /// that, the destination would run one request short for the rest of the run.
    public func writingAhead<T>(_ purpose: AttemptPurpose, _ record: () async throws -> T) async throws -> T {
        do {
            return try await record()
        } catch {
            await gate.leave(purpose: purpose)
            throw error
        }
    }

    /// One request with a deadline, after the gate lets it go (unless the caller `admit`ted it already); a non-2xx status is an answer, not
    /// an error: the caller classifies it. What the answer says about the destination's health goes back to the gate.
    public func send(
        method: HTTPRequest.Method, url: String, headers: HTTPFields, body: [UInt8]?, timeoutMillis: Int64,
        purpose: AttemptPurpose = .submit, admitted: Bool = false
    ) async throws(TransportFailure) -> HTTPAnswer {
        if !admitted { try await admit(purpose) }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let span = Self.clientSpan(method: method, url: url, purpose: purpose, bodyBytes: body?.count)
        defer { span.end() }
        let started = clock.nowMillis()
        let client = self.client, maxBodyBytes = self.maxBodyBytes, clock = self.clock
        do {
            let answer = try await Self.within(timeoutMillis) { [request] in
                let response = try await client.execute(request, timeout: .milliseconds(timeoutMillis))
                var buffer = try await response.body.collect(upTo: maxBodyBytes)
                var fields: [String: String] = [:]
                for header in response.headers { fields[header.name.lowercased()] = header.value }
                return HTTPAnswer(
                    status: Int(response.status.code), headers: fields, body: buffer.readBytes(length: buffer.readableBytes) ?? [],
                    latencyMillis: clock.nowMillis() - started)
            }
            remoteClock.record(dateHeader: answer.headers["date"], sentAt: started, answeredAt: started + answer.latencyMillis)
            Self.record(answer.status, on: span)
            await gate.report(AnswerSignals.signal(for: answer, now: clock.nowMillis()), purpose: purpose)
            observe?(purpose, answer.status, answer.latencyMillis)
            return answer
        } catch {
            let failure = TransportFailure(
                kind: Self.classify(error), message: Self.describe(error), latencyMillis: clock.nowMillis() - started)
            Self.record(failure, on: span)
            await gate.report(AnswerSignals.signal(for: failure), purpose: purpose)
            observe?(purpose, nil, failure.latencyMillis)
            throw failure
        }
    }

    /// Like `send`, but a 2xx body streams into `file` (at most `maxBytes`) instead of memory: result files of any
    /// size. The answer's `body` holds an error answer's first 64 KiB, and nothing for a 2xx. Returns the bytes written.
    /// `idleMillis` bounds the wait for the answer's head and for each part of its body, within the whole deadline: a
    /// connection that went quiet (a link cut mid-answer) ends then, not at a deadline sized for a large file.
    public func download(
        method: HTTPRequest.Method, url: String, headers: HTTPFields, body: [UInt8]? = nil, timeoutMillis: Int64,
        idleMillis: Int64? = nil, purpose: AttemptPurpose, into file: FileHandle, maxBytes: Int,
        admitted: Bool = false
    ) async throws(TransportFailure) -> (answer: HTTPAnswer, bytes: Int) {
        if !admitted { try await admit(purpose) }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        // A download may be a POST whose body is the filter (the journey history's): without it the remote answers its default.
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let span = Self.clientSpan(method: method, url: url, purpose: purpose, bodyBytes: body?.count)
        defer { span.end() }
        let started = clock.nowMillis()
        let client = self.client
        let progress = TransferProgress()
        do {
            var (answer, written) = try await Self.within(timeoutMillis, idle: idleMillis.map { ($0, progress) }) {
                [request] () async throws -> (HTTPAnswer, Int) in
                let response = try await client.execute(request, timeout: .milliseconds(timeoutMillis))
                progress.touch()
                var fields: [String: String] = [:]
                for header in response.headers { fields[header.name.lowercased()] = header.value }
                var answer = HTTPAnswer(status: Int(response.status.code), headers: fields, body: [], latencyMillis: 0)
                var written = 0
                if (200..<300).contains(answer.status) {
                    for try await chunk in response.body {
                        progress.touch()
                        written += chunk.readableBytes
                        guard written <= maxBytes else {
                            throw TransportFailure(kind: .connectionLost, message: "result larger than \(maxBytes) bytes", latencyMillis: 0)
                        }
                        try chunk.withUnsafeReadableBytes { try file.write(contentsOf: Data($0)) }
                    }
                } else {
                    var buffer = try await response.body.collect(upTo: 1 << 20)
                    answer.body = Array((buffer.readBytes(length: buffer.readableBytes) ?? []).prefix(65_536))
                }
                return (answer, written)
            }
            answer.latencyMillis = clock.nowMillis() - started
            remoteClock.record(dateHeader: answer.headers["date"], sentAt: started, answeredAt: started + answer.latencyMillis)
            Self.record(answer.status, on: span)
            await gate.report(AnswerSignals.signal(for: answer, now: clock.nowMillis()), purpose: purpose)
            observe?(purpose, answer.status, answer.latencyMillis)
            return (answer, written)
        } catch {
            let failure =
                error as? TransportFailure
                ?? TransportFailure(kind: Self.classify(error), message: Self.describe(error), latencyMillis: clock.nowMillis() - started)
            Self.record(failure, on: span)
            await gate.report(AnswerSignals.signal(for: failure), purpose: purpose)
            observe?(purpose, nil, clock.nowMillis() - started)
            throw failure
        }
    }

    /// An HTTP client span with OpenTelemetry's standard attributes, but no path or query (where a contact key or a
    /// token may be) and no header.
    static func clientSpan(method: HTTPRequest.Method, url: String, purpose: AttemptPurpose, bodyBytes: Int?) -> any Span {
        let span = startSpan(method.rawValue, ofKind: .client)
        guard span.isRecording else { return span }
        span.attributes["http.request.method"] = method.rawValue
        if let parsed = URLComponents(string: url), let host = parsed.host {
            span.attributes["server.address"] = host
            span.attributes["server.port"] = parsed.port ?? (parsed.scheme?.lowercased() == "http" ? 80 : 443)
            span.attributes["url.scheme"] = parsed.scheme?.lowercased()
        }
        if let bodyBytes { span.attributes["http.request.body.size"] = bodyBytes }
        span.attributes["journeyq.request.purpose"] = purpose.rawValue
        return span
    }

    static func record(_ status: Int, on span: any Span) {
        span.attributes["http.response.status_code"] = status
        // For a client, every 4xx and 5xx is an error (OpenTelemetry's HTTP conventions).
        if status >= 400 {
            span.attributes["error.type"] = String(status)
            span.setStatus(SpanStatus(code: .error))
        }
    }

    static func record(_ failure: TransportFailure, on span: any Span) {
        span.attributes["error.type"] = "\(failure.kind)"
        span.setStatus(SpanStatus(code: .error, message: "\(failure.kind)"))
    }

    /// Runs one exchange, cancelled when `millis` pass. AsyncHTTPClient's own deadline ends once the answer's head is in:
    /// a remote that stalls halfway through a body must not hold a worker (and a drain) forever.
    static func within<T: Sendable>(
        _ millis: Int64, idle: (millis: Int64, progress: TransferProgress)? = nil, _ exchange: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await exchange() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(millis))
                return nil
            }
            if let idle {
                group.addTask {
                    try await idle.progress.untilQuietFor(idle.millis)
                    throw TransportFailure(kind: .timeout, message: "no byte for \(idle.millis) ms", latencyMillis: 0)
                }
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw HTTPClientError.deadlineExceeded }
            return value
        }
    }

    /// Only a failure to connect proves the request never left; the types say which (error texts are not a contract).
    static func classify(_ error: any Error) -> TransportFailure.Kind {
        switch error {
        case let client as HTTPClientError:
            switch client {
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout,
                .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown:
                return .notSent
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .timeout
            default:
                return .connectionLost
            }
        case is NIOConnectionError:
            // Every address was tried and none connected (refused, unreachable, or the name did not resolve).
            return .notSent
        case let channel as ChannelError:
            if case .connectTimeout = channel { return .notSent }
            return .connectionLost
        case let io as IOError:
            // A failed connect arrives as a NIOConnectionError (above). A bare IOError comes from a channel that was
            // connected: an unreachable host or network then (an ICMP answer, a route gone) may end a connection that
            // already carried the request, so only a refusal, which no connected socket reports, proves it never left.
            return io.errnoCode == ECONNREFUSED ? .notSent : .connectionLost
        case let tls as NIOSSLError:
            // The handshake runs before any byte of the request is written.
            if case .handshakeFailed = tls { return .notSent }
            return .connectionLost
        case is NIOSSLExtraError:
            return .notSent
        default:
            return .connectionLost
        }
    }

    static func describe(_ error: any Error) -> String {
        String(String(describing: error).prefix(300))
    }
}
