/// A producer record that cannot be enqueued: where it is and which rule it breaks.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input's name as the user gave it (`-` reads as `stdin`).
    public var file: String
    /// 1-based line where the record starts.
    public var line: Int
    /// 1-based byte column, when the fault is a syntax error.
    public var column: Int?
    /// The field at fault (`data.email`, `contactKey`), when one is.
    public var field: String?
    /// What was expected.
    public var rule: String

    public init(file: String, line: Int, column: Int? = nil, field: String? = nil, rule: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.rule = rule
    }

    public var description: String {
        var text = "\(file):\(line)"
        if let column { text += ":\(column)" }
        if let field { text += ": field '\(field)'" }
        return text + ": " + rule
    }
}
