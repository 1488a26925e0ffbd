#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The elements of a top-level JSON array, read from a stream one at a time: a file of millions of records is never
/// held, or parsed into one tree, whole. Each element comes with the line and column it starts on.
struct JSONArrayStream {
    enum Item {
        case element([UInt8], line: Int, column: Int)
        /// An element longer than the limit (skipped to its end).
        case tooLong(line: Int)
    }

    /// The input is not an array, or breaks JSON's grammar between elements.
    struct Malformed: Error {
        var line: Int
        var column: Int
        var message: String
        /// The JSON type found where the array should start, when that was the problem.
        var found: String?
    }

    private let fd: Int32
    private let limit: Int
    private var bytes = [UInt8](repeating: 0, count: 1 << 20)
    private var count = 0
    private var index = 0
    private var line = 1
    private var column = 1
    private var exhausted = false
    private var opened = false
    private var closed = false
    private var expectComma = false

    init(fd: Int32, limit: Int) {
        self.fd = fd
        self.limit = limit
    }

    /// The next byte, reading the input in large chunks (a minified array is one line of any length); nil at the end.
    private mutating func peek() throws -> UInt8? {
        if index >= count {
            guard !exhausted else { return nil }
            let got = bytes.withUnsafeMutableBufferPointer { pointer in read(fd, pointer.baseAddress!, pointer.count) }
            if got < 0 { throw InputFileError.readFailed(errno: errno) }
            if got == 0 {
                exhausted = true
                return nil
            }
            count = got
            index = 0
        }
        return bytes[index]
    }

    /// Consumes the byte `peek` returned, keeping the line and column of the next.
    private mutating func advance() {
        if bytes[index] == 0x0A {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipSpace() throws {
        while let byte = try peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { advance() }
    }

    private func fail(_ message: String) -> Malformed { Malformed(line: line, column: column, message: message) }

    /// The next element, or nil after the closing bracket.
    mutating func next() throws -> Item? {
        try skipSpace()
        if !opened {
            guard let first = try peek() else { throw Malformed(line: 1, column: 1, message: "empty input", found: "nothing") }
            guard first == UInt8(ascii: "[") else {
                let found =
                    switch first {
                    case UInt8(ascii: "{"): "an object"
                    case UInt8(ascii: "\""): "a string"
                    default: "something else"
                    }
                throw Malformed(line: line, column: column, message: "expected a JSON array", found: found)
            }
            opened = true
            advance()
            try skipSpace()
        }
        if closed { return nil }
        guard let byte = try peek() else { throw fail("invalid JSON: unterminated array") }
        if byte == UInt8(ascii: "]") {
            advance()
            closed = true
            try skipSpace()
            if try peek() != nil { throw fail("invalid JSON: text after the array") }
            return nil
        }
        if expectComma {
            guard byte == UInt8(ascii: ",") else { throw fail("invalid JSON: expected ',' or ']'") }
            advance()
            try skipSpace()
            guard try peek() != nil else { throw fail("invalid JSON: unterminated array") }
        }
        expectComma = true
        return try element()
    }

    /// One element's bytes: a container to its matching bracket (strings and escapes respected), or a scalar to the
    /// next delimiter.
    private mutating func element() throws -> Item {
        let startLine = line, startColumn = column
        var out: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        var tooLong = false
        while let byte = try peek() {
            if !inString && depth == 0 && !out.isEmpty
                && (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == 0x0A || byte == 0x20)
            {
                break
            }
            advance()
            if out.count < limit { out.append(byte) } else { tooLong = true }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                if depth == 0 && !inString { break }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 {
                    throw Malformed(line: line, column: column - 1, message: "invalid JSON: unbalanced '\(Character(UnicodeScalar(byte)))'")
                }
            default: break
            }
            if depth == 0 && (byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")) { break }
        }
        if depth > 0 || inString { throw Malformed(line: startLine, column: startColumn, message: "invalid JSON: unterminated element") }
        return tooLong ? .tooLong(line: startLine) : .element(out, line: startLine, column: startColumn)
    }
}
