//! The durable outbox (issue 8): events survive SIGKILL and SIGTERM while the receiver is down
//! and arrive in order with stable ids; a refused event is dead-lettered, the rest flow, and a
//! replay delivers it; Standard Webhooks signatures checked with an independent HMAC (ring);
//! the API key never crosses to another origin on a redirect; per-session webhooks set by API
//! survive a restart and filter dataTypes; WebSocket resume from the last event id.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::support::*;

const ME: &str = "15550008001";
const FRIEND: &str = "15550008002";
/// `whsec_` + base64 of "outbox-test-secret-key".
const SECRET: &str = "whsec_b3V0Ym94LXRlc3Qtc2VjcmV0LWtleQ==";

// ---- a receiver that can be down, refuse chosen events, redirect, and keeps raw bodies -------

#[derive(Clone, Debug)]
struct Delivery {
    headers: HashMap<String, String>,
    raw: Vec<u8>,
    body: Value,
    /// The status it was answered with.
    status: u16,
    at: std::time::Instant,
}

type Script = Arc<dyn Fn(&Value) -> u16 + Send + Sync>;

#[derive(Clone)]
struct Receiver {
    url: String,
    base: String,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    script: Arc<Mutex<Script>>,
    /// Where `/redirect-away` points.
    away: Arc<Mutex<String>>,
    arrived: Arc<Notify>,
    port: u16,
}

impl Receiver {
    /// A receiver whose port is chosen but that does not listen yet (connections are refused).
    fn down() -> Self {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        drop(probe);
        let base = format!("http://127.0.0.1:{port}");
        Receiver {
            url: format!("{base}/hook"),
            base,
            deliveries: Arc::default(),
            script: Arc::new(Mutex::new(Arc::new(|_: &Value| 200))),
            away: Arc::default(),
            arrived: Arc::new(Notify::new()),
            port,
        }
    }

    async fn up(&self) {
        let app = Router::new()
            .route("/hook", post(record))
            .route("/redirect-same", post(redirect_same))
            .route("/redirect-away", post(redirect_away))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("the reserved port is free again");
        tokio::spawn(async move { axum::serve(listener, app).await });
    }

    async fn start() -> Self {
        let receiver = Receiver::down();
        receiver.up().await;
        receiver
    }

    fn script(&self, script: impl Fn(&Value) -> u16 + Send + Sync + 'static) {
        *self.script.lock().unwrap() = Arc::new(script);
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    fn accepted(&self) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(|d| d.status == 200)
            .collect()
    }

    /// Waits until `check` over the deliveries so far gives a value.
    async fn until<T>(&self, what: &str, check: impl Fn(&[Delivery]) -> Option<T>) -> T {
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        loop {
            let notified = self.arrived.notified();
            if let Some(found) = check(&self.deliveries()) {
                return found;
            }
            let left = deadline
                .checked_duration_since(std::time::Instant::now())
                .unwrap_or_else(|| {
                    panic!(
                        "timed out waiting for {what}; got {:?}",
                        self.deliveries()
                            .iter()
                            .map(|d| (d.body["dataType"].clone(), d.status))
                            .collect::<Vec<_>>()
                    )
                });
            let _ = tokio::time::timeout(left.min(Duration::from_secs(1)), notified).await;
        }
    }
}

async fn record(State(r): State<Receiver>, headers: HeaderMap, raw: Bytes) -> StatusCode {
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let script = r.script.lock().unwrap().clone();
    let status = script(&body);
    let headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    r.deliveries.lock().unwrap().push(Delivery {
        headers,
        raw: raw.to_vec(),
        body,
        status,
        at: std::time::Instant::now(),
    });
    r.arrived.notify_waiters();
    StatusCode::from_u16(status).unwrap()
}

async fn redirect_same(State(r): State<Receiver>) -> Response {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, format!("{}/hook", r.base))],
    )
        .into_response()
}

async fn redirect_away(State(r): State<Receiver>) -> Response {
    let to = r.away.lock().unwrap().clone();
    (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response()
}

fn message_body(d: &Delivery) -> Option<&str> {
    (d.body["dataType"] == "message")
        .then(|| d.body["data"]["message"]["body"].as_str())
        .flatten()
}

/// Kills the Chromium processes a SIGKILLed daemon left on `dir`, as a container or systemd
/// unit teardown would; a second browser on the same profile is refused.
fn kill_orphan_chromium(dir: &Path) -> usize {
    let needle = dir.display().to_string();
    let mut killed = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&raw).replace('\0', " ");
        if cmd.contains("chrom") && cmd.contains(&needle) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &name])
                .status();
            killed += 1;
        }
    }
    killed
}

/// The Standard Webhooks check, written from the spec with ring's HMAC (not our signer).
fn verify_standard_webhook(secret: &str, d: &Delivery) -> Result<(), String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let id = d.headers.get("webhook-id").ok_or("no webhook-id")?;
    let ts = d
        .headers
        .get("webhook-timestamp")
        .ok_or("no webhook-timestamp")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ts_n: i64 = ts.parse().map_err(|_| "timestamp not a number")?;
    if (now - ts_n).abs() > 300 {
        return Err(format!("timestamp {ts} too far from now {now}"));
    }
    let mut signed = format!("{id}.{ts}.").into_bytes();
    signed.extend_from_slice(&d.raw);
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key),
        &signed,
    );
    let expected = format!("v1,{}", STANDARD.encode(tag.as_ref()));
    let given = d
        .headers
        .get("webhook-signature")
        .ok_or("no webhook-signature")?;
    // The header may carry several space-separated signatures.
    if given.split(' ').any(|s| s == expected) {
        Ok(())
    } else {
        Err(format!("signature {given} is not {expected}"))
    }
}

fn outbox_env(sim: &Sim, hook_url: &str, dir: &Path) -> HashMap<String, String> {
    let mut env = Daemon::env_for(sim, None, dir);
    env.remove("ENABLE_WEBHOOK");
    env.insert("BASE_WEBHOOK_URL".into(), hook_url.to_owned());
    // Seconds, not minutes: the schedule is the same, only faster.
    env.insert("WEBHOOK_RETRY_BASE_MS".into(), "50".into());
    env.insert("WEBHOOK_RETRY_MAX_MS".into(), "400".into());
    env.insert("WEBHOOK_TIMEOUT_MS".into(), "3000".into());
    env.insert("SHUTDOWN_TIMEOUT_MS".into(), "1000".into());
    env
}

async fn send_numbered(sim: &Sim, range: std::ops::RangeInclusive<u32>) {
    for n in range {
        sim.send(json!({"from": FRIEND, "to": ME, "body": format!("outbox {n:02}")}))
            .await;
    }
}

/// Waits until the WebSocket saw `message` frames for every number in `range` (publish writes
/// the outbox before it sends to WebSockets, so they are stored).
async fn wait_stored(ws: &WsClient, range: std::ops::RangeInclusive<u32>) {
    for n in range {
        let body = format!("outbox {n:02}");
        eventually(WAIT, &format!("{body} raised"), async || {
            ws.frames()
                .into_iter()
                .find(|f| f["dataType"] == "message" && f["data"]["message"]["body"] == body)
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_messages_survive_sigkill_and_sigterm_while_the_receiver_is_down() {
    let sim = Sim::start().await;
    let hook = Receiver::down();
    let dir = TempDir::new("outbox-crash");
    let mut daemon = Daemon::start(outbox_env(&sim, &hook.url, &dir.0));
    daemon.linked_session(&sim, "crash", ME, "Me").await;

    // 1-20 arrive while the receiver is down; then SIGTERM. (SIGTERM first: a Chromium killed
    // seconds after linking has not yet written the login to its profile, whatever we do.)
    let ws = WsClient::connect(&daemon, "crash").await;
    send_numbered(&sim, 1..=20).await;
    wait_stored(&ws, 1..=20).await;
    let (_, status) = daemon.get("/session/webhookStatus/crash").await;
    assert!(
        status["status"]["queueDepth"].as_u64().unwrap() >= 20,
        "{status}"
    );
    assert!(
        status["status"]["oldestPendingAgeMs"].as_u64().is_some(),
        "{status}"
    );
    assert!(
        status["status"]["lastError"]["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "the refused connections show as the last error: {status}"
    );
    let exit = daemon.stop();
    assert!(exit.success(), "clean exit: {exit:?}");
    wait_no_chromium(&dir.0).await;

    // Started again: what was pending is still there; 21-35 arrive; then SIGKILL.
    let mut daemon = daemon.start_again();
    let (_, status) = daemon.get("/session/webhookStatus/crash").await;
    assert!(
        status["status"]["queueDepth"].as_u64().unwrap() >= 20,
        "pending survived SIGTERM: {status}"
    );
    daemon.wait_connected("crash").await;
    let ws = WsClient::connect(&daemon, "crash").await;
    send_numbered(&sim, 21..=35).await;
    wait_stored(&ws, 21..=35).await;
    daemon.kill();
    kill_orphan_chromium(&dir.0);
    wait_no_chromium(&dir.0).await;

    // Third run: 36-50, then the receiver comes up.
    let daemon = daemon.start_again();
    let (_, status) = daemon.get("/session/webhookStatus/crash").await;
    assert!(
        status["status"]["queueDepth"].as_u64().unwrap() >= 35,
        "pending survived SIGKILL: {status}"
    );
    daemon.wait_connected("crash").await;
    let ws = WsClient::connect(&daemon, "crash").await;
    send_numbered(&sim, 36..=50).await;
    wait_stored(&ws, 36..=50).await;
    hook.up().await;
    hook.until("the 50 messages", |ds| {
        let mut seen: Vec<&str> = ds.iter().filter_map(message_body).collect();
        seen.dedup();
        (seen.len() >= 50).then_some(())
    })
    .await;

    // In order, each once or repeated with the same id; distinct events, distinct ids.
    let deliveries = hook.accepted();
    let messages: Vec<(&str, &str)> = deliveries
        .iter()
        .filter_map(|d| Some((message_body(d)?, d.headers.get("webhook-id")?.as_str())))
        .collect();
    let mut order: Vec<&str> = messages.iter().map(|(body, _)| *body).collect();
    order.dedup();
    let expected: Vec<String> = (1..=50).map(|n| format!("outbox {n:02}")).collect();
    assert_eq!(order, expected, "all 50, in order, no gap");
    let mut id_of: HashMap<&str, &str> = HashMap::new();
    for (body, id) in &messages {
        assert_eq!(
            *id_of.entry(body).or_insert(id),
            *id,
            "a retried delivery keeps its id"
        );
    }
    let mut ids: Vec<&str> = id_of.values().copied().collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50, "one id per event");
    eventually(WAIT, "an empty queue", async || {
        let (_, status) = daemon.get("/session/webhookStatus/crash").await;
        (status["status"]["queueDepth"] == 0).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_event_is_dead_lettered_and_replayed_signatures_verify_and_the_key_stays_home() {
    let sim = Sim::start().await;
    let hook = Receiver::start().await;
    let elsewhere = Receiver::start().await;
    *hook.away.lock().unwrap() = elsewhere.url.clone();
    let dir = TempDir::new("outbox-dead");
    let mut env = outbox_env(&sim, &hook.url, &dir.0);
    env.insert("WEBHOOK_SECRET".into(), SECRET.into());
    let daemon = Daemon::start(env);
    hook.script(|b| {
        if b["data"]["message"]["body"] == "poison" {
            400
        } else {
            200
        }
    });
    daemon.linked_session(&sim, "dl", ME, "Me").await;
    for body in ["before", "poison", "after"] {
        sim.send(json!({"from": FRIEND, "to": ME, "body": body}))
            .await;
    }
    hook.until("after", |ds| {
        ds.iter()
            .any(|d| message_body(d) == Some("after") && d.status == 200)
            .then_some(())
    })
    .await;
    let refused: Vec<Delivery> = hook
        .deliveries()
        .into_iter()
        .filter(|d| message_body(d) == Some("poison"))
        .collect();
    assert_eq!(refused.len(), 1, "a 400 is final: no retry");
    assert_eq!(refused[0].status, 400);
    let poison_id = refused[0].headers["webhook-id"].clone();
    let accepted = hook.accepted();
    let bodies: Vec<&str> = accepted.iter().filter_map(message_body).collect();
    assert_eq!(bodies, ["before", "after"], "the rest flowed");

    let (status, dead) = daemon.get("/session/deadLetters/dl").await;
    assert_eq!(status, StatusCode::OK, "{dead}");
    let letters = dead["deadLetters"].as_array().unwrap();
    let letter = letters
        .iter()
        .find(|l| l["dataType"] == "message")
        .unwrap_or_else(|| panic!("the message is a dead letter: {dead}"));
    assert_eq!(letter["eventId"], poison_id.as_str());
    assert_eq!(letter["url"], hook.url.as_str());
    assert_eq!(letter["event"]["data"]["message"]["body"], "poison");
    assert!(
        letter["lastError"].as_str().unwrap().contains("400"),
        "{letter}"
    );
    let (_, status) = daemon.get("/session/webhookStatus/dl").await;
    assert!(
        status["status"]["deadLetters"].as_u64().unwrap() >= 1,
        "{status}"
    );

    // Bad input gets clear errors.
    let (code, body) = daemon
        .post(
            "/session/replayDeadLetters/dl",
            json!({"fromEventId": "yesterday"}),
        )
        .await;
    assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().contains("fromEventId"));
    let (code, _) = daemon.get("/session/deadLetters/dl?limit=0").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    let (code, _) = daemon.get("/session/deadLetters/bad%20name").await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);

    // The receiver is fixed; a replay from the dead letter's id delivers it, with the same id.
    hook.script(|_| 200);
    let (code, body) = daemon
        .post(
            "/session/replayDeadLetters/dl",
            json!({"fromEventId": poison_id}),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body["replayed"].as_u64().unwrap() >= 1, "{body}");
    let replayed = hook
        .until("the replayed poison", |ds| {
            ds.iter()
                .find(|d| message_body(d) == Some("poison") && d.status == 200)
                .cloned()
        })
        .await;
    assert_eq!(replayed.headers["webhook-id"], poison_id);
    let (_, dead) = daemon.get("/session/deadLetters/dl").await;
    assert!(
        !dead["deadLetters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["eventId"] == poison_id.as_str()),
        "replayed letters leave the list: {dead}"
    );

    // Every delivery is signed per Standard Webhooks and carries the key (WEBHOOK_SEND_API_KEY
    // defaults to true); the body is wwebjs-api's, keys in its order.
    for d in hook.deliveries() {
        verify_standard_webhook(SECRET, &d).unwrap();
        assert_eq!(
            d.headers.get("x-api-key").map(String::as_str),
            Some(API_KEY)
        );
        let text = String::from_utf8(d.raw.clone()).unwrap();
        assert!(text.starts_with("{\"dataType\":"), "{text}");
        assert!(text.ends_with(",\"sessionId\":\"dl\"}"), "{text}");
        assert!(d.headers["webhook-id"].starts_with("evt_"));
    }
    // A tampered body fails the independent check (so the check can fail).
    let mut tampered = replayed.clone();
    tampered.raw.push(b' ');
    assert!(verify_standard_webhook(SECRET, &tampered).is_err());

    // Redirects: followed within the receiver's origin (key included), never to another one.
    let same = format!("{}/redirect-same", hook.base);
    let away = format!("{}/redirect-away", hook.base);
    for (session, url) in [("rsame", &same), ("raway", &away)] {
        let (code, body) = daemon
            .request(
                "PUT",
                &format!("/session/webhook/{session}"),
                Some(json!({"url": url, "dataTypes": ["qr"]})),
                Some(API_KEY),
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{body}");
        daemon.start_session_for_qr(session).await;
    }
    hook.until("a qr through the same-origin redirect", |ds| {
        ds.iter()
            .find(|d| d.body["sessionId"] == "rsame" && d.body["dataType"] == "qr")
            .cloned()
    })
    .await;
    eventually(
        WAIT,
        "the cross-origin redirect dead-lettered",
        async || {
            let (_, dead) = daemon.get("/session/deadLetters/raway").await;
            dead["deadLetters"]
                .as_array()
                .and_then(|l| l.first().cloned())
        },
    )
    .await;
    let (_, dead) = daemon.get("/session/deadLetters/raway").await;
    assert!(
        dead["deadLetters"][0]["lastError"]
            .as_str()
            .unwrap()
            .contains("redirect"),
        "{dead}"
    );
    assert!(
        elsewhere.deliveries().is_empty(),
        "nothing, key included, went to the other origin"
    );
    for session in ["rsame", "raway"] {
        daemon.get(&format!("/session/stop/{session}")).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn per_session_webhook_survives_a_restart_and_filters_data_types() {
    let sim = Sim::start().await;
    let base = Receiver::start().await;
    let own = Receiver::start().await;
    let dir = TempDir::new("outbox-settings");
    let mut env = outbox_env(&sim, &base.url, &dir.0);
    env.insert("WEBHOOK_SEND_API_KEY".into(), "FALSE".into());
    let mut daemon = Daemon::start(env);

    let (_, body) = daemon.get("/session/webhook/pw").await;
    assert_eq!(body["source"], "env", "{body}");
    assert_eq!(body["webhook"]["url"], base.url.as_str());
    for bad in [
        json!({"url": "ftp://x/"}),
        json!({"headers": {}}),
        json!({"url": own.url, "headers": {"webhook-id": "x"}}),
        json!({"url": own.url, "dataTypes": "qr"}),
    ] {
        let (code, body) = daemon
            .request(
                "PUT",
                "/session/webhook/pw",
                Some(bad.clone()),
                Some(API_KEY),
            )
            .await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{bad} -> {body}");
    }
    let (code, _) = daemon
        .request(
            "PUT",
            "/session/webhook/pw",
            Some(json!({"url": own.url})),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN, "under the API key");
    let setting = json!({"url": own.url, "headers": {"x-tenant": "acme"}, "dataTypes": ["qr"]});
    let (code, body) = daemon
        .request(
            "PUT",
            "/session/webhook/pw",
            Some(setting.clone()),
            Some(API_KEY),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(body["source"], "api");

    daemon.start_session_for_qr("pw").await;
    let first = own
        .until("a qr on the session's own webhook", |ds| {
            ds.iter().find(|d| d.body["dataType"] == "qr").cloned()
        })
        .await;
    assert_eq!(first.headers["x-tenant"], "acme");
    assert!(
        !first.headers.contains_key("x-api-key"),
        "WEBHOOK_SEND_API_KEY=FALSE"
    );
    assert!(
        !first.headers.contains_key("webhook-signature"),
        "no secret, no signature"
    );

    // Survives a restart; the session comes back by itself and raises qr again.
    let exit = daemon.stop();
    assert!(exit.success());
    wait_no_chromium(&dir.0).await;
    let before = own.deliveries().len();
    let daemon = daemon.start_again();
    let (_, body) = daemon.get("/session/webhook/pw").await;
    assert_eq!(body["source"], "api", "{body}");
    assert_eq!(
        body["webhook"],
        setting
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.insert("url".into(), json!(own.url));
                Value::Object(o)
            })
            .unwrap()
    );
    own.until("a qr after the restart", |ds| {
        ds[before.min(ds.len())..]
            .iter()
            .any(|d| d.body["dataType"] == "qr")
            .then_some(())
    })
    .await;
    // The filter: only qr reached the session's webhook; the base one got nothing of pw.
    assert!(own.deliveries().iter().all(|d| d.body["dataType"] == "qr"));
    assert!(
        base.deliveries()
            .iter()
            .all(|d| d.body["sessionId"] != "pw"),
        "the API setting wins over BASE_WEBHOOK_URL"
    );

    // Cleared: the environment's webhook applies again.
    let (code, body) = daemon
        .request("DELETE", "/session/webhook/pw", None, Some(API_KEY))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(
        (body["cleared"].clone(), body["source"].clone()),
        (json!(true), json!("env"))
    );
    daemon.get("/session/stop/pw").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_resumes_from_the_last_event_id() {
    let sim = Sim::start().await;
    let hook = Receiver::start().await;
    let dir = TempDir::new("outbox-resume");
    let daemon = Daemon::start(outbox_env(&sim, &hook.url, &dir.0));
    daemon.linked_session(&sim, "wsr", ME, "Me").await;

    let url = |query: &str| {
        format!(
            "{}/ws/wsr?apiKey={API_KEY}{query}",
            daemon.base.replacen("http://", "ws://", 1)
        )
    };
    // A client asking for ids sees them as a last key; plain clients get wwebjs-api's frames.
    let (mut with_ids, _) = tokio_tungstenite::connect_async(url("&eventIds=true"))
        .await
        .unwrap();
    let plain = WsClient::connect(&daemon, "wsr").await;
    sim.send(json!({"from": FRIEND, "to": ME, "body": "seen 1"}))
        .await;
    let mut last_id = String::new();
    while let Some(Ok(frame)) = with_ids.next().await {
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text).unwrap();
            assert!(text.ends_with(&format!(",\"eventId\":{}}}", value["eventId"])));
            if value["dataType"] == "message" {
                last_id = value["eventId"].as_str().unwrap().to_owned();
                break;
            }
        }
    }
    drop(with_ids);
    let frame = plain.wait_event("message").await;
    assert!(frame.get("eventId").is_none(), "{frame}");

    // Missed while away, then live, each once and in order.
    for body in ["missed 1", "missed 2"] {
        sim.send(json!({"from": FRIEND, "to": ME, "body": body}))
            .await;
    }
    eventually(WAIT, "the missed messages stored", async || {
        let frames = plain.frames();
        frames
            .iter()
            .any(|f| f["data"]["message"]["body"] == "missed 2")
            .then_some(())
    })
    .await;
    match tokio_tungstenite::connect_async(url("&lastEventId=nonsense")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 400)
        }
        other => panic!("a bad lastEventId is refused: {:?}", other.map(|_| ())),
    }
    let (mut resumed, _) =
        tokio_tungstenite::connect_async(url(&format!("&lastEventId={last_id}")))
            .await
            .unwrap();
    sim.send(json!({"from": FRIEND, "to": ME, "body": "live 1"}))
        .await;
    let mut got = Vec::new();
    let collect = async {
        while let Some(Ok(frame)) = resumed.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["dataType"] == "message" {
                    let body = value["data"]["message"]["body"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    let done = body == "live 1";
                    got.push(body);
                    if done {
                        break;
                    }
                }
            }
        }
    };
    tokio::time::timeout(WAIT, collect)
        .await
        .expect("resumed frames arrive");
    assert_eq!(got, ["missed 1", "missed 2", "live 1"]);

    // The same with a Last-Event-ID header (as EventSource clients send it).
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url("").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("last-event-id", last_id.parse().unwrap());
    let (mut resumed, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let first_message = async {
        while let Some(Ok(frame)) = resumed.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["dataType"] == "message" {
                    return value;
                }
            }
        }
        Value::Null
    };
    let first = tokio::time::timeout(WAIT, first_message).await.unwrap();
    assert_eq!(first["data"]["message"]["body"], "missed 1", "{first}");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_the_page_got_before_a_crash_are_raised_after_the_restore() {
    let sim = Sim::start().await;
    let hook = Receiver::start().await;
    let dir = TempDir::new("outbox-window");
    let mut daemon = Daemon::start(outbox_env(&sim, &hook.url, &dir.0));
    daemon.linked_session(&sim, "cw", ME, "Me").await;
    sim.send(json!({"from": FRIEND, "to": ME, "body": "anchor"}))
        .await;
    hook.until("anchor", |ds| {
        ds.iter()
            .any(|d| message_body(d) == Some("anchor"))
            .then_some(())
    })
    .await;
    // A clean restart first, so the profile holds the login (see the SIGKILL test).
    assert!(daemon.stop().success());
    wait_no_chromium(&dir.0).await;
    let mut daemon = daemon.start_again();
    daemon.wait_connected("cw").await;

    // The daemon freezes (SIGSTOP): the page still receives and acknowledges two messages, but
    // their events cannot reach the store. Then SIGKILL.
    let pid = daemon.pid().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut ids = Vec::new();
    for body in ["window 1", "window 2"] {
        // The second carries media: raised again, it gets its `media` event as a live one does.
        let message = match body {
            "window 2" => json!({"from": FRIEND, "to": ME, "caption": body,
                "media": {"mimetype": "text/plain", "data": "d2luZG93", "filename": "w.txt"}}),
            _ => json!({"from": FRIEND, "to": ME, "body": body}),
        };
        let sent = sim.send(message).await;
        ids.push(sent["id"].as_str().unwrap().to_owned());
    }
    eventually(WAIT, "both delivered to the page", async || {
        let (_, inbox) = sim
            .control("GET", &format!("accounts/{ME}/inbox"), None)
            .await;
        let sent = inbox.as_array().cloned().unwrap_or_default();
        ids.iter()
            .all(|id| {
                sent.iter()
                    .any(|m| m["id"] == id.as_str() && m["ack"].as_i64().unwrap_or(0) >= 2)
            })
            .then_some(())
    })
    .await;
    daemon.kill();
    kill_orphan_chromium(&dir.0);
    wait_no_chromium(&dir.0).await;
    assert!(
        hook.deliveries()
            .iter()
            .all(|d| !message_body(d).is_some_and(|b| b.starts_with("window"))),
        "nothing of the window went out before the crash"
    );

    // After the restore both are raised, once, in order; the anchor is not raised again.
    let daemon = daemon.start_again();
    daemon.wait_connected("cw").await;
    let window = hook
        .until("the two window messages", |ds| {
            let got: Vec<Delivery> = ds
                .iter()
                .filter(|d| message_body(d).is_some_and(|b| b.starts_with("window")))
                .cloned()
                .collect();
            (got.len() >= 2).then_some(got)
        })
        .await;
    let bodies: Vec<&str> = window.iter().filter_map(message_body).collect();
    assert_eq!(bodies, ["window 1", "window 2"]);
    let mut event_ids: Vec<&str> = window
        .iter()
        .map(|d| d.headers["webhook-id"].as_str())
        .collect();
    event_ids.dedup();
    assert_eq!(event_ids.len(), 2, "distinct ids: {event_ids:?}");
    assert!(
        event_ids.iter().all(|id| id.starts_with("evt_m")),
        "{event_ids:?}"
    );
    let media = hook
        .until("the media event of the missed message", |ds| {
            ds.iter()
                .find(|d| d.body["dataType"] == "media")
                .map(|d| d.body.clone())
        })
        .await;
    assert_eq!(media["data"]["messageMedia"]["data"], "d2luZG93", "{media}");
    assert_eq!(media["data"]["message"]["body"], "window 2");
    // A later message flows as usual (the recovery does not block live events).
    sim.send(json!({"from": FRIEND, "to": ME, "body": "after the restore"}))
        .await;
    hook.until("a live message after the restore", |ds| {
        ds.iter()
            .any(|d| message_body(d) == Some("after the restore"))
            .then_some(())
    })
    .await;
    let count = |body: &str| {
        hook.deliveries()
            .iter()
            .filter(|d| message_body(d) == Some(body))
            .count()
    };
    assert_eq!(count("anchor"), 1, "the anchor was not raised again");
    assert_eq!(count("window 1") + count("window 2"), 2, "each once");
}

/// Benchmark, not a test: simulator message -> `message` webhook latency through the whole
/// gateway (page, bridge, outbox, worker) and deliveries per second.
/// `cargo test --release --test e2e outbox_bench_message_to_webhook -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn outbox_bench_message_to_webhook() {
    let count: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let sim = Sim::start().await;
    let hook = Receiver::start().await;
    let dir = TempDir::new("outbox-bench");
    let daemon = Daemon::start(outbox_env(&sim, &hook.url, &dir.0));
    daemon.linked_session(&sim, "bench", ME, "Me").await;
    // BENCH_INTERVAL_MS paces the sends (a benchmark's clock, not a test's wait): 0 is a burst.
    let interval = Duration::from_millis(
        std::env::var("BENCH_INTERVAL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    );
    let start = std::time::Instant::now();
    let mut sent_at = HashMap::new();
    for n in 0..count {
        tokio::time::sleep_until((start + interval * n as u32).into()).await;
        let body = format!("bench {n:05}");
        sent_at.insert(body.clone(), std::time::Instant::now());
        sim.send(json!({"from": FRIEND, "to": ME, "body": body}))
            .await;
    }
    hook.until("every benchmark message", |ds| {
        (ds.iter()
            .filter(|d| message_body(d).is_some_and(|b| b.starts_with("bench ")))
            .count()
            >= count)
            .then_some(())
    })
    .await;
    let elapsed = start.elapsed();
    let deliveries = hook.accepted();
    let mut latencies: Vec<Duration> = deliveries
        .iter()
        .filter_map(|d| Some(d.at.duration_since(*sent_at.get(message_body(d)?)?)))
        .collect();
    latencies.sort();
    let mut bodies: Vec<&str> = deliveries.iter().filter_map(message_body).collect();
    let in_order = bodies.windows(2).all(|w| w[0] < w[1]);
    bodies.sort();
    bodies.dedup();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "message -> webhook: {count} messages in {:.2} s ({:.0}/s), lost {}, in order {in_order}, p50 {:.1} ms, p99 {:.1} ms",
        elapsed.as_secs_f64(),
        count as f64 / elapsed.as_secs_f64(),
        count - bodies.len(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0
    );
}

/// Benchmark, not a test: the daemon's RSS while `BENCH_MEDIA` (200) one-MB media messages
/// wait for a dead receiver (their `media` events, base64 in the body, wait on disk).
/// `cargo test --test e2e outbox_bench_daemon_rss -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn outbox_bench_daemon_rss_with_media_waiting() {
    let count: usize = std::env::var("BENCH_MEDIA")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let sim = Sim::start().await;
    let hook = Receiver::down();
    let dir = TempDir::new("outbox-rss");
    let daemon = Daemon::start(outbox_env(&sim, &hook.url, &dir.0));
    daemon.linked_session(&sim, "rss", ME, "Me").await;
    let rss_mb = || {
        std::fs::read_to_string(format!("/proc/{}/status", daemon.pid()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    let before = rss_mb();
    let mut peak = before;
    for n in 0..count {
        // 1 MB that does not compress to nothing.
        let bytes: Vec<u8> = (0..1024 * 1024u32)
            .map(|i| (i.wrapping_mul(2654435761).wrapping_add(n as u32) >> 13) as u8)
            .collect();
        sim.send(json!({"from": FRIEND, "to": ME, "caption": format!("media {n}"),
            "media": {"mimetype": "application/octet-stream", "data": STANDARD.encode(&bytes), "filename": "blob.bin"}}))
            .await;
        peak = peak.max(rss_mb());
    }
    // Every media event (1.33 MB of base64 each) is in the outbox files.
    let outbox_bytes = || {
        std::fs::read_dir(&dir.0)
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("wa-gateway-outbox.")
            })
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum::<u64>()
    };
    eventually(
        Duration::from_secs(600),
        "every media event stored",
        async || (outbox_bytes() >= count as u64 * 1_300_000).then_some(()),
    )
    .await;
    let (_, status) = daemon.get("/session/webhookStatus/rss").await;
    let after = rss_mb();
    println!(
        "daemon RSS with {count} one-MB media events waiting: before {before:.1} MB, peak {:.1} MB, after {after:.1} MB; queue depth {}, outbox files {:.0} MB",
        peak.max(after),
        status["status"]["queueDepth"],
        outbox_bytes() as f64 / 1e6
    );
}
