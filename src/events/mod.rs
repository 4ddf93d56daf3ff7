//! Events: what a session reports (qr, ready, message, ...) and their fan-out.
//!
//! An [`Event`] has the wire shape of wwebjs-api's callbacks: `{dataType, data, sessionId}`,
//! `data` omitted when absent. [`EventBus::publish`] applies `DISABLED_CALLBACKS`, then hands the
//! event to the durable outbox ([`outbox`], SQLite under SESSIONS_PATH) before it returns, then
//! wakes the webhook workers (a queue per session and URL, read from the store, so a slow
//! receiver delays only its own deliveries and nothing waits in RAM) and sends the event to the
//! WebSocket hub (a broadcast per session, resumable from the store).

pub mod outbox;
pub mod settings;
pub mod signing;
pub mod webhook;
pub mod websocket;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use serde::Serialize;
use serde_json::Value;

use crate::config::Config;
use outbox::{Outbox, StoreResult};
use settings::WebhookSettings;

/// One callback, serialised exactly as wwebjs-api posts it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Event {
    #[serde(rename = "dataType")]
    pub data_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(rename = "sessionId")]
    pub session_id: String,
}

impl Event {
    pub fn new(session_id: &str, data_type: &str, data: Option<Value>) -> Self {
        Event {
            data_type: data_type.to_owned(),
            data,
            session_id: session_id.to_owned(),
        }
    }
}

/// Where a session's webhook comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookSource {
    /// Set through the API (`PUT /session/webhook/{id}`).
    Api,
    /// `<ID>_WEBHOOK_URL` or `BASE_WEBHOOK_URL`.
    Env,
    None,
}

/// Webhook figures of one session: what `GET /session/webhookStatus/{id}` shows and what a
/// metrics endpoint reads through [`EventBus::webhook_stats`].
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookStats {
    pub session_id: String,
    /// Deliveries waiting (all URLs of the session).
    pub queue_depth: u64,
    /// Age of the oldest waiting event, in ms.
    pub oldest_pending_age_ms: Option<u64>,
    pub dead_letters: u64,
    /// Since the daemon started.
    #[serde(flatten)]
    pub counters: webhook::Counters,
}

/// Fan-out of events to webhooks (through the durable outbox) and WebSockets.
pub struct EventBus {
    config: Arc<Config>,
    outbox: Arc<Outbox>,
    settings: Arc<DashMap<String, WebhookSettings>>,
    webhooks: webhook::WebhookDispatcher,
    sockets: websocket::WebSocketHub,
    /// Payload bytes in the outbox, as last counted plus what was appended since.
    stored_bytes: AtomicU64,
}

impl EventBus {
    /// Opens the outbox under SESSIONS_PATH and starts the workers of what is still pending.
    /// Needs a Tokio runtime.
    pub fn new(config: Arc<Config>) -> StoreResult<Self> {
        let node = config.cluster.as_ref().map(|c| c.node_id.as_str());
        let outbox = Arc::new(Outbox::open_for(&config.outbox_dir(), node)?);
        let settings: Arc<DashMap<String, WebhookSettings>> = Arc::default();
        // In cluster mode the settings live in Redis and are loaded with each session's lease.
        let stored_settings = match node {
            None => outbox.all_settings()?,
            Some(_) => Vec::new(),
        };
        for (session, json) in stored_settings {
            match serde_json::from_str(&json) {
                Ok(parsed) => {
                    settings.insert(session, parsed);
                }
                Err(err) => {
                    tracing::error!(session, error = %err, "unreadable stored webhook settings, ignored")
                }
            }
        }
        let pruned = outbox.prune(config.webhook_max_age.as_millis() as i64)?;
        if pruned > 0 {
            tracing::info!(pruned, "old delivered events removed from the outbox");
        }
        let bus = EventBus {
            webhooks: webhook::WebhookDispatcher::new(
                config.clone(),
                outbox.clone(),
                settings.clone(),
            ),
            sockets: websocket::WebSocketHub::default(),
            stored_bytes: AtomicU64::new(outbox.stored_bytes()?),
            outbox,
            settings,
            config,
        };
        bus.webhooks.resume_pending();
        if bus.stored_bytes.load(Ordering::Relaxed) > bus.config.webhook_max_disk_bytes {
            bus.enforce_disk_cap();
        }
        Ok(bus)
    }

    /// Stores an event (unless disabled), then wakes its webhook queues and sends it to the
    /// session's WebSocket subscribers. The event is on disk when this returns. False when it
    /// went nowhere: disabled, nothing takes events, or a message raised before.
    pub fn publish(&self, event: Event) -> bool {
        if !self.config.callback_enabled(&event.data_type) {
            return false;
        }
        let urls: Vec<String> = self
            .webhook_url(&event.session_id, &event.data_type)
            .into_iter()
            .collect();
        if urls.is_empty() && !self.config.enable_websocket {
            return false;
        }
        let body = serde_json::to_vec(&event).expect("events serialise");
        // A message's event id derives from its WhatsApp id: raised twice, it is stored once.
        let derived_id = (event.data_type == "message")
            .then(|| {
                event.data.as_ref()?["message"]["id"]["_serialized"]
                    .as_str()
                    .map(|id| outbox::message_event_id(&event.session_id, id))
            })
            .flatten();
        let (seq, id) = match self.outbox.append(
            &event.session_id,
            &event.data_type,
            derived_id.as_deref(),
            &body,
            &urls,
        ) {
            Ok(Some(seq)) => (
                seq,
                derived_id.unwrap_or_else(|| self.outbox.id_of_seq(seq)),
            ),
            Ok(None) => {
                tracing::debug!(session = %event.session_id, "message event already raised, not again");
                return false;
            }
            Err(err) => {
                tracing::error!(session = %event.session_id, data_type = %event.data_type, error = %err,
                    "event could not be stored; its webhook is lost");
                (0, String::new())
            }
        };
        for url in &urls {
            self.webhooks.wake(&event.session_id, url);
        }
        if self.config.enable_websocket {
            self.sockets
                .send(&event.session_id, seq, &id, body.as_slice());
        }
        let held = self
            .stored_bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed)
            + body.len() as u64;
        if held > self.config.webhook_max_disk_bytes {
            self.enforce_disk_cap();
        }
        true
    }

    /// Where an event of a session goes: the API setting (if it wants that dataType), else the
    /// env's URL.
    fn webhook_url(&self, session_id: &str, data_type: &str) -> Option<String> {
        match self.settings.get(session_id) {
            Some(setting) => setting.wants(data_type).then(|| setting.url.clone()),
            None => self.config.webhook_url_for(session_id),
        }
    }

    /// Dead-letters the oldest events while the outbox holds more than WEBHOOK_MAX_DISK_MB,
    /// down to 90% of it, so a full outbox does not pay for an eviction on every event.
    fn enforce_disk_cap(&self) {
        let cap = self.config.webhook_max_disk_bytes;
        match self.outbox.enforce_cap(cap - cap / 10) {
            Ok(eviction) => {
                let lost = eviction.dead_lettered + eviction.payloads_dropped;
                if lost > 0 {
                    self.webhooks
                        .disk_cap_evictions
                        .fetch_add(lost, Ordering::Relaxed);
                    tracing::error!(
                        dead_lettered = eviction.dead_lettered,
                        payloads_dropped = eviction.payloads_dropped,
                        cap_mb = cap / (1024 * 1024),
                        "WEBHOOK_MAX_DISK_MB reached: the oldest events were dead-lettered and their payloads dropped"
                    );
                } else if eviction.delivered_dropped > 0 {
                    tracing::info!(
                        dropped = eviction.delivered_dropped,
                        "WEBHOOK_MAX_DISK_MB reached: delivered events left the resume window early"
                    );
                }
            }
            Err(err) => tracing::error!(error = %err, "cannot enforce WEBHOOK_MAX_DISK_MB"),
        }
        if let Ok(held) = self.outbox.stored_bytes() {
            self.stored_bytes.store(held, Ordering::Relaxed);
        }
    }

    /// Drops delivered events older than WEBHOOK_MAX_AGE_S (run now and then).
    pub fn prune(&self) {
        match self
            .outbox
            .prune(self.config.webhook_max_age.as_millis() as i64)
        {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "old delivered events removed from the outbox"),
            Err(err) => tracing::warn!(error = %err, "cannot prune the outbox"),
        }
        if let Ok(held) = self.outbox.stored_bytes() {
            self.stored_bytes.store(held, Ordering::Relaxed);
        }
    }

    /// The seq of an event id (`evt_<n>`, or a stored derived id).
    pub fn seq_of_event(&self, id: &str) -> StoreResult<Option<i64>> {
        if !outbox::is_event_id(id) {
            return Ok(None);
        }
        self.outbox.seq_of(id)
    }

    /// The crash window: the unix time from which a restored session's incoming messages must
    /// be compared with the store (the newest stored `message` event's timestamp), or `None`
    /// when the store holds no message of that session to compare with.
    pub fn missed_messages_since(&self, session_id: &str) -> Option<i64> {
        if !self.config.callback_enabled("message") {
            return None;
        }
        self.outbox
            .last_message_timestamp(session_id)
            .unwrap_or_else(|err| {
                tracing::warn!(session = session_id, error = %err, "cannot read the last stored message");
                None
            })
    }

    /// The WebSocket hub (subscriptions for `/ws/{sessionId}`).
    pub fn sockets(&self) -> &websocket::WebSocketHub {
        &self.sockets
    }

    /// The store (dead letters, resume).
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The session's webhook as it applies now, and where it comes from.
    pub fn webhook_settings(&self, session_id: &str) -> (WebhookSource, Option<WebhookSettings>) {
        self.describe_webhook(session_id, self.api_webhook(session_id))
    }

    /// The session's webhook given its API settings (`api`), else the environment's.
    pub fn describe_webhook(
        &self,
        session_id: &str,
        api: Option<WebhookSettings>,
    ) -> (WebhookSource, Option<WebhookSettings>) {
        if let Some(setting) = api {
            return (WebhookSource::Api, Some(setting));
        }
        match self.config.webhook_url_for(session_id) {
            Some(url) => (
                WebhookSource::Env,
                Some(WebhookSettings {
                    url,
                    headers: Default::default(),
                    data_types: vec![],
                }),
            ),
            None => (WebhookSource::None, None),
        }
    }

    /// Sets a session's webhook (validated by the caller) and persists it (in cluster mode the
    /// caller has stored it in Redis).
    pub fn set_webhook(&self, session_id: &str, settings: WebhookSettings) -> StoreResult<()> {
        if self.config.cluster.is_none() {
            let json = serde_json::to_string(&settings).expect("settings serialise");
            self.outbox.save_settings(session_id, &json)?;
        }
        self.settings.insert(session_id.to_owned(), settings);
        Ok(())
    }

    /// Clears a session's API webhook; the env's applies again. `false` when none was set.
    pub fn clear_webhook(&self, session_id: &str) -> StoreResult<bool> {
        let mut cleared = self.settings.remove(session_id).is_some();
        if self.config.cluster.is_none() {
            cleared = self.outbox.clear_settings(session_id)?;
        }
        Ok(cleared)
    }

    /// Cluster mode: the session's API webhook as Redis holds it, applied here (its lease was
    /// just taken).
    pub fn apply_webhook(&self, session_id: &str, settings: Option<WebhookSettings>) {
        match settings {
            Some(settings) => self.settings.insert(session_id.to_owned(), settings),
            None => self.settings.remove(session_id).map(|(_, s)| s),
        };
    }

    /// The session's webhook set through the API, as this node applies it.
    pub fn api_webhook(&self, session_id: &str) -> Option<WebhookSettings> {
        self.settings.get(session_id).map(|s| s.clone())
    }

    /// Cluster mode: moves a session's events and queues out of a stopped node's outbox file
    /// into this node's, and starts delivering them here.
    pub fn adopt_session(
        &self,
        file: &std::path::Path,
        node: &str,
        session_id: &str,
    ) -> StoreResult<outbox::Adopted> {
        let adopted = self.outbox.adopt_session(file, node, session_id)?;
        for url in &adopted.urls {
            self.webhooks.wake(session_id, url);
        }
        if adopted.events > 0
            && let Ok(held) = self.outbox.stored_bytes()
        {
            self.stored_bytes.store(held, Ordering::Relaxed);
        }
        Ok(adopted)
    }

    /// Cluster mode: holds every webhook delivery back while this node's claim on its outbox
    /// file is in doubt.
    pub fn pause_deliveries(&self, paused: bool) {
        self.webhooks.pause(paused);
    }

    /// Puts dead letters back in their queues (all, or from `from_seq` on); returns how many.
    pub fn replay_dead_letters(
        &self,
        session_id: &str,
        from_seq: Option<i64>,
    ) -> StoreResult<usize> {
        let (urls, count) = self.outbox.replay(session_id, from_seq)?;
        for url in urls {
            self.webhooks.wake(session_id, &url);
        }
        Ok(count)
    }

    /// Webhook figures of every session that has or had deliveries.
    pub fn webhook_stats(&self) -> Vec<WebhookStats> {
        let now = outbox::now_ms();
        let mut counters = self.webhooks.counters();
        let mut stats: Vec<WebhookStats> = self
            .outbox
            .figures()
            .unwrap_or_else(|err| {
                tracing::warn!(error = %err, "cannot read webhook queue figures");
                Vec::new()
            })
            .into_iter()
            .map(|(session_id, figures)| WebhookStats {
                counters: counters.remove(&session_id).unwrap_or_default(),
                queue_depth: figures.pending,
                oldest_pending_age_ms: figures.oldest_pending_ms.map(|t| (now - t).max(0) as u64),
                dead_letters: figures.dead_letters,
                session_id,
            })
            .collect();
        stats.extend(
            counters
                .into_iter()
                .map(|(session_id, counters)| WebhookStats {
                    session_id,
                    counters,
                    ..Default::default()
                }),
        );
        stats.sort_by(|a, b| a.session_id.cmp(&b.session_id));
        stats
    }

    /// One session's webhook figures (zeros when it has none).
    pub fn webhook_stats_of(&self, session_id: &str) -> WebhookStats {
        self.webhook_stats()
            .into_iter()
            .find(|s| s.session_id == session_id)
            .unwrap_or_else(|| WebhookStats {
                session_id: session_id.to_owned(),
                ..Default::default()
            })
    }

    /// Deliveries dead-lettered or payloads dropped by WEBHOOK_MAX_DISK_MB since start.
    pub fn disk_cap_evictions(&self) -> u64 {
        self.webhooks.disk_cap_evictions.load(Ordering::Relaxed)
    }

    /// Closes a session's WebSocket subscribers (stop / terminate), as wwebjs-api does. Its
    /// webhook queues keep delivering what is stored.
    pub fn close_session(&self, session_id: &str) {
        self.sockets.close(session_id);
    }

    /// Waits until pending webhooks are delivered or the deadline passes (shutdown); what is
    /// left goes out after the next start.
    pub async fn flush(&self, deadline: Duration) {
        self.webhooks.flush(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use std::time::Instant;

    /// A loopback receiver answering with `status` (and `extra` headers), recording arrivals.
    async fn receiver(
        status: u16,
        extra: &'static [(&'static str, &'static str)],
    ) -> (String, Arc<Mutex<Vec<(Instant, Value)>>>) {
        let seen: Arc<Mutex<Vec<(Instant, Value)>>> = Arc::default();
        let log = seen.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |body: axum::body::Bytes| {
                let log = log.clone();
                async move {
                    log.lock().unwrap().push((
                        Instant::now(),
                        serde_json::from_slice(&body).unwrap_or(Value::Null),
                    ));
                    let mut headers = axum::http::HeaderMap::new();
                    for (k, v) in extra {
                        headers.insert(*k, v.parse().unwrap());
                    }
                    (axum::http::StatusCode::from_u16(status).unwrap(), headers)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, seen)
    }

    fn test_bus(url: &str, extra: &[(&str, &str)]) -> (EventBus, std::path::PathBuf) {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "wagw-bus-unit-{}-{}-{}",
            std::process::id(),
            outbox::now_ms(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let mut vars: HashMap<String, String> = HashMap::from([
            ("SESSIONS_PATH".into(), dir.display().to_string()),
            ("BASE_WEBHOOK_URL".into(), url.into()),
            ("WEBHOOK_RETRY_BASE_MS".into(), "10".into()),
            ("WEBHOOK_RETRY_MAX_MS".into(), "20".into()),
        ]);
        for (k, v) in extra {
            vars.insert((*k).into(), (*v).into());
        }
        let config = Arc::new(Config::from_map(&vars).unwrap());
        (EventBus::new(config).unwrap(), dir)
    }

    async fn until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(v) = check() {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn held_back_deliveries_wait_and_an_adopted_queue_goes_out_from_here() {
        let (url, seen) = receiver(200, &[]).await;
        let (bus, dir) = test_bus(&url, &[]);
        bus.pause_deliveries(true);
        bus.publish(Event::new("s1", "ready", None));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(seen.lock().unwrap().is_empty(), "held back while paused");
        bus.pause_deliveries(false);
        until("the held delivery", || {
            (seen.lock().unwrap().len() == 1).then_some(())
        })
        .await;
        // A gone node's queue of session s2 moves in and is delivered from here.
        let gone_dir = dir.join("outbox-gone");
        let gone = Outbox::open_for(&gone_dir, Some("gone")).unwrap();
        let body = br#"{"dataType":"message_ack","sessionId":"s2"}"#;
        gone.append("s2", "message_ack", None, body, std::slice::from_ref(&url))
            .unwrap();
        drop(gone);
        let adopted = bus
            .adopt_session(&gone_dir.join(outbox::FILE_NAME), "gone", "s2")
            .unwrap();
        assert_eq!((adopted.events, adopted.deliveries), (1, 1));
        let delivered = until("the adopted delivery", || {
            seen.lock().unwrap().get(1).map(|(_, b)| b.clone())
        })
        .await;
        assert_eq!(delivered["sessionId"], "s2");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn max_retries_caps_retrying_into_a_dead_letter() {
        let (url, seen) = receiver(503, &[]).await;
        let (bus, dir) = test_bus(&url, &[("WEBHOOK_MAX_RETRIES", "2")]);
        bus.publish(Event::new("s1", "message", Some(json!({"n": 1}))));
        let letters = until("a dead letter", || {
            let l = bus.outbox().dead_letters("s1", 10).unwrap();
            (!l.is_empty()).then_some(l)
        })
        .await;
        assert_eq!(
            seen.lock().unwrap().len(),
            3,
            "the first attempt and 2 retries"
        );
        assert_eq!(letters[0].attempts, 3);
        assert!(
            letters[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("gave up after 2 retries")
        );
        let stats = bus.webhook_stats_of("s1");
        assert_eq!((stats.queue_depth, stats.dead_letters), (0, 1));
        assert_eq!(stats.counters.failed_attempts, 3);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn retrying_stops_at_max_age_and_4xx_is_final() {
        let (url, seen) = receiver(500, &[]).await;
        let (bus, dir) = test_bus(&url, &[("WEBHOOK_MAX_AGE_S", "1")]);
        bus.publish(Event::new("s1", "message", Some(json!({"n": 1}))));
        let letters = until("a dead letter", || {
            let l = bus.outbox().dead_letters("s1", 10).unwrap();
            (!l.is_empty()).then_some(l)
        })
        .await;
        assert!(seen.lock().unwrap().len() > 2, "retried until then");
        assert!(
            letters[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("older than WEBHOOK_MAX_AGE_S")
        );
        let _ = std::fs::remove_dir_all(dir);

        let (url, seen) = receiver(404, &[]).await;
        let (refusing, dir) = test_bus(&url, &[]);
        refusing.publish(Event::new("s1", "qr", Some(json!({"qr": "x"}))));
        refusing.publish(Event::new("s1", "qr", Some(json!({"qr": "y"}))));
        until("both refused", || {
            (seen.lock().unwrap().len() >= 2).then_some(())
        })
        .await;
        let letters = until("two dead letters", || {
            let l = refusing.outbox().dead_letters("s1", 10).unwrap();
            (l.len() == 2).then_some(l)
        })
        .await;
        assert_eq!(seen.lock().unwrap().len(), 2, "no retry of a 404");
        assert_eq!(letters[0].attempts, 1);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn retry_after_is_honoured_on_429() {
        let (url, seen) = receiver(429, &[("retry-after", "1")]).await;
        let (bus, dir) = test_bus(&url, &[("WEBHOOK_MAX_RETRIES", "1")]);
        bus.publish(Event::new("s1", "qr", Some(json!({"qr": "x"}))));
        until("two attempts", || {
            (seen.lock().unwrap().len() >= 2).then_some(())
        })
        .await;
        let seen = seen.lock().unwrap();
        let gap = seen[1].0 - seen[0].0;
        assert!(
            gap >= Duration::from_millis(950),
            "waited {gap:?}, not the backoff's 10 ms"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn disk_cap_dead_letters_the_oldest_and_counts_it() {
        // Nothing listens there: every event stays pending.
        let dead = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/hook", probe.local_addr().unwrap())
        };
        let (bus, dir) = test_bus(&dead, &[("WEBHOOK_MAX_DISK_MB", "1")]);
        let big = "x".repeat(400 * 1024);
        for n in 0..4 {
            bus.publish(Event::new(
                "s1",
                "media",
                Some(json!({"n": n, "data": big})),
            ));
        }
        assert!(bus.disk_cap_evictions() >= 1);
        assert!(bus.outbox().stored_bytes().unwrap() <= 1024 * 1024);
        let letters = bus.outbox().dead_letters("s1", 10).unwrap();
        assert_eq!(
            letters[0].event_id,
            outbox::event_id(1),
            "the oldest went first"
        );
        assert!(letters[0].event.is_none(), "its payload is dropped");
        assert!(
            letters[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("WEBHOOK_MAX_DISK_MB")
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn wire_shape_matches_wwebjs_api() {
        let e = Event::new("s1", "qr", Some(json!({"qr": "abc"})));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"dataType":"qr","data":{"qr":"abc"},"sessionId":"s1"}"#
        );
        let e = Event::new("s1", "ready", None);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"dataType":"ready","sessionId":"s1"}"#
        );
    }
}
