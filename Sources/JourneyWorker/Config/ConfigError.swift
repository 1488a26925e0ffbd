/// A config file that cannot be used: where, which key, and what was expected.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// Dotted path of the key (`destinations.sfmc-async-events.batchSize`).
    public var key: String
    public var expected: String

    public init(file: String, line: Int?, key: String, expected: String) {
        self.file = file
        self.line = line
        self.key = key
        self.expected = expected
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key): \(expected)"
    }
}
