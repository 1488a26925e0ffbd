import JourneyQueue
import JourneyRuntime

/// A whole config file: the destinations and, for `serve`, its `http:` section.
public struct JourneyConfig: Sendable {
    public var destinations: [DestinationConfig]
    public var http: HTTPConfig?
    /// How long finished work is kept (the daemon prunes it).
    public var retention = RetentionPolicy()
    /// Webhook endpoints told of every final verdict and pause (`notify:`).
    public var notify: [WebhookConfig] = []
    /// Where OpenTelemetry traces go (`tracing:`); nil: none are made.
    public var tracing: TracingConfig?
    /// The credentials written in the file itself (`destinations.main.clientSecret`): the file must be private.
    public var inlineSecretKeys: [String] = []
    /// What the file should say differently (a deprecated key, a duration without its unit), each with its file and line.
    public var warnings: [String] = []
}
