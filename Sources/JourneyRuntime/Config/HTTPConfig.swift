import JourneyQueue

/// The `http:` section: where `journeyq serve` listens, who may call it, and how.
public struct HTTPConfig: Sendable, Equatable {
    /// What a key may do. `operate` includes `read`; `ingest` only enqueues.
    public enum Role: String, Sendable, CaseIterable {
        case ingest, read, operate

        /// Whether a key of this role may act as `needed`.
        public func allows(_ needed: Role) -> Bool { self == needed || (self == .operate && needed == .read) }
    }

    /// One API key: its name (for logs), role, and the hex SHA-256 of the key (the key itself is stored nowhere).
    public struct APIKey: Sendable, Equatable {
        public var name: String
        public var role: Role
        public var sha256: String

        public init(name: String, role: Role, sha256: String) {
            self.name = name
            self.role = role
            self.sha256 = sha256.lowercased()
        }
    }

    /// A certificate chain and its private key, PEM files.
    public struct TLS: Sendable, Equatable {
        public var certificateFile: String
        public var privateKeyFile: String

        public init(certificateFile: String, privateKeyFile: String) {
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
        }
    }

    public var host: String
    public var port: Int
    public var apiKeys: [APIKey]
    public var tls: TLS?
    /// Whether `/metrics` needs a `read` key, as configured; nil: only when listening beyond loopback.
    public var metricsRequireKeySetting: Bool?
    /// Whether `/metrics` needs a `read` key: as configured, else whenever the listener is reachable from another host.
    public var metricsRequireKey: Bool { metricsRequireKeySetting ?? !Self.isLoopback(host) }
    /// Seconds a connection may stay without a byte read before it is closed (an idle keep-alive, a client that never
    /// finishes its request): file descriptors stay free for producers.
    public var idleTimeoutSeconds = Double(HTTPSettings.idleTimeout.defaultMillis) / 1_000
    /// Seconds from a connection's opening (its TLS handshake included) to its first request head, and from an answer
    /// to the next head: a client that dribbles half a request line is cut off however often it sends a byte.
    public var headerTimeoutSeconds = Double(HTTPSettings.headerTimeout.defaultMillis) / 1_000
    /// Seconds a TLS handshake may take.
    public var handshakeTimeoutSeconds = Double(HTTPSettings.handshakeTimeout.defaultMillis) / 1_000
    /// Open connections at most (lowered at start to what the process's descriptor limit leaves); at the cap, the
    /// connection that has waited longest without a request is closed for a new one.
    public var maxConnections = HTTPSettings.maxConnections.defaultInt
    /// Ingests in progress at once; beyond it 503 with `Retry-After`, nothing read.
    public var maxIngests = HTTPSettings.maxIngests.defaultInt
    /// Ingests in progress at once under one API key.
    public var maxIngestsPerKey = HTTPSettings.maxIngestsPerKey.defaultInt
    /// Records in one ingest at most; beyond it 413, nothing enqueued.
    public var maxRecordsPerRequest = HTTPSettings.maxRecordsPerRequest.defaultInt
    /// Largest ingest body; larger answers 413.
    public var maxBodyBytes: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8080, apiKeys: [APIKey] = [], tls: TLS? = nil, metricsRequireKey: Bool? = nil,
        maxBodyBytes: Int = HTTPSettings.maxBodyBytes.defaultInt
    ) {
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.tls = tls
        self.metricsRequireKeySetting = metricsRequireKey
        self.maxBodyBytes = maxBodyBytes
    }

    /// `host:port` (`[::1]:8080` for IPv6), or nil when it does not parse.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    /// Whether `host` is a loopback address (where plain HTTP is allowed).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
