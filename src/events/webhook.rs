//! Webhook delivery from the outbox: one worker per (session, URL), reading its queue from the
//! store, so payloads wait on disk and a restart picks up where the last run stopped.
//!
//! A worker posts the oldest event of its queue until it is delivered or dead-lettered, then the
//! next: ordered, at-least-once. Network errors, timeouts, 408, 429 and 5xx are retried with
//! exponential backoff and jitter (Retry-After wins when given) until the event is older than
//! `WEBHOOK_MAX_AGE_S` or, when set, `WEBHOOK_MAX_RETRIES` retries failed. Any other answer
//! (4xx, or a redirect we do not follow) is the receiver's final refusal of that event: it is
//! dead-lettered and the queue moves on.
//!
//! Each delivery carries `webhook-id` (the event id, the same on every retry) and
//! `webhook-timestamp`; with `WEBHOOK_SECRET`, `webhook-signature` too (Standard Webhooks).
//! `x-api-key: <API_KEY>` is sent like wwebjs-api does unless `WEBHOOK_SEND_API_KEY=false`.
//! Redirects are followed only within the same origin, so the key never leaves it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dashmap::DashMap;
use serde::Serialize;
use tokio::sync::Notify;

use super::outbox::{Outbox, Pending, now_ms};
use super::settings::WebhookSettings;
use super::signing;
use crate::config::Config;

/// Events a worker reads from the store at once, and the payload bytes past the first.
const READ_AHEAD_ROWS: usize = 64;
const READ_AHEAD_BYTES: usize = 256 * 1024;
/// The most redirects followed (same origin only).
const MAX_REDIRECTS: usize = 5;

/// Per-session delivery counters since the daemon started (the queue figures come from the
/// store).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counters {
    pub delivered: u64,
    /// Attempts that failed (each retry counts).
    pub failed_attempts: u64,
    pub dead_lettered: u64,
    pub last_error: Option<LastError>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastError {
    pub url: String,
    pub event_id: String,
    pub error: String,
    /// When it happened (ms since the epoch).
    pub at: i64,
}

/// What the workers share.
struct Shared {
    config: Arc<Config>,
    client: reqwest::Client,
    outbox: Arc<Outbox>,
    /// Per-session settings set through the API (for their extra headers).
    settings: Arc<DashMap<String, WebhookSettings>>,
    counters: DashMap<String, Mutex<Counters>>,
    /// Cluster mode: true while this node may not be sure the outbox file is its own (its lease
    /// in Redis could not be renewed), as another node may then adopt what it holds.
    paused: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    fn count(&self, session: &str, update: impl FnOnce(&mut Counters)) {
        let entry = self.counters.entry(session.to_owned()).or_default();
        update(&mut entry.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

/// Owns the delivery workers.
pub struct WebhookDispatcher {
    shared: Arc<Shared>,
    workers: DashMap<(String, String), Arc<Notify>>,
    /// Deliveries dead-lettered and payloads dropped by the disk cap, since start.
    pub disk_cap_evictions: AtomicU64,
}

impl WebhookDispatcher {
    pub fn new(
        config: Arc<Config>,
        outbox: Arc<Outbox>,
        settings: Arc<DashMap<String, WebhookSettings>>,
    ) -> Self {
        // In cluster mode every delivery says which node ran the session.
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(node) = config
            .cluster
            .as_ref()
            .and_then(|c| reqwest::header::HeaderValue::from_str(&c.node_id).ok())
        {
            headers.insert("x-wagw-node", node);
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(config.webhook_timeout)
            .user_agent(concat!("wa-gateway/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects())
            .build()
            .expect("the HTTP client has a valid static configuration");
        WebhookDispatcher {
            shared: Arc::new(Shared {
                config,
                client,
                outbox,
                settings,
                counters: DashMap::new(),
                paused: tokio::sync::watch::Sender::new(false),
            }),
            workers: DashMap::new(),
            disk_cap_evictions: AtomicU64::new(0),
        }
    }

    /// Starts the workers of every queue with pending deliveries (boot, before any session is
    /// restored).
    pub fn resume_pending(&self) {
        match self.shared.outbox.pending_queues() {
            Ok(queues) => {
                if !queues.is_empty() {
                    tracing::info!(
                        queues = queues.len(),
                        "resuming webhook deliveries from the outbox"
                    );
                }
                for (session, url) in queues {
                    self.wake(&session, &url);
                }
            }
            Err(err) => tracing::error!(error = %err, "cannot read pending webhook queues"),
        }
    }

    /// Tells the worker of a queue that it has work, starting it if needed.
    pub fn wake(&self, session: &str, url: &str) {
        let key = (session.to_owned(), url.to_owned());
        let notify = self
            .workers
            .entry(key)
            .or_insert_with(|| {
                let notify = Arc::new(Notify::new());
                tokio::spawn(run_worker(
                    self.shared.clone(),
                    session.to_owned(),
                    url.to_owned(),
                    notify.clone(),
                ));
                notify
            })
            .clone();
        // notify_one keeps a permit when the worker is busy: no wake-up is lost.
        notify.notify_one();
    }

    /// Holds every delivery back (true) or lets them go on (false).
    pub fn pause(&self, paused: bool) {
        self.shared
            .paused
            .send_if_modified(|p| std::mem::replace(p, paused) != paused);
    }

    /// Delivery counters per session since start.
    pub fn counters(&self) -> HashMap<String, Counters> {
        self.shared
            .counters
            .iter()
            .map(|e| {
                (
                    e.key().clone(),
                    e.value().lock().unwrap_or_else(|p| p.into_inner()).clone(),
                )
            })
            .collect()
    }

    /// Waits until no delivery is pending, at most `deadline` (shutdown). What is left stays in
    /// the outbox for the next start.
    pub async fn flush(&self, deadline: Duration) {
        let waiting = async {
            while self.shared.outbox.pending_total().unwrap_or(0) > 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        if tokio::time::timeout(deadline, waiting).await.is_err() {
            tracing::warn!(
                left = self.shared.outbox.pending_total().unwrap_or(0),
                "shutdown deadline reached; undelivered webhooks stay in the outbox for the next start"
            );
        }
    }
}

/// Follows a redirect only to the same scheme, host and port as the webhook URL: `x-api-key`
/// and the signature headers must not reach another origin.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !same_origin || attempt.previous().len() > MAX_REDIRECTS {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

/// The result of one attempt.
enum Outcome {
    Delivered,
    /// Worth another try.
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
    /// The receiver's final answer for this event.
    Refused(String),
}

async fn run_worker(shared: Arc<Shared>, session: String, url: String, wake: Arc<Notify>) {
    let config = shared.config.clone();
    // Read-ahead of the queue's oldest events (small: at most READ_AHEAD_BYTES of payload).
    let mut ahead: std::collections::VecDeque<Pending> = Default::default();
    loop {
        if ahead.is_empty() {
            match shared
                .outbox
                .next_batch(&session, &url, READ_AHEAD_ROWS, READ_AHEAD_BYTES)
            {
                Ok(batch) if batch.is_empty() => {
                    wake.notified().await;
                    continue;
                }
                Ok(batch) => ahead.extend(batch),
                Err(err) => {
                    tracing::error!(session, url, error = %err, "cannot read the webhook queue");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        if *shared.paused.borrow() {
            // What was read ahead may have been adopted by another node meanwhile.
            ahead.clear();
            let mut paused = shared.paused.subscribe();
            let _ = paused.wait_for(|p| !*p).await;
            continue;
        }
        let pending = ahead.pop_front().expect("refilled above");
        let id = pending.id.clone();
        let outcome = attempt(&shared, &session, &url, &id, &pending).await;
        let stored = match outcome {
            Outcome::Delivered => {
                tracing::debug!(session, url, event = %id, data_type = %pending.data_type, "webhook delivered");
                shared.count(&session, |c| c.delivered += 1);
                shared.outbox.delivered(&session, &url, pending.seq)
            }
            Outcome::Refused(error) => give_up(
                &shared,
                &session,
                &url,
                &id,
                &pending,
                pending.attempts + 1,
                error,
            ),
            Outcome::Retry { error, retry_after } => {
                let attempts = pending.attempts + 1;
                let age = Duration::from_millis((now_ms() - pending.created_ms).max(0) as u64);
                shared.count(&session, |c| {
                    c.failed_attempts += 1;
                    c.last_error = Some(LastError {
                        url: url.clone(),
                        event_id: id.clone(),
                        error: error.clone(),
                        at: now_ms(),
                    })
                });
                if config.webhook_max_retries.is_some_and(|max| attempts > max) {
                    let why = format!("gave up after {} retries: {error}", attempts - 1);
                    give_up(&shared, &session, &url, &id, &pending, attempts, why)
                } else if age >= config.webhook_max_age {
                    let why = format!("older than WEBHOOK_MAX_AGE_S: {error}");
                    give_up(&shared, &session, &url, &id, &pending, attempts, why)
                } else {
                    let pause = retry_after.unwrap_or_else(|| {
                        backoff(
                            config.webhook_retry_base,
                            config.webhook_retry_max,
                            attempts,
                        )
                    });
                    tracing::warn!(session, url, event = %id, attempt = attempts, error, retry_in_ms = pause.as_millis() as u64, "webhook failed, will retry");
                    let stored =
                        shared
                            .outbox
                            .failed(&session, &url, pending.seq, attempts, &error);
                    tokio::time::sleep(pause).await;
                    // Read again: the same event comes first, with its attempts (or a replay).
                    ahead.clear();
                    stored
                }
            }
        };
        if let Err(err) = stored {
            tracing::error!(session, url, event = %id, error = %err, "cannot record a webhook outcome");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

fn give_up(
    shared: &Shared,
    session: &str,
    url: &str,
    id: &str,
    pending: &Pending,
    attempts: u32,
    error: String,
) -> Result<(), super::outbox::StoreError> {
    tracing::error!(session, url, event = %id, data_type = %pending.data_type, error, "webhook dead-lettered");
    shared.count(session, |c| {
        c.dead_lettered += 1;
        c.last_error = Some(LastError {
            url: url.to_owned(),
            event_id: id.to_owned(),
            error: error.clone(),
            at: now_ms(),
        })
    });
    shared
        .outbox
        .dead_letter(session, url, pending.seq, attempts, &error)
}

async fn attempt(
    shared: &Shared,
    session: &str,
    url: &str,
    id: &str,
    pending: &Pending,
) -> Outcome {
    let config = &shared.config;
    let timestamp = now_ms() / 1000;
    let mut request = shared
        .client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string());
    if let Some(key) = &config.webhook_secret {
        request = request.header(
            "webhook-signature",
            signing::signature(key, id, timestamp, &pending.body),
        );
    }
    if config.webhook_send_api_key
        && let Some(key) = &config.api_key
    {
        request = request.header("x-api-key", key);
    }
    if let Some(settings) = shared.settings.get(session)
        && settings.url == url
    {
        for (name, value) in &settings.headers {
            request = request.header(name, value);
        }
    }
    match request.body(pending.body.clone()).send().await {
        Err(err) => Outcome::Retry {
            error: error_chain(&err),
            retry_after: None,
        },
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                Outcome::Delivered
            } else if status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error() {
                Outcome::Retry {
                    error: format!("HTTP {status}"),
                    retry_after: retry_after(response.headers()),
                }
            } else if status.is_redirection() {
                let to = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("?");
                Outcome::Refused(format!(
                    "HTTP {status}: redirect to {to} not followed (another origin, or too many)"
                ))
            } else {
                Outcome::Refused(format!("HTTP {status}"))
            }
        }
    }
}

/// reqwest's top-level message ("error sending request") hides the cause; join the chain.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// Exponential backoff with "equal jitter": half the step is fixed, half random, so retries
/// of many queues after an outage do not arrive in lockstep.
fn backoff(base: Duration, max: Duration, attempts: u32) -> Duration {
    let step = base
        .saturating_mul(1u32 << attempts.saturating_sub(1).min(20))
        .min(max);
    let half = step / 2;
    half + half.mul_f64(jitter())
}

/// A number in [0, 1): std's randomly keyed hasher over a counter is plenty for jitter.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
    (n >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_max_with_jitter() {
        let base = Duration::from_millis(100);
        let max = Duration::from_millis(1000);
        for _ in 0..100 {
            let first = backoff(base, max, 1);
            assert!(first >= Duration::from_millis(50) && first <= base);
            let third = backoff(base, max, 3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = backoff(base, max, 40);
            assert!(late >= Duration::from_millis(500) && late <= max);
        }
    }

    #[test]
    fn retry_after_in_seconds_or_a_date() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        headers.insert(
            reqwest::header::RETRY_AFTER,
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
        headers.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
