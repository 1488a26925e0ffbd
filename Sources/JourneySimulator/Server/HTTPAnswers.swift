import Foundation
import Hummingbird

/// Builds the sandbox's answers in each vendor's own shapes.
enum HTTPAnswers {
    static let sfmcDocumentation = "https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm"

    static func json(_ status: Int, _ object: Any, headers: HTTPFields = [:]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8", headers: HTTPFields = [:])
        -> Response
    {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A redirect to another origin: a client that follows it hands over whatever it sent here.
    static var redirect: Response {
        Response(status: .temporaryRedirect, headers: [.location: "http://collector.invalid/steal?from=journeyq"])
    }

    static func empty(_ status: Int) -> Response {
        Response(status: .init(code: status))
    }

    static func sfmc(_ error: SFMCError) -> Response {
        json(error.status, ["message": error.message, "errorcode": error.errorCode, "documentation": sfmcDocumentation])
    }

    /// The documented 401 for a missing, invalid or expired token.
    static var notAuthorized: Response {
        json(401, ["documentation": sfmcDocumentation, "errorcode": 0, "message": "Not Authorized"])
    }

    static func symplify(_ error: SymplifyError) -> Response {
        json(error.status, ["error": error.message])
    }

    static func bulk(_ error: BulkError) -> Response {
        json(error.status, [["errorCode": error.errorCode, "message": error.message]])
    }

    /// The vendor families, which differ in how they say "slow down" and "broken".
    enum Style {
        case sfmc, symplify, bulk

        func throttled(retryAfter: Int?) -> Response {
            switch self {
            case .sfmc:
                if let retryAfter {
                    return json(
                        429,
                        [
                            "message": "Rate limit exceeded", "errorcode": 50100, "retryAfter": retryAfter,
                            "documentation": sfmcDocumentation,
                        ],
                        headers: [.retryAfter: String(retryAfter)])
                }
                return json(
                    429, ["message": "Your requests are temporarily blocked.", "errorcode": 50200, "documentation": sfmcDocumentation])
            case .symplify:
                return json(
                    429, ["error": "Too many requests: one request per minute"],
                    headers: retryAfter.map { [.retryAfter: String($0)] } ?? [:])
            case .bulk:
                return json(
                    429, [["errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "Too many requests"]],
                    headers: retryAfter.map { [.retryAfter: String($0)] } ?? [:])
            }
        }

        var serverError: Response {
            switch self {
            case .sfmc: json(500, ["message": "An error occurred.", "errorcode": 30000, "documentation": sfmcDocumentation])
            case .symplify: json(500, ["error": "Internal server error"])
            case .bulk: json(500, [["errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred."]])
            }
        }
    }
}

extension Request {
    /// The whole body, bounded.
    mutating func bytes(limit: Int) async throws -> [UInt8] {
        var buffer = try await collectBody(upTo: limit)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    /// The body as a JSON object, or nil when it is not one.
    mutating func jsonObject(limit: Int = 16 << 20) async throws -> [String: Any]? {
        let data = Data(try await bytes(limit: limit))
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// The bearer token of the `Authorization` header.
    var bearerToken: String? {
        guard let value = headers[.authorization], value.hasPrefix("Bearer ") else { return nil }
        return String(value.dropFirst(7))
    }
}
