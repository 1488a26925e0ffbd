import Foundation
import Yams

/// `tracing:`: where OpenTelemetry traces go (OTLP over HTTP), and how many batches are traced. Off when absent.
public struct TracingConfig: Sendable, Equatable {
    /// The wire format OTLP/HTTP speaks.
    public enum WireProtocol: String, Sendable, CaseIterable {
        case protobuf = "http/protobuf"
        case json = "http/json"
    }

    /// The collector's traces URL (`http://127.0.0.1:4318/v1/traces`); a URL without a path gets `/v1/traces`.
    public var endpoint: String
    /// The share of batches (and API requests) traced, 0 to 1.
    public var sampleRatio = TracingSettings.sampleRatio.defaultDouble
    public var wireProtocol: WireProtocol = .protobuf
    /// `service.name` on every span.
    public var serviceName = TracingSettings.serviceName.defaultText

    public init(endpoint: String) {
        self.endpoint = endpoint
    }

    /// The endpoint as the exporter takes it: with the signal's path when none was given.
    public var tracesURL: String {
        guard let url = URL(string: endpoint), url.path.isEmpty || url.path == "/" else { return endpoint }
        return endpoint.hasSuffix("/") ? endpoint + "v1/traces" : endpoint + "/v1/traces"
    }
}

extension ConfigLoader {
    /// `tracing: {endpoint, sampleRatio, protocol, serviceName}`.
    func tracing(_ node: Node) throws -> TracingConfig {
        let reader = try MappingReader(loader: self, path: "tracing", node: node)
        let endpoint = try reader.string(TracingSettings.endpoint)
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil,
            url.user == nil, url.password == nil, url.query == nil
        else {
            throw reader.error("endpoint", "an http(s) URL of an OTLP/HTTP collector, without credentials or query (http://127.0.0.1:4318)")
        }
        var config = TracingConfig(endpoint: endpoint)
        config.sampleRatio = try reader.double(TracingSettings.sampleRatio)
        config.wireProtocol = TracingConfig.WireProtocol(rawValue: try reader.string(TracingSettings.wireProtocol))!
        config.serviceName = try reader.string(TracingSettings.serviceName)
        try reader.rejectUnknown()
        return config
    }
}
