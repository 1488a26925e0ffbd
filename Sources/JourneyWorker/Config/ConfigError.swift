/// A config file that cannot be used: where (file, line, column), which key, and what was expected. Never a value:
/// the value may be a secret.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Dotted path of the key (`destinations.sfmc-async-events.batchSize`).
    public var key: String
    public var expected: String

    public init(file: String, line: Int?, column: Int? = nil, key: String, expected: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.expected = expected
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? "")\(column.map { ":\($0)" } ?? ""): \(key): \(expected)"
    }
}
