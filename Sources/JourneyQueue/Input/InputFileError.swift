import Foundation

/// The input as a whole cannot be read: nothing was enqueued.
public enum InputFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)
    case readFailed(errno: Int32)
    case missingKeyColumn(path: String, column: String, header: [String])
    case emptyHeader(path: String)
    case notAnArray(path: String, found: String)
    case syntax(path: String, line: Int, column: Int, message: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, code): "\(path): cannot open (\(String(cString: strerror(code))))"
        case let .readFailed(code): "read failed (\(String(cString: strerror(code))))"
        case let .missingKeyColumn(path, column, header):
            "\(path):1: the header has no key column '\(column)' (columns: \(header.joined(separator: ", "))); name it with --key-column"
        case let .emptyHeader(path): "\(path):1: expected a header row naming the columns"
        case let .notAnArray(path, found): "\(path):1: expected a JSON array of records, found \(found)"
        case let .syntax(path, line, column, message): "\(path):\(line):\(column): \(message)"
        }
    }
}
