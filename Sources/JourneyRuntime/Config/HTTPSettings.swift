import JourneyQueue

/// `http:`: where `journeyq serve` listens, who may call it, and the limits that hold without a key.
public enum HTTPSettings {
    public static let listen = Setting(
        "listen", .text(default: "127.0.0.1:8080"), "`HOST:PORT`; plain HTTP only on loopback, anything else needs `tls`")
    public static let apiKeys = Setting(
        "apiKeys", .section,
        "`[{name, role, sha256}]`: role `ingest`, `read` or `operate` (which includes read); only the key's "
            + "SHA-256 (`journeyq apikey` prints it)", defaultNote: "none (every route but /healthz refuses)")
    public static let tls = Setting(
        "tls", .section, "`{certificateFile, privateKeyFile}`: PEM files; TLS 1.2 and later", defaultNote: "none")
    public static let metricsRequireKey = Setting(
        "metricsRequireKey", .flag(default: false), "whether `/metrics` needs a `read` key",
        defaultNote: "`true` beyond loopback, `false` on loopback")
    public static let maxBodyBytes = Setting(
        "maxBodyBytes", .integer(default: 64 << 20, range: 1_024...(1 << 31)), "larger ingest bodies answer 413")
    public static let maxRecordsPerRequest = Setting(
        "maxRecordsPerRequest", .integer(default: 500_000, range: 1...100_000_000),
        "more records in one ingest answer 413; nothing is enqueued")
    public static let maxIngests = Setting(
        "maxIngests", .integer(default: 8, range: 1...1_024), "ingests in progress at once; the next answers 503 with `Retry-After`")
    public static let maxIngestsPerKey = Setting("maxIngestsPerKey", .integer(default: 4, range: 1...1_024), "… and under one API key")
    public static let maxConnections = Setting(
        "maxConnections", .integer(default: 1_024, range: 16...1_000_000), "open connections; lowered to fit the descriptor limit")
    public static let headerTimeout = Setting(
        "headerTimeout", .duration(default: 10_000, range: 1_000...600_000),
        "from connecting (TLS included) to a whole request head, and from an answer to the next head",
        legacy: .seconds("headerTimeoutSeconds"))
    public static let handshakeTimeout = Setting(
        "handshakeTimeout", .duration(default: 10_000, range: 1_000...600_000), "a TLS handshake",
        legacy: .seconds("handshakeTimeoutSeconds"))
    public static let idleTimeout = Setting(
        "idleTimeout", .duration(default: 60_000, range: 1_000...3_600_000), "a connection without a byte read for this long is closed",
        legacy: .seconds("idleTimeoutSeconds"))

    /// `http.apiKeys[i]`: one key.
    public enum APIKey {
        public static let name = Setting("name", .text(default: nil), "who holds the key (logs name it)", defaultNote: "required")
        public static let role = Setting(
            "role", .choice(default: nil, among: HTTPConfig.Role.allCases.map(\.rawValue)), "what the key may do", defaultNote: "required")
        public static let sha256 = Setting("sha256", .text(default: nil), "the key's SHA-256, 64 hex digits", defaultNote: "required")
        public static let all = [name, role, sha256]
    }

    /// `http.tls`: the certificate chain and its key.
    public enum TLSFiles {
        public static let certificateFile = Setting(
            "certificateFile", .text(default: nil), "PEM certificate chain", defaultNote: "required")
        public static let privateKeyFile = Setting("privateKeyFile", .text(default: nil), "PEM private key", defaultNote: "required")
        public static let all = [certificateFile, privateKeyFile]
    }

    /// `http:`, in the order the README lists them.
    public static let all = [
        listen, apiKeys, tls, metricsRequireKey, maxBodyBytes, maxRecordsPerRequest, maxIngests, maxIngestsPerKey, maxConnections,
        headerTimeout, handshakeTimeout, idleTimeout,
    ]
}
