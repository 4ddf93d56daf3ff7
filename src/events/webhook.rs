//! Webhook delivery: one bounded queue and one worker per (session, URL).
//!
//! Each worker posts its events one at a time, in order, with a timeout per attempt and
//! exponential backoff between retries, so a receiver that is down for a while still gets every
//! event once it is back, in the order they happened, and a slow or dead receiver only delays
//! its own queue. Like wwebjs-api, the request carries `x-api-key: <API_KEY>` when a key is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use tokio::sync::mpsc;

use super::Event;
use crate::config::Config;

/// Events waiting per queue before new ones are dropped (with an error log).
const QUEUE_CAPACITY: usize = 10_000;
/// Longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

struct Queue {
    sender: mpsc::Sender<Arc<Event>>,
}

/// Owns the per-(session, URL) queues and their workers.
pub struct WebhookDispatcher {
    config: Arc<Config>,
    client: reqwest::Client,
    queues: DashMap<(String, String), Queue>,
    /// Events accepted but not yet delivered or given up on, across all queues.
    pending: Arc<AtomicUsize>,
}

impl WebhookDispatcher {
    pub fn new(config: Arc<Config>) -> Self {
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
            .build()
            .expect("the HTTP client has a valid static configuration");
        WebhookDispatcher {
            config,
            client,
            queues: DashMap::new(),
            pending: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Queues an event for `url`; never waits.
    pub fn enqueue(&self, url: &str, event: Arc<Event>) {
        let key = (event.session_id.clone(), url.to_owned());
        let queue = self
            .queues
            .entry(key)
            .or_insert_with(|| self.spawn_worker(url));
        self.pending.fetch_add(1, Ordering::SeqCst);
        // Counted before the send, so the worker cannot finish it before it was counted.
        crate::metrics::webhook_queued(&event.session_id);
        if let Err(err) = queue.sender.try_send(event) {
            self.pending.fetch_sub(1, Ordering::SeqCst);
            let session = &err.into_inner().session_id;
            crate::metrics::webhook_finished(session, false);
            tracing::error!(url, session = %session, "webhook queue full, event dropped");
        }
    }

    fn spawn_worker(&self, url: &str) -> Queue {
        let (sender, mut receiver) = mpsc::channel::<Arc<Event>>(QUEUE_CAPACITY);
        let client = self.client.clone();
        let api_key = self.config.api_key.clone();
        let max_retries = self.config.webhook_max_retries;
        let pending = self.pending.clone();
        let url = url.to_owned();
        tokio::spawn(async move {
            while let Some(event) = receiver.recv().await {
                let delivered =
                    deliver(&client, &url, api_key.as_deref(), &event, max_retries).await;
                crate::metrics::webhook_finished(&event.session_id, delivered);
                pending.fetch_sub(1, Ordering::SeqCst);
            }
        });
        Queue { sender }
    }

    /// Drops a session's queues; their workers deliver what is queued, then end.
    pub fn forget_session(&self, session_id: &str) {
        self.queues.retain(|(session, _), _| session != session_id);
    }

    /// Waits until every queued event is delivered (or given up), at most `deadline`.
    pub async fn flush(&self, deadline: Duration) {
        let waiting = async {
            while self.pending.load(Ordering::SeqCst) > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        if tokio::time::timeout(deadline, waiting).await.is_err() {
            tracing::warn!(
                left = self.pending.load(Ordering::SeqCst),
                "shutdown deadline reached with webhooks undelivered"
            );
        }
    }
}

/// Posts one event, retrying with backoff on network errors and non-2xx answers; `false` when
/// it was given up.
async fn deliver(
    client: &reqwest::Client,
    url: &str,
    api_key: Option<&str>,
    event: &Event,
    max_retries: u32,
) -> bool {
    let mut backoff = Duration::from_millis(250);
    for attempt in 0..=max_retries {
        let mut request = client.post(url).json(event);
        if let Some(key) = api_key {
            request = request.header("x-api-key", key);
        }
        match request.send().await {
            Ok(resp) if resp.status().is_success() => {
                tracing::debug!(url, session = %event.session_id, data_type = %event.data_type, "webhook delivered");
                return true;
            }
            Ok(resp) => {
                tracing::warn!(url, status = %resp.status(), attempt, data_type = %event.data_type, "webhook refused")
            }
            Err(err) => {
                tracing::warn!(url, error = %err, attempt, data_type = %event.data_type, "webhook failed")
            }
        }
        if attempt < max_retries {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
    tracing::error!(url, session = %event.session_id, data_type = %event.data_type, "webhook given up after retries");
    false
}
