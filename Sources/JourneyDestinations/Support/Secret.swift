/// A credential: usable by the code that needs it, invisible to logs, reports, records and errors.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The credential itself; read it only to put it on the wire.
    public let value: String

    /// Wraps a credential.
    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
