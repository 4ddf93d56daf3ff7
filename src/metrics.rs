//! Prometheus metrics (the `prometheus` crate), rendered in its text format at `/metrics`.
//!
//! Counters and histograms are updated where things happen (bridge calls, HTTP requests,
//! restarts, recoveries, webhook deliveries); per-session gauges (state, Chromium memory,
//! WebSocket subscribers) are read from the live sessions at scrape time, so a session that is
//! gone is gone from the output too.
//!
//! Webhook metrics are read at scrape time too, from the outbox's figures (queue depth, oldest
//! pending event, deliveries and failures since start): the store is the one source of truth.

use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

struct Metrics {
    registry: Registry,
    sessions: IntGaugeVec,
    session_info: IntGaugeVec,
    restarts: IntCounterVec,
    recoveries: IntCounterVec,
    chromium_memory: IntGaugeVec,
    bridge_calls: HistogramVec,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    ws_subscribers: IntGaugeVec,
    webhook_queue: IntGaugeVec,
    webhook_oldest: GaugeVec,
    webhook_deliveries: IntCounterVec,
    webhook_failures: IntCounterVec,
    webhook_dead_letters: IntGaugeVec,
    cluster_leases: IntCounterVec,
    cluster_forwarded: IntCounterVec,
    cluster_adopted: IntCounterVec,
    /// One scrape at a time: the per-session gauges are reset and refilled for each.
    render_lock: Mutex<()>,
}

/// Latency buckets from 5 ms to 60 s: bridge calls and HTTP requests span that whole range.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new();
    fn reg<C: prometheus::core::Collector + Clone + 'static>(registry: &Registry, c: C) -> C {
        registry
            .register(Box::new(c.clone()))
            .expect("metric names are unique");
        c
    }
    let gauge = |name: &str, help: &str, labels: &[&str]| {
        reg(
            &registry,
            IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric"),
        )
    };
    let counter = |name: &str, help: &str, labels: &[&str]| {
        reg(
            &registry,
            IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"),
        )
    };
    let histogram = |name: &str, help: &str, labels: &[&str]| {
        let opts = HistogramOpts::new(name, help).buckets(BUCKETS.to_vec());
        reg(
            &registry,
            HistogramVec::new(opts, labels).expect("valid metric"),
        )
    };
    Metrics {
        sessions: gauge(
            "wagw_sessions",
            "Sessions in memory by state (WhatsApp socket state, STARTING while launching, UNKNOWN before the page booted)",
            &["state"],
        ),
        session_info: gauge(
            "wagw_session_info",
            "1 per session in memory, with its state",
            &["session", "state"],
        ),
        restarts: counter(
            "wagw_session_restarts_total",
            "Restarts asked through /session/restart",
            &["session"],
        ),
        recoveries: counter(
            "wagw_watchdog_recoveries_total",
            "Watchdog recoveries: a reload of a hung or stuck page, or a relaunch of a dead browser",
            &["session", "action"],
        ),
        chromium_memory: gauge(
            "wagw_chromium_memory_bytes",
            "Memory (PSS, else RSS) of the session's Chromium process tree",
            &["session"],
        ),
        bridge_calls: histogram(
            "wagw_bridge_call_duration_seconds",
            "Bridge call latency per operation",
            &["operation", "outcome"],
        ),
        http_requests: counter(
            "wagw_http_requests_total",
            "HTTP requests by matched route, method and status",
            &["route", "method", "status"],
        ),
        http_duration: histogram(
            "wagw_http_request_duration_seconds",
            "HTTP request latency by matched route and method",
            &["route", "method"],
        ),
        ws_subscribers: gauge(
            "wagw_websocket_subscribers",
            "WebSocket subscribers per session",
            &["session"],
        ),
        webhook_queue: gauge(
            "wagw_webhook_queue_depth",
            "Webhook deliveries waiting in the outbox",
            &["session"],
        ),
        webhook_dead_letters: gauge(
            "wagw_webhook_dead_letters",
            "Webhook deliveries dead-lettered and not replayed",
            &["session"],
        ),
        webhook_oldest: reg(
            &registry,
            GaugeVec::new(
                Opts::new(
                    "wagw_webhook_oldest_pending_seconds",
                    "Age of the oldest undelivered webhook event",
                ),
                &["session"],
            )
            .expect("valid metric"),
        ),
        webhook_deliveries: counter(
            "wagw_webhook_deliveries_total",
            "Webhook events delivered since start",
            &["session"],
        ),
        webhook_failures: counter(
            "wagw_webhook_failures_total",
            "Failed webhook delivery attempts since start (each retry counts)",
            &["session"],
        ),
        cluster_leases: counter(
            "wagw_cluster_lease_events_total",
            "Cluster mode: session leases this node acquired, took over from a dead or drained node, released, or lost",
            &["event"],
        ),
        cluster_forwarded: counter(
            "wagw_cluster_forwarded_requests_total",
            "Cluster mode: requests this node passed to the node owning their session",
            &["kind"],
        ),
        cluster_adopted: counter(
            "wagw_cluster_outbox_adopted_total",
            "Cluster mode: events and webhook deliveries this node moved out of a stopped node's outbox to carry on with them",
            &["kind"],
        ),
        render_lock: Mutex::new(()),
        registry,
    }
});

/// A session as the scrape sees it.
pub struct SessionSample {
    pub id: String,
    /// Socket state, `STARTING` or `UNKNOWN`.
    pub state: String,
    pub memory_bytes: Option<u64>,
    pub ws_subscribers: usize,
}

/// One session's webhook figures, from the outbox.
#[derive(Default)]
pub struct WebhookSample {
    pub session: String,
    pub queue_depth: u64,
    pub oldest_pending: Option<Duration>,
    pub dead_letters: u64,
    pub delivered: u64,
    pub failed_attempts: u64,
}

/// The text exposition of every metric, with the per-session gauges set from `sessions` and
/// the webhook figures from `webhooks`.
pub fn render(sessions: &[SessionSample], webhooks: &[WebhookSample]) -> String {
    let m = &*METRICS;
    let _one_at_a_time = m.render_lock.lock().unwrap();
    m.sessions.reset();
    m.session_info.reset();
    m.chromium_memory.reset();
    m.ws_subscribers.reset();
    m.webhook_queue.reset();
    m.webhook_oldest.reset();
    m.webhook_dead_letters.reset();
    // Totals kept by the delivery workers since start: set, not counted here.
    m.webhook_deliveries.reset();
    m.webhook_failures.reset();
    for w in webhooks {
        let session = w.session.as_str();
        m.webhook_queue
            .with_label_values(&[session])
            .set(w.queue_depth as i64);
        m.webhook_dead_letters
            .with_label_values(&[session])
            .set(w.dead_letters as i64);
        if let Some(age) = w.oldest_pending {
            m.webhook_oldest
                .with_label_values(&[session])
                .set(age.as_secs_f64());
        }
        m.webhook_deliveries
            .with_label_values(&[session])
            .inc_by(w.delivered);
        m.webhook_failures
            .with_label_values(&[session])
            .inc_by(w.failed_attempts);
    }
    for s in sessions {
        m.sessions.with_label_values(&[s.state.as_str()]).inc();
        m.session_info
            .with_label_values(&[s.id.as_str(), s.state.as_str()])
            .set(1);
        if let Some(bytes) = s.memory_bytes {
            m.chromium_memory
                .with_label_values(&[s.id.as_str()])
                .set(bytes as i64);
        }
        m.ws_subscribers
            .with_label_values(&[s.id.as_str()])
            .set(s.ws_subscribers as i64);
    }
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut out)
        .expect("text encoding of gathered metrics");
    String::from_utf8(out).expect("the text format is UTF-8")
}

pub fn restarted(session: &str) {
    METRICS.restarts.with_label_values(&[session]).inc();
}

/// Cluster mode: a lease event (`acquired`, `takeover`, `released`, `lost`).
pub fn cluster_lease(event: &str) {
    METRICS.cluster_leases.with_label_values(&[event]).inc();
}

/// Cluster mode: a request (`http`) or WebSocket (`websocket`) passed to its session's owner.
pub fn cluster_forwarded(kind: &str) {
    METRICS.cluster_forwarded.with_label_values(&[kind]).inc();
}

/// Cluster mode: what was moved out of a stopped node's outbox (`events`, `deliveries`).
pub fn cluster_adopted(events: usize, deliveries: usize) {
    METRICS
        .cluster_adopted
        .with_label_values(&["events"])
        .inc_by(events as u64);
    METRICS
        .cluster_adopted
        .with_label_values(&["deliveries"])
        .inc_by(deliveries as u64);
}

/// The watchdog brought a session back: `action` is `reload` or `relaunch`.
pub fn recovered(session: &str, action: &str) {
    METRICS
        .recoveries
        .with_label_values(&[session, action])
        .inc();
}

pub fn bridge_call(operation: &str, outcome: &str, took: Duration) {
    METRICS
        .bridge_calls
        .with_label_values(&[operation, outcome])
        .observe(took.as_secs_f64());
}

pub fn http_request(route: &str, method: &str, status: u16, took: Duration) {
    let m = &*METRICS;
    m.http_requests
        .with_label_values(&[route, method, &status.to_string()])
        .inc();
    m.http_duration
        .with_label_values(&[route, method])
        .observe(took.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_session_gauges_from_the_sample_only() {
        let text = render(
            &[
                SessionSample {
                    id: "a".into(),
                    state: "CONNECTED".into(),
                    memory_bytes: Some(1024),
                    ws_subscribers: 2,
                },
                SessionSample {
                    id: "b".into(),
                    state: "STARTING".into(),
                    memory_bytes: None,
                    ws_subscribers: 0,
                },
            ],
            &[],
        );
        assert!(
            text.contains("wagw_sessions{state=\"CONNECTED\"} 1"),
            "{text}"
        );
        assert!(text.contains("wagw_session_info{session=\"b\",state=\"STARTING\"} 1"));
        assert!(text.contains("wagw_chromium_memory_bytes{session=\"a\"} 1024"));
        let text = render(&[], &[]);
        assert!(
            !text.contains("session=\"a\""),
            "gone sessions leave: {text}"
        );
    }

    #[test]
    fn webhook_figures_come_from_the_sample() {
        let text = render(
            &[],
            &[WebhookSample {
                session: "w".into(),
                queue_depth: 1,
                oldest_pending: Some(Duration::from_secs(3)),
                dead_letters: 2,
                delivered: 5,
                failed_attempts: 4,
            }],
        );
        assert!(
            text.contains("wagw_webhook_queue_depth{session=\"w\"} 1"),
            "{text}"
        );
        assert!(text.contains("wagw_webhook_oldest_pending_seconds{session=\"w\"} 3"));
        assert!(text.contains("wagw_webhook_dead_letters{session=\"w\"} 2"));
        assert!(text.contains("wagw_webhook_deliveries_total{session=\"w\"} 5"));
        assert!(text.contains("wagw_webhook_failures_total{session=\"w\"} 4"));
        let text = render(&[], &[]);
        assert!(!text.contains("session=\"w\""), "{text}");
    }
}
