import Foundation
import Hummingbird
import HummingbirdCore
import JourneyQueue
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The sandbox's HTTP server: the router behind Hummingbird's HTTP/1 server, each answer's `Date` read from the
/// sandbox's own clock. Hummingbird's `Application` stamps every answer with the host's time, but the remote's `Date`
/// is what journeyq measures the remote's clock by, and the sandbox's journey history and status times come from its
/// clock: a sandbox whose clock a test steps must say the same time in its headers as in its bodies.
struct SandboxHTTPService: Service {
    let responder: RouterResponder<BasicRequestContext>
    let host: String
    let port: Int
    let clock: any JourneyQueue.WallClock
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    func run() async throws {
        let (responder, clock, logger) = (self.responder, self.clock, self.logger)
        let server = try HTTPServerBuilder.http1().buildServer(
            configuration: ServerConfiguration(address: .hostname(host, port: port), serverName: "journeyq-simulator"),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger
        ) { (request, responseWriter: consuming ResponseWriter, channel) in
            let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = Self.httpDate(clock.nowMillis())
            response.headers[.server] = "journeyq-simulator"
            try await responseWriter.write(response: response.head, body: response.body)
        } onServerRunning: { channel in
            await self.onRunning(channel.localAddress?.port ?? self.port)
        }
        try await server.run()
    }

    /// An HTTP date (RFC 9110, IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ millis: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "GMT")!
        let parts = calendar.dateComponents(
            [.year, .month, .day, .weekday, .hour, .minute, .second],
            from: Date(timeIntervalSince1970: Double(millis) / 1000))
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) GMT"
    }
}
