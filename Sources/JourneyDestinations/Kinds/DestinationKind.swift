/// A kind of destination this build delivers to, as a config names it.
public struct DestinationKind: Sendable, Hashable, CustomStringConvertible {
    /// What the kind is and how it is built.
    public let definition: any DestinationKindDefinition

    /// The kind's name in a config.
    public var rawValue: String { definition.name }
    public var description: String { definition.name }

    /// The registered kind of that name, if there is one.
    public init?(rawValue: String) {
        guard let definition = Self.registered.first(where: { $0.name == rawValue }) else { return nil }
        self.definition = definition
    }

    /// Every registered kind, in the order of `registered`.
    public static var allCases: [DestinationKind] { registered.map { DestinationKind(rawValue: $0.name)! } }

    /// What the report calls the remote's ids for a kind's requests; a kind this build does not know has "remote ids".
    public static func remoteIDsLabel(_ kind: String?) -> String {
        kind.flatMap(DestinationKind.init(rawValue:))?.definition.remoteIDsLabel ?? "remote ids"
    }

    /// Whether a destination of this kind can be asked who entered; a kind this build does not know is assumed to be,
    /// so that a redrive looks before it re-sends rather than re-sending blindly.
    public static func lookable(_ kind: String?) -> Bool {
        kind.flatMap(DestinationKind.init(rawValue:))?.definition.verifiable ?? true
    }

    public static func == (lhs: DestinationKind, rhs: DestinationKind) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
