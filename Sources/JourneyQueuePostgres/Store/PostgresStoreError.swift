import JourneyQueue
import PostgresNIO

/// A PostgreSQL failure, with the server's message and SQLSTATE (never the query's values, which may hold contact data).
public struct PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// What the store was doing.
    public var operation: String
    /// The server's SQLSTATE code, when the server answered.
    public var sqlState: String?
    /// The server's message, or what went wrong on the way to it.
    public var message: String

    public var description: String {
        "PostgreSQL \(operation) failed: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "")
    }

    /// `error` as a store error; store errors (a lost lease, an unknown destination) pass unchanged.
    static func wrap(_ error: any Error, doing operation: String) -> any Error {
        if error is StoreError || error is PostgresStoreError || error is PostgresLocationError { return error }
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                return PostgresStoreError(operation: operation, sqlState: info[.sqlState], message: info[.message] ?? "\(error.code)")
            }
            let cause = error.underlying.map { "\($0)" } ?? "\(error.code)"
            return PostgresStoreError(operation: operation, sqlState: nil, message: cause)
        }
        return PostgresStoreError(operation: operation, sqlState: nil, message: "\(error)")
    }
}
