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
    public var sampleRatio: Double = 1
    public var wireProtocol: WireProtocol = .protobuf
    /// `service.name` on every span.
    public var serviceName = "journeyq"

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
        let endpoint = try reader.string("endpoint")
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil,
            url.user == nil, url.password == nil, url.query == nil
        else {
            throw reader.error("endpoint", "an http(s) URL of an OTLP/HTTP collector, without credentials or query (http://127.0.0.1:4318)")
        }
        var config = TracingConfig(endpoint: endpoint)
        config.sampleRatio = try reader.double("sampleRatio", default: 1, in: 0...1)
        if let name = try reader.optionalString("protocol") {
            guard let wire = TracingConfig.WireProtocol(rawValue: name) else {
                throw reader.error("protocol", TracingConfig.WireProtocol.allCases.map(\.rawValue).joined(separator: " or "))
            }
            config.wireProtocol = wire
        }
        config.serviceName = try reader.string("serviceName", default: "journeyq")
        try reader.rejectUnknown()
        return config
    }
}
