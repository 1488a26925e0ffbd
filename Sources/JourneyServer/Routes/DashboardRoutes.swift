import HTTPTypes
import Hummingbird

/// The dashboard's page and assets at `/`, served by journeyq itself under a strict Content-Security-Policy: no external
/// asset, no inline script, no frame. The page asks for a key itself; nothing here needs one.
enum DashboardRoutes {
    static let policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    static func register(on router: Router<APIContext>) {
        router.get("/") { _, _ in asset(DashboardAssets.html, type: "text/html; charset=utf-8") }
        router.get("/app.css") { _, _ in asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.get("/app.js") { _, _ in asset(DashboardAssets.js, type: "text/javascript; charset=utf-8") }
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .contentSecurityPolicy: policy, HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("Referrer-Policy")!: "no-referrer", .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
