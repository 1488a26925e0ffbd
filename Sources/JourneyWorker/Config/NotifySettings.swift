import JourneyQueue

/// `notify:`: each webhook endpoint the daemon tells its verdicts to.
public enum NotifySettings {
    public static let name = Setting(
        "name", .text(default: nil), "names the endpoint in the API and the metrics (letters, digits, `-`, `_`, `.`)",
        defaultNote: "the URL's host")
    public static let url = Setting("url", .url, "where batches of events are POSTed")
    public static let events = Setting(
        "events", .list(default: []), "event types to send, among " + EventType.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "),
        defaultNote: "every type")
    public static let destinations = Setting(
        "destinations", .list(default: []), "configured destinations whose events are sent", defaultNote: "every destination")
    public static let secret = Setting(
        "secret", .secret, "the signing secret: `whsec_` and the base64 of 24–64 bytes, or any text of at least 24 bytes")
    public static let batchSize = Setting("batchSize", .integer(default: 1_000, range: 1...1_000), "events per delivery")
    public static let timeout = Setting("timeout", .duration(default: 10_000, range: 1_000...300_000), "how long a delivery may take")
    public static let maxBackoff = Setting(
        "maxBackoff", .duration(default: 300_000, range: 1_000...86_400_000), "the longest wait between failed deliveries")
    public static let parkAfter = Setting(
        "parkAfter", .duration(default: 3_600_000, range: 60_000...2_592_000_000),
        "how long an endpoint may fail before its events are parked until an operator redelivers them")

    /// `notify[i]`, in the order the README lists them.
    public static let all = [name, url, events, destinations, secret, batchSize, timeout, maxBackoff, parkAfter]
}

/// `tracing:`: OpenTelemetry traces over OTLP/HTTP; off when absent.
public enum TracingSettings {
    public static let endpoint = Setting(
        "endpoint", .url, "the collector (`http://127.0.0.1:4318`; a URL without a path gets `/v1/traces`)")
    public static let sampleRatio = Setting(
        "sampleRatio", .number(default: 1, range: 0...1), "the share of batches and API requests traced")
    public static let wireProtocol = Setting(
        "protocol", .choice(default: "http/protobuf", among: TracingConfig.WireProtocol.allCases.map(\.rawValue)), "OTLP's wire format")
    public static let serviceName = Setting("serviceName", .text(default: "journeyq"), "`service.name` on every span")

    /// `tracing:`, in the order the README lists them.
    public static let all = [endpoint, sampleRatio, wireProtocol, serviceName]
}
