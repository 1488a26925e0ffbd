import Foundation
import JourneyQueue
import Metrics

/// journeyq's metrics, through swift-metrics (the executable bootstraps Prometheus). Label sets are closed: a
/// destination's name, a purpose, a status class, a state, an outcome; never a contact key.
public struct JourneyMetrics: Sendable {
    let factory: any MetricsFactory

    /// Metrics made by `factory` (the process's bootstrapped one by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Every counter an alert or a dashboard reads, made at zero for each destination and webhook endpoint before anything
    /// happens: a series that first appears at 2 is an increase Prometheus never sees (`increase()` needs a first sample).
    public func prepare(destinations: [String], webhooks: [String]) {
        for destination in destinations {
            for state in ContactState.allCases where state.isFinal || state == .queued {
                Counter(
                    label: "journeyq_contacts_settled_total", dimensions: [("destination", destination), ("outcome", state.description)],
                    factory: factory
                )
                .increment(by: 0)
            }
            for label in ["journeyq_possible_duplicates_total", "journeyq_throttled_total", "journeyq_window_default_zone_total"] {
                Counter(label: label, dimensions: [("destination", destination)], factory: factory).increment(by: 0)
            }
            requestsInFlight(destination: destination, busy: 0, waiting: 0)
        }
        for kind in ["contacts", "ledger", "batches", "events", "idempotency_keys"] {
            Counter(label: "journeyq_pruned_total", dimensions: [("kind", kind)], factory: factory).increment(by: 0)
        }
        for endpoint in webhooks {
            for outcome in ["delivered", "failed"] {
                Counter(
                    label: "journeyq_webhook_tries_total", dimensions: [("endpoint", endpoint), ("outcome", outcome)], factory: factory
                ).increment(by: 0)
            }
            Counter(label: "journeyq_webhook_events_delivered_total", dimensions: [("endpoint", endpoint)], factory: factory).increment(
                by: 0)
        }
    }

    /// One request to a remote: counted by purpose and status class, timed; a 429 also counts as throttled.
    public func request(destination: String, purpose: AttemptPurpose, status: Int?, latencyMillis: Int64) {
        let statusClass = status.map { $0 == 429 ? "429" : "\($0 / 100)xx" } ?? "no_answer"
        Counter(
            label: "journeyq_requests_total",
            dimensions: [
                ("destination", destination), ("purpose", purpose.rawValue),
                ("status_class", statusClass),
            ], factory: factory
        ).increment()
        Metrics.Timer(
            label: "journeyq_request_duration_seconds", dimensions: [("destination", destination), ("purpose", purpose.rawValue)],
            preferredDisplayUnit: .seconds, factory: factory
        ).recordMilliseconds(max(latencyMillis, 0))
        if status == 429 {
            Counter(label: "journeyq_throttled_total", dimensions: [("destination", destination)], factory: factory).increment()
        }
    }

    /// Submissions and looks in flight at a destination, and those waiting for a place (its `concurrency` is full).
    public func requestsInFlight(destination: String, busy: Int, waiting: Int) {
        Gauge(label: "journeyq_requests_in_flight", dimensions: [("destination", destination)], factory: factory).record(busy)
        Gauge(label: "journeyq_requests_waiting", dimensions: [("destination", destination)], factory: factory).record(waiting)
    }

    /// The share of a destination's daily API call budget used in the last day (looks slow down from 0.8 on).
    public func callBudget(destination: String, usedShare: Double) {
        Gauge(label: "journeyq_api_call_budget_used_ratio", dimensions: [("destination", destination)], factory: factory).record(usedShare)
    }

    /// Contacts a settle moved, by the state they reached.
    public func settled(destination: String, _ settlements: [Settlement]) {
        var outcomes: [String: Int] = [:]
        var duplicates = 0
        for settlement in settlements {
            outcomes[settlement.outcome.state?.description ?? "recheck", default: 0] += 1
            if case .retry(_, _, _, true) = settlement.outcome { duplicates += 1 }
        }
        for (outcome, count) in outcomes {
            Counter(
                label: "journeyq_contacts_settled_total", dimensions: [("destination", destination), ("outcome", outcome)], factory: factory
            )
            .increment(by: count)
        }
        if duplicates > 0 {
            Counter(label: "journeyq_possible_duplicates_total", dimensions: [("destination", destination)], factory: factory).increment(
                by: duplicates)
        }
    }

    /// Contacts sent in the send window's default zone because their data named no known zone.
    public func windowDefaultZone(destination: String, count: Int) {
        Counter(label: "journeyq_window_default_zone_total", dimensions: [("destination", destination)], factory: factory).increment(
            by: count)
    }

    /// Rows retention deleted, by kind (contacts, ledger rows, batches).
    public func pruned(_ summary: PruneSummary) {
        for (kind, count) in [
            ("contacts", summary.contacts), ("ledger", summary.attempts), ("batches", summary.batches), ("events", summary.events),
            ("idempotency_keys", summary.idempotencyKeys),
        ] where count > 0 {
            Counter(label: "journeyq_pruned_total", dimensions: [("kind", kind)], factory: factory).increment(by: count)
        }
    }

    /// The size of the database file and of its write-ahead log, in bytes.
    public func fileSizes(database: Int64, wal: Int64) {
        Gauge(label: "journeyq_database_bytes", factory: factory).record(database)
        Gauge(label: "journeyq_wal_bytes", factory: factory).record(wal)
    }

    /// The gauges read from the store's counters at scrape time: contacts per state, pauses, the oldest wait.
    public func refresh(_ destinations: [DestinationCounts], now: Int64) {
        for destination in destinations {
            for state in ContactState.allCases {
                Gauge(
                    label: "journeyq_contacts", dimensions: [("destination", destination.name), ("state", state.description)],
                    factory: factory
                )
                .record(destination.counts[state] ?? 0)
            }
            let operatorPause = destination.pause.map { $0.holds(at: now) } ?? false
            let health = destination.health.map { $0.holds(at: now) } ?? false
            Gauge(label: "journeyq_destination_paused", dimensions: [("destination", destination.name)], factory: factory)
                .record(operatorPause || health ? 1 : 0)
            // Why, as a closed set (the free text is in the API and the report).
            for cause in ["operator", "unavailable", "journey"] {
                let active =
                    cause == "operator"
                    ? operatorPause
                    : health && destination.health?.cause.metricLabel == cause
                Gauge(
                    label: "journeyq_destination_pause_cause", dimensions: [("destination", destination.name), ("cause", cause)],
                    factory: factory
                )
                .record(active ? 1 : 0)
            }
            // What the account's API quota pays: requests by purpose, and per 100 contacts (from the ledger's counters).
            for purpose in CallPurpose.allCases {
                Gauge(
                    label: "journeyq_api_calls", dimensions: [("destination", destination.name), ("purpose", purpose.rawValue)],
                    factory: factory
                )
                .record(destination.calls[purpose] ?? 0)
                Gauge(
                    label: "journeyq_api_calls_per_100_contacts",
                    dimensions: [("destination", destination.name), ("purpose", purpose.rawValue)],
                    factory: factory
                ).record(destination.callsPer100Contacts?[purpose.rawValue] ?? 0)
            }
            // Looks paused by their own circuit (the look endpoints fail); submissions go on meanwhile.
            Gauge(label: "journeyq_look_circuit_open", dimensions: [("destination", destination.name)], factory: factory)
                .record(destination.looks == nil ? 0 : 1)
            Gauge(label: "journeyq_contacts_waiting_for_window", dimensions: [("destination", destination.name)], factory: factory)
                .record(destination.waitingForWindow)
            Gauge(
                label: "journeyq_window_next_opening_timestamp_seconds", dimensions: [("destination", destination.name)], factory: factory
            )
            .record(destination.nextWindowOpening.map { Double($0) / 1000 } ?? 0)
            let age = destination.oldestQueuedAt.map { max(Double(now - $0) / 1000, 0) } ?? 0
            Gauge(label: "journeyq_queue_oldest_age_seconds", dimensions: [("destination", destination.name)], factory: factory).record(age)
        }
    }
}

extension JourneyMetrics {
    /// One webhook try, delivered or not.
    public func webhookTry(endpoint: String, delivered: Bool) {
        Counter(
            label: "journeyq_webhook_tries_total", dimensions: [("endpoint", endpoint), ("outcome", delivered ? "delivered" : "failed")],
            factory: factory
        ).increment()
    }

    /// Events an endpoint took.
    public func webhookDelivered(endpoint: String, events: Int) {
        Counter(label: "journeyq_webhook_events_delivered_total", dimensions: [("endpoint", endpoint)], factory: factory).increment(
            by: events)
    }

    /// Each endpoint's backlog, age and state, as the store holds them.
    public func webhooks(_ states: [WebhookState], now: Int64) {
        for state in states where state.retiredAt == nil {
            let labels = [("endpoint", state.endpoint)]
            Gauge(label: "journeyq_webhook_undelivered_events", dimensions: labels, factory: factory).record(state.undelivered)
            Gauge(label: "journeyq_webhook_oldest_undelivered_seconds", dimensions: labels, factory: factory)
                .record(Double(state.oldestUndeliveredAt.map { max(now - $0, 0) } ?? 0) / 1_000)
            Gauge(label: "journeyq_webhook_parked", dimensions: labels, factory: factory).record(state.parkedAt == nil ? 0 : 1)
            Gauge(label: "journeyq_webhook_failing", dimensions: labels, factory: factory).record(state.failingSince == nil ? 0 : 1)
        }
    }
}
