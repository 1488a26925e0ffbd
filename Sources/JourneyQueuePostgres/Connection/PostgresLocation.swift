import Foundation
import PostgresNIO

/// Where a PostgreSQL queue lives, read from a `postgres://` or `postgresql://` URL as libpq reads it:
/// `postgres://user:password@host:port/database`, or a unix socket directory in `?host=/path` (or as the host,
/// percent-encoded). `sslmode=require` or `verify-full` ask for TLS; `prefer` and `allow` try it.
public struct PostgresLocation: Sendable, CustomStringConvertible {
    public var username: String
    public var password: String?
    public var database: String
    public var host: String?
    public var port: Int
    public var socketDirectory: String?
    public var sslMode: String

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Reads a URL; the error names what is wrong, never the password. Without a password in the URL, `PGPASSWORD`
    /// gives it (as for libpq): a unit's root-only `EnvironmentFile=` keeps it out of the command line and the unit.
    public init(url text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw PostgresLocationError(url: Self.redact(text), reason: "is not a postgres:// URL")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let user = components.user.flatMap { $0.removingPercentEncoding } ?? query["user"] ?? environment["USER"] ?? "postgres"
        username = user
        password =
            components.password.flatMap { $0.removingPercentEncoding } ?? query["password"]
            ?? environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = (path.isEmpty ? query["dbname"] : path.removingPercentEncoding) ?? user
        port = components.port ?? query["port"].flatMap(Int.init) ?? 5432
        let named = components.percentEncodedHost.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"]
        if let named, named.hasPrefix("/") {
            socketDirectory = named
            host = nil
        } else {
            host = named ?? "localhost"
            socketDirectory = nil
        }
        sslMode = query["sslmode"] ?? "prefer"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw PostgresLocationError(
                url: Self.redact(text), reason: "sslmode=\(sslMode) is not one of disable, allow, prefer, require, verify-ca, verify-full")
        }
    }

    /// The URL without its password: what logs, errors and `journeyq` print.
    public var description: String {
        let user = "\(username)\(password == nil ? "" : ":***")"
        if let socketDirectory {
            return "postgres://\(user)@/\(database)?host=\(socketDirectory)" + (port == 5432 ? "" : "&port=\(port)")
        }
        return "postgres://\(user)@\(host ?? "localhost"):\(port)/\(database)"
    }

    /// `text` with every password replaced by `***`: the user-info's (`user:secret@`) and the query's `password=` and
    /// `sslpassword=`. It reads the text itself rather than through a URL parser, so that a URL no parser accepts (an
    /// unencoded `@` or space in the password) is redacted all the same; where it is unsure, it hides more.
    public static func redact(_ text: String) -> String {
        var result = text
        if let scheme = result.range(of: "://"), let at = result[scheme.upperBound...].lastIndex(of: "@"),
            let colon = result[scheme.upperBound..<at].firstIndex(of: ":")
        {
            result.replaceSubrange(result.index(after: colon)..<at, with: "***")
        }
        return result.replacingOccurrences(of: #"(?i)([?&](?:ssl)?password=)[^&#]*"#, with: "$1***", options: .regularExpression)
    }

    /// The socket file, for a location in a unix socket directory.
    private var socketPath: String? { socketDirectory.map { $0 + "/.s.PGSQL.\(port)" } }

    /// What `sslmode` asks of TLS: nothing, TLS if the server offers it, or TLS or no connection.
    private enum TLSChoice { case disable, prefer, require }

    private var tlsChoice: TLSChoice {
        switch sslMode {
        case "disable": .disable
        case "require", "verify-ca", "verify-full": .require
        default: .prefer
        }
    }

    /// The client configuration for this location.
    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: username, password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS =
                switch tlsChoice {
                case .disable: .disable
                case .require: .require(.makeClientConfiguration())
                case .prefer: .prefer(.makeClientConfiguration())
                }
            configuration = .init(
                host: host ?? "localhost", port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.additionalStartupParameters = Self.sessionSettings
        return configuration
    }

    /// Every session's settings: commits return before their WAL record reaches the disk, as SQLite's NORMAL; the
    /// transactions that must survive a crash of the server (the write-ahead record, an enqueue) ask for a
    /// synchronous commit themselves. A statement that waits on a lock longer than 30 s fails, as SQLite's busy timeout.
    static let sessionSettings = [("synchronous_commit", "off"), ("lock_timeout", "30s"), ("application_name", "journeyq")]

    /// The single-connection configuration for this location.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketPath {
            configuration = .init(unixSocketPath: socketPath, username: username, password: password, database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS =
                switch tlsChoice {
                case .disable: .disable
                case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
                case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
                }
            configuration = .init(
                host: host ?? "localhost", port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.additionalStartupParameters = Self.sessionSettings
        return configuration
    }
}

/// A `--db` URL journeyq cannot use.
public struct PostgresLocationError: Error, Sendable, CustomStringConvertible {
    /// The URL, without its password.
    public var url: String
    public var reason: String
    public var description: String { "\(url): \(reason)" }
}
