import JourneyQueue

/// A destination's health at one moment.
public struct DestinationHealth: Sendable, Equatable {
    public var destination: String
    /// The circuit is open or probing: requests wait.
    public var circuitOpen: Bool
    /// Why the circuit is open or probing (nil while closed): the credentials refused, or the remote unwell.
    public var circuitCause: PauseCause?
    public var reason: String?
    /// No request before this (a 429's pause or the open circuit), if any.
    public var pausedUntil: Int64?
    /// Start of the current run of answers that were not healthy; nil while the destination answers.
    public var unhealthySince: Int64?
    /// Why nothing will be sent until the config is fixed, if so.
    public var misconfigured: String?
    /// The look circuit, while it is open or probing: looks wait, submissions go on.
    public var looks: DestinationPause?

    public init(
        destination: String, circuitOpen: Bool, circuitCause: PauseCause? = nil, reason: String?, pausedUntil: Int64? = nil,
        unhealthySince: Int64? = nil,
        misconfigured: String? = nil, looks: DestinationPause? = nil
    ) {
        self.destination = destination
        self.circuitOpen = circuitOpen
        self.circuitCause = circuitCause
        self.reason = reason
        self.pausedUntil = pausedUntil
        self.unhealthySince = unhealthySince
        self.misconfigured = misconfigured
        self.looks = looks
    }
}
