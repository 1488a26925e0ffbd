import Hummingbird
import Tracing

/// A server span for each API request, named by its route template (`/v1/contacts/{key}`), never by its path or
/// query: a path can hold a contact key, a query a search. Without a bootstrapped tracer the spans cost nothing.
struct APITracingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let span = startSpan("HTTP \(request.method.rawValue)", context: .topLevel, ofKind: .server)
        defer { span.end() }
        guard span.isRecording else { return try await next(request, context) }
        span.attributes["http.request.method"] = request.method.rawValue
        do {
            let response = try await InstrumentationContext.withValue(span.context) { try await next(request, context) }
            if let route = context.endpointPath {
                span.operationName = "HTTP \(request.method.rawValue) \(route)"
                span.attributes["http.route"] = route
            }
            span.attributes["http.response.status_code"] = Int(response.status.code)
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            return response
        } catch {
            span.attributes["error.type"] = String(describing: type(of: error))
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }
}
