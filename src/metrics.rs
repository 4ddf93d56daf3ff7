//! Prometheus metrics (the `prometheus` crate), rendered in its text format at `/metrics`.
//!
//! Counters and histograms are updated where things happen (bridge calls, HTTP requests,
//! restarts, recoveries, webhook deliveries); per-session gauges (state, Chromium memory,
//! WebSocket subscribers) are read from the live sessions at scrape time, so a session that is
//! gone is gone from the output too.
//!
//! Webhook metrics are fed by the four `webhook_*` functions below and nothing else, so the
//! delivery code can be rewired (e.g. to a durable outbox) by calling them from its new home.

use std::collections::{HashMap, VecDeque};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

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
    /// One scrape at a time: the per-session gauges are reset and refilled for each.
    render_lock: Mutex<()>,
    /// Enqueue times of the undelivered webhooks per session, oldest first (one URL per
    /// session, delivered in order, so the front is the oldest).
    webhook_pending: Mutex<HashMap<String, VecDeque<Instant>>>,
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
            "Webhook events accepted and not yet delivered or given up",
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
            "Webhook events delivered",
            &["session"],
        ),
        webhook_failures: counter(
            "wagw_webhook_failures_total",
            "Webhook events given up after every retry (or dropped on a full queue)",
            &["session"],
        ),
        webhook_pending: Mutex::new(HashMap::new()),
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

/// The text exposition of every metric, with the per-session gauges set from `sessions`.
pub fn render(sessions: &[SessionSample]) -> String {
    let m = &*METRICS;
    let _one_at_a_time = m.render_lock.lock().unwrap();
    m.sessions.reset();
    m.session_info.reset();
    m.chromium_memory.reset();
    m.ws_subscribers.reset();
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
    {
        let pending = m.webhook_pending.lock().unwrap();
        m.webhook_oldest.reset();
        for (session, queue) in pending.iter() {
            let age = queue.front().map_or(0.0, |t| t.elapsed().as_secs_f64());
            m.webhook_oldest
                .with_label_values(&[session.as_str()])
                .set(age);
        }
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

/// A webhook event was accepted for delivery.
pub fn webhook_queued(session: &str) {
    METRICS.webhook_queue.with_label_values(&[session]).inc();
    METRICS
        .webhook_pending
        .lock()
        .unwrap()
        .entry(session.to_owned())
        .or_default()
        .push_back(Instant::now());
}

/// A queued webhook event was delivered (`true`) or given up (`false`).
pub fn webhook_finished(session: &str, delivered: bool) {
    METRICS.webhook_queue.with_label_values(&[session]).dec();
    {
        let mut pending = METRICS.webhook_pending.lock().unwrap();
        if let Some(queue) = pending.get_mut(session) {
            queue.pop_front();
            if queue.is_empty() {
                pending.remove(session);
            }
        }
    }
    webhook_outcome(session, delivered);
}

/// A webhook event's final outcome when it never entered a queue (e.g. the queue was full).
pub fn webhook_outcome(session: &str, delivered: bool) {
    let counter = if delivered {
        &METRICS.webhook_deliveries
    } else {
        &METRICS.webhook_failures
    };
    counter.with_label_values(&[session]).inc();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_session_gauges_from_the_sample_only() {
        let text = render(&[
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
        ]);
        assert!(
            text.contains("wagw_sessions{state=\"CONNECTED\"} 1"),
            "{text}"
        );
        assert!(text.contains("wagw_session_info{session=\"b\",state=\"STARTING\"} 1"));
        assert!(text.contains("wagw_chromium_memory_bytes{session=\"a\"} 1024"));
        let text = render(&[]);
        assert!(
            !text.contains("session=\"a\""),
            "gone sessions leave: {text}"
        );
    }

    #[test]
    fn webhook_queue_depth_and_oldest_age() {
        webhook_queued("w");
        webhook_queued("w");
        webhook_finished("w", true);
        let text = render(&[]);
        assert!(
            text.contains("wagw_webhook_queue_depth{session=\"w\"} 1"),
            "{text}"
        );
        assert!(text.contains("wagw_webhook_oldest_pending_seconds{session=\"w\"}"));
        assert!(text.contains("wagw_webhook_deliveries_total{session=\"w\"} 1"));
        webhook_finished("w", false);
        let text = render(&[]);
        assert!(!text.contains("wagw_webhook_oldest_pending_seconds{session=\"w\"}"));
        assert!(text.contains("wagw_webhook_failures_total{session=\"w\"} 1"));
    }
}
