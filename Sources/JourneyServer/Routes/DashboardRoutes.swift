import Hummingbird

/// The dashboard's page and assets, served by journeyq itself (no external asset).
enum DashboardRoutes {
    static func register(on router: Router<APIContext>) {}
}
