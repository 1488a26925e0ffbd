import NIOCore
import NIOHTTPTypes
import NIOTLS

/// Per connection: admission under the cap, and deadlines that hold without a key. The TLS handshake must end within
/// `handshakeTimeout`, the first request head arrive within `headerTimeout` of the connection opening (a client that
/// dribbles half a request line is cut off however often it sends a byte), and each later head within `idleTimeout`
/// of the previous answer.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let registry: ConnectionRegistry
    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let handshakeTimeout: TimeAmount?
    private var started = false
    private var registered = false
    private var requestsInProgress = 0
    private var headDeadline: Scheduled<Void>?
    private var handshakeDeadline: Scheduled<Void>?

    init(registry: ConnectionRegistry, headerTimeout: TimeAmount, idleTimeout: TimeAmount, handshakeTimeout: TimeAmount?) {
        self.registry = registry
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.handshakeTimeout = handshakeTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        switch registry.admit(context.channel) {
        case .refused:
            context.close(promise: nil)
            return
        case .admittedEvicting(let other):
            other.close(promise: nil)
        case .admitted:
            break
        }
        registered = true
        headDeadline = closing(context, after: headerTimeout, reason: .headerTimeout)
        if let handshakeTimeout { handshakeDeadline = closing(context, after: handshakeTimeout, reason: .handshakeTimeout) }
    }

    private func closing(_ context: ChannelHandlerContext, after delay: TimeAmount, reason: ConnectionRegistry.ShedReason) -> Scheduled<
        Void
    > {
        let channel = context.channel, registry = self.registry
        return context.eventLoop.scheduleTask(in: delay) {
            registry.shed(reason)
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            headDeadline?.cancel()
            headDeadline = nil
            requestsInProgress += 1
            registry.setAwaitingHead(context.channel, false)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), requestsInProgress > 0 {
            requestsInProgress -= 1
            if requestsInProgress == 0 {
                registry.setAwaitingHead(context.channel, true)
                headDeadline?.cancel()
                headDeadline = closing(context, after: idleTimeout, reason: .headerTimeout)
            }
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            handshakeDeadline?.cancel()
            handshakeDeadline = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(context)
    }

    private func finish(_ context: ChannelHandlerContext) {
        headDeadline?.cancel()
        handshakeDeadline?.cancel()
        headDeadline = nil
        handshakeDeadline = nil
        if registered {
            registered = false
            registry.remove(context.channel)
        }
    }
}
