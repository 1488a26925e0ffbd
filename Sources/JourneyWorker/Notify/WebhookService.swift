import AsyncHTTPClient
import Foundation
import JourneyDestinations
import JourneyQueue
import JourneyRuntime
import Logging
import NIOCore
import ServiceLifecycle

/// Delivers the outbox to one webhook endpoint: claims a batch, posts it signed, records the answer. A 2xx delivers
/// it; anything else (a redirect included: none is followed) is a failed try, tried again after a capped, doubling
/// backoff with the same message id and events; failing longer than `parkAfter` parks the endpoint until an operator
/// redelivers. The backoff is the endpoint's circuit: while it waits, nothing is sent to it.
public struct WebhookService: Service {
    let config: WebhookConfig
    let store: any EventOutbox
    let client: HTTPClient
    let clock: any WallClock
    let logger: Logger
    let metrics: JourneyMetrics?
    /// Who holds the endpoint's batch in the store, so that a fleet delivers each batch from one place at a time.
    let owner: String
    var pollMillis: Int64 = 1_000

    /// What one step did.
    public enum Step: Equatable, Sendable {
        /// Nothing to send now (no new event, parked, waiting for the next try, or held by another worker).
        case idle
        case delivered(events: Int)
        case failed(String)
        /// It failed, and has failed longer than `parkAfter`: parked.
        case parked(String)
        /// Delivered, but the batch was no longer ours (our lease ran out): the other holder records it.
        case superseded
    }

    public init(
        config: WebhookConfig, store: any EventOutbox, client: HTTPClient, clock: any WallClock, logger: Logger,
        metrics: JourneyMetrics? = nil,
        owner: String = WebhookService.defaultOwner()
    ) {
        self.config = config
        self.store = store
        self.client = client
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.owner = owner
    }

    /// This process: host, pid and a random part.
    public static func defaultOwner() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if case .delivered(let events) = await step(), events >= config.batchSize { continue }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(pollMillis)) }
        }
        // Verdicts settled just before the stop are told now rather than at the next start, while the endpoint answers.
        for _ in 0..<10 {
            guard case .delivered = await step() else { break }
        }
    }

    /// One claim, post and record.
    public func step() async -> Step {
        let batch: WebhookBatch?
        do {
            batch = try await store.claimWebhookBatch(
                endpoint: config.name, owner: owner, filter: config.filter, limit: config.batchSize,
                leaseMillis: config.timeoutMillis + 5_000)
        } catch {
            logger.error("reading the outbox failed", metadata: ["webhook": "\(config.name)", "error": "\(error)"])
            return .idle
        }
        guard let batch else { return .idle }
        if let failure = await post(batch) {
            let backoff = min(config.maxBackoffMillis, 1_000 << Int64(min(batch.attempt - 1, 30)))
            let next = clock.nowMillis() + backoff + Int64.random(in: 0...max(backoff / 5, 0))
            metrics?.webhookTry(endpoint: config.name, delivered: false)
            let state: WebhookState?
            do {
                state = try await store.webhookFailed(
                    batch, owner: owner, error: failure, nextAttemptAt: next, parkAfterMillis: config.parkAfterMillis)
            } catch {
                logger.error("recording a failed webhook try failed", metadata: ["webhook": "\(config.name)", "error": "\(error)"])
                return .failed(failure)
            }
            if state?.parkedAt != nil {
                logger.error(
                    "webhook endpoint parked: it has failed longer than parkAfter; its events wait for a redelivery",
                    metadata: [
                        "webhook": "\(config.name)", "url": "\(RedactedURL.origin(config.url))", "error": "\(failure)",
                        "undelivered": "\(state?.undelivered ?? 0)",
                    ])
                return .parked(failure)
            }
            logger.warning(
                "webhook try failed; trying again",
                metadata: [
                    "webhook": "\(config.name)", "url": "\(RedactedURL.origin(config.url))", "error": "\(failure)",
                    "attempt": "\(batch.attempt)",
                    "next": "\(ISOTime.string(next))",
                ])
            return .failed(failure)
        }
        metrics?.webhookTry(endpoint: config.name, delivered: true)
        do {
            guard try await store.webhookDelivered(batch, owner: owner) else { return .superseded }
        } catch {
            // Sent but not recorded: the batch stays pending and goes again, with the same id, to an endpoint that
            // dedupes on it.
            logger.error("recording a webhook delivery failed", metadata: ["webhook": "\(config.name)", "error": "\(error)"])
            return .failed("recording the delivery: \(error)")
        }
        metrics?.webhookDelivered(endpoint: config.name, events: batch.events.count)
        logger.debug(
            "webhook delivered", metadata: ["webhook": "\(config.name)", "events": "\(batch.events.count)", "id": "\(batch.messageID)"])
        return .delivered(events: batch.events.count)
    }

    /// Posts the batch once, signed, recording nothing; nil when the endpoint took it (2xx), else why not.
    public func post(_ batch: WebhookBatch) async -> String? {
        let body = WebhookMessage.body(batch)
        var request = HTTPClientRequest(url: config.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "user-agent", value: "journeyq")
        for (name, value) in config.signer.headers(messageID: batch.messageID, timestamp: clock.nowMillis() / 1_000, body: body) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(config.timeoutMillis))
            // The answer's body is read (and dropped) so that the connection can be used again.
            _ = try? await response.body.collect(upTo: 1 << 16)
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return nil }
            if (300..<400).contains(status) { return "HTTP \(status) redirect (journeyq follows no redirect; fix the URL)" }
            return "HTTP \(status)"
        } catch {
            return String(String(describing: error).prefix(300))
        }
    }
}
