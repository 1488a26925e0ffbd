import Foundation
import Hummingbird
import Logging

/// Resolves the bearer key into the caller's role, and turns every error into problem+json.
struct APIMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let verifier: APIKeyVerifier
    let logger: Logger

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") {
            if let key = verifier.verify(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) {
                context.role = key.role
                context.keyName = key.name
            }
        }
        var response = try await answer(request, context: context, next: next)
        // No answer is to be sniffed into another type or kept by a cache: they carry contact data and keys' results.
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func answer(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = RouteTable.methods(for: request.uri.path) {
                var response = Problem(
                    status: .methodNotAllowed, title: "Method not allowed", detail: "\(request.uri.path) takes \(allowed)."
                ).response
                response.headers[.allow] = allowed
                return response
            }
            return Problem(status: error.status, title: error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase).response
        } catch {
            // The detail of an internal fault stays in the log: it may name files or SQL.
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Problem(status: .internalServerError, title: "Internal error", detail: "The request failed; the server's log says why.")
                .response
        }
    }
}

/// The API's paths and their methods, for a 405 that names what a path takes.
enum RouteTable {
    static let routes: [(segments: [String], methods: String)] = [
        (["v1", "destinations", "*", "contacts"], "POST"), (["v1", "destinations"], "GET"), (["v1", "destinations", "*"], "GET"),
        (["v1", "contacts", "*"], "GET, DELETE"), (["v1", "audit"], "GET"), (["v1", "contacts"], "GET"),
        (["v1", "destinations", "*", "dead"], "GET"),
        (["v1", "destinations", "*", "redrive"], "POST"), (["v1", "destinations", "*", "pause"], "POST"),
        (["v1", "destinations", "*", "resume"], "POST"),
        (["v1", "events"], "GET"), (["v1", "webhooks"], "GET"), (["v1", "webhooks", "*", "redeliver"], "POST"),
        (["healthz"], "GET"), (["v1", "whoami"], "GET"), (["app.js"], "GET"), (["app.css"], "GET"), (["readyz"], "GET"),
        (["metrics"], "GET"), (["openapi.json"], "GET"), ([], "GET"),
    ]

    static func methods(for path: String) -> String? {
        let segments = path.split(separator: "/").map(String.init)
        return routes.first { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }?.methods
    }
}
