import JourneyDestinations
import JourneyQueue
import JourneyWorker
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// The only place journeyq picks a tracing backend: OpenTelemetry's OTLP/HTTP exporter, when the config has `tracing:`.
enum TracingBootstrap {
    /// Bootstraps the process's tracer and returns the exporter's service (to run first, so that it stops last and
    /// sends the spans of the drain); nil when tracing is off.
    static func start(_ config: TracingConfig?, logger: Logger) throws -> ServiceGroupConfiguration.ServiceConfiguration? {
        guard let config else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = config.serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.diagnosticLogger = .custom(logger)
        // A trace begun by a caller (an API request with traceparent) follows the caller's choice; a batch is a root.
        configuration.traces.sampler = .parentBasedTraceIDRatio(ratio: config.sampleRatio) ?? .parentBasedAlwaysOn
        configuration.traces.otlpExporter.endpoint = config.tracesURL
        configuration.traces.otlpExporter.protocol = config.wireProtocol == .json ? .httpJSON : .httpProtobuf
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        logger.notice(
            "tracing on", metadata: ["endpoint": "\(RedactedURL.origin(config.tracesURL))", "sampleRatio": "\(config.sampleRatio)"])
        return .init(service: service)
    }
}
