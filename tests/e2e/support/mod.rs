//! Test helpers: the real daemon binary on port 0 ([`Daemon`]), the simulator ([`Sim`]), a real
//! webhook receiver on loopback ([`WebhookReceiver`]) and a WebSocket subscriber. Waits always
//! have a deadline; there are no bare sleeps.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const API_KEY: &str = "test-key-0123456789";
pub const WAIT: Duration = Duration::from_secs(45);

/// Polls `check` every 50 ms until it gives a value or `timeout` passes.
pub async fn eventually<T>(
    timeout: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---- the simulator --------------------------------------------------------------------------

/// The simulator, driven through its control API.
pub struct Sim {
    pub handle: wa_sim::SimHandle,
    http: reqwest::Client,
}

impl Sim {
    pub async fn start() -> Self {
        Sim {
            handle: wa_sim::start().await,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self) -> String {
        self.handle.url()
    }

    pub async fn control(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}_sim/{}", self.url(), path.trim_start_matches('/'));
        let request = match method {
            "GET" => self.http.get(&url),
            _ => self.http.post(&url).json(&body.unwrap_or(json!({}))),
        };
        let response = request.send().await.expect("simulator answers");
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// The phone `phone` scans `qr`.
    pub async fn scan(&self, qr: &str, phone: &str, pushname: &str) {
        let (status, body) = self
            .control(
                "POST",
                "scan",
                Some(json!({"qr": qr, "phone": phone, "pushname": pushname})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "scan refused: {body}");
    }

    /// A contact sends a message; returns the simulator's answer ({id, shortId}).
    pub async fn send(&self, body: Value) -> Value {
        let (status, answer) = self.control("POST", "messages", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "message refused: {answer}");
        answer
    }

    pub async fn sent(&self, phone: &str) -> Vec<Value> {
        let (_, body) = self
            .control("GET", &format!("accounts/{phone}/sent"), None)
            .await;
        body.as_array().cloned().unwrap_or_default()
    }
}

// ---- the webhook receiver -------------------------------------------------------------------

/// What the receiver does with a request.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Mode {
    Accept,
    Fail,
    Hang,
}

#[derive(Default)]
struct Inbox {
    bodies: Vec<Value>,
    /// Requests answered with an error while in `Mode::Fail`.
    refused: usize,
    headers: Vec<HashMap<String, String>>,
}

/// A real HTTP server on loopback that records webhook deliveries.
#[derive(Clone)]
pub struct WebhookReceiver {
    pub url: String,
    inbox: Arc<Mutex<Inbox>>,
    mode: Arc<Mutex<Mode>>,
    arrived: Arc<Notify>,
}

impl WebhookReceiver {
    pub async fn start() -> Self {
        let receiver = WebhookReceiver {
            url: String::new(),
            inbox: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Accept)),
            arrived: Arc::new(Notify::new()),
        };
        let app = Router::new()
            .route("/hook", post(record))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        WebhookReceiver { url, ..receiver }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.inbox.lock().unwrap().bodies.clone()
    }

    /// How many deliveries were refused so far.
    pub fn refused(&self) -> usize {
        self.inbox.lock().unwrap().refused
    }

    pub fn headers(&self) -> Vec<HashMap<String, String>> {
        self.inbox.lock().unwrap().headers.clone()
    }

    /// Events of a type received so far.
    pub fn of_type(&self, data_type: &str) -> Vec<Value> {
        self.bodies()
            .into_iter()
            .filter(|b| b["dataType"] == data_type)
            .collect()
    }

    /// Waits for an event matching `pred`, returns it.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let notified = self.arrived.notified();
            if let Some(found) = self.bodies().into_iter().find(|b| pred(b)) {
                return found;
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| {
                    panic!(
                        "timed out waiting for webhook {what}; got {:?}",
                        self.bodies()
                            .iter()
                            .map(|b| b["dataType"].clone())
                            .collect::<Vec<_>>()
                    )
                });
            let _ = tokio::time::timeout(left, notified).await;
        }
    }

    /// Waits for an event of `data_type` of `session`.
    pub async fn wait_event(&self, session: &str, data_type: &str) -> Value {
        self.wait_for(&format!("{data_type} of {session}"), |b| {
            b["dataType"] == data_type && b["sessionId"] == session
        })
        .await
    }
}

async fn record(
    State(receiver): State<WebhookReceiver>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mode = *receiver.mode.lock().unwrap();
    match mode {
        Mode::Fail => {
            receiver.inbox.lock().unwrap().refused += 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::OK;
        }
        Mode::Accept => {}
    }
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    {
        let mut inbox = receiver.inbox.lock().unwrap();
        inbox.bodies.push(value);
        inbox.headers.push(headers);
    }
    receiver.arrived.notify_waiters();
    StatusCode::OK
}

// ---- the daemon -----------------------------------------------------------------------------

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("wagw-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The real `wa-gateway` binary, started on port 0.
pub struct Daemon {
    child: Option<Child>,
    pub base: String,
    pub sessions_path: PathBuf,
    pub env: HashMap<String, String>,
    /// Lines the daemon printed on stdout so far.
    stdout: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
}

impl Daemon {
    /// Environment for a daemon talking to `sim` and posting to `hook`.
    pub fn env_for(
        sim: &Sim,
        hook: Option<&WebhookReceiver>,
        sessions: &Path,
    ) -> HashMap<String, String> {
        let mut env = HashMap::from([
            ("PORT".to_owned(), "0".to_owned()),
            ("SESSIONS_PATH".to_owned(), sessions.display().to_string()),
            ("API_KEY".to_owned(), API_KEY.to_owned()),
            ("WHATSAPP_WEB_URL".to_owned(), sim.url()),
            ("ENABLE_WEBSOCKET".to_owned(), "true".to_owned()),
            (
                "LOG_LEVEL".to_owned(),
                std::env::var("WAGW_TEST_LOG_LEVEL").unwrap_or_else(|_| "info".to_owned()),
            ),
            ("ENV_PATH".to_owned(), "/nonexistent/.env".to_owned()),
        ]);
        match hook {
            Some(hook) => env.insert("BASE_WEBHOOK_URL".to_owned(), hook.url.clone()),
            None => env.insert("ENABLE_WEBHOOK".to_owned(), "false".to_owned()),
        };
        env
    }

    /// Starts the daemon and waits until it listens.
    pub fn start(env: HashMap<String, String>) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wa-gateway"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "HOME",
                std::env::var("HOME").unwrap_or_else(|_| "/root".into()),
            )
            .envs(&env)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the daemon binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let printed: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = printed.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line.clone());
                if !sent && let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                    sent = true;
                }
                if std::env::var_os("WAGW_TEST_LOGS").is_some() {
                    eprintln!("[daemon] {line}");
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the daemon prints its address");
        let port = addr.rsplit(':').next().unwrap();
        let base_path = env.get("BASE_PATH").cloned().unwrap_or_default();
        Daemon {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}{}", base_path.trim_end_matches('/')),
            sessions_path: PathBuf::from(&env["SESSIONS_PATH"]),
            env,
            stdout: printed,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(90))
                .build()
                .unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// What the daemon printed on stdout so far (the address line, the next steps).
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = match method {
            "GET" => self.http.get(self.url(path)),
            "DELETE" => self.http.delete(self.url(path)),
            "PUT" => self
                .http
                .put(self.url(path))
                .json(&body.unwrap_or(json!({}))),
            _ => self
                .http
                .post(self.url(path))
                .json(&body.unwrap_or(json!({}))),
        };
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let response = request.send().await.expect("daemon answers");
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.request("GET", path, None, Some(API_KEY)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.request("POST", path, Some(body), Some(API_KEY)).await
    }

    /// Raw GET (status, headers, bytes).
    pub async fn get_raw(&self, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let response = self
            .http
            .get(self.url(path))
            .header("x-api-key", API_KEY)
            .send()
            .await
            .unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    /// Starts a session and waits for its QR; returns the QR string.
    pub async fn start_session_for_qr(&self, id: &str) -> String {
        let (status, body) = self.get(&format!("/session/start/{id}")).await;
        assert_eq!(status, StatusCode::OK, "start {id}: {body}");
        let (_, body) = self.get(&format!("/session/qr/{id}")).await;
        body["qr"]
            .as_str()
            .unwrap_or_else(|| panic!("no QR after start: {body}"))
            .to_owned()
    }

    /// Starts a session, links it to `phone` through the simulator, and waits for CONNECTED.
    pub async fn linked_session(&self, sim: &Sim, id: &str, phone: &str, pushname: &str) {
        let qr = self.start_session_for_qr(id).await;
        sim.scan(&qr, phone, pushname).await;
        self.wait_connected(id).await;
    }

    pub async fn wait_connected(&self, id: &str) {
        eventually(WAIT, &format!("{id} CONNECTED"), async || {
            let (_, body) = self.get(&format!("/session/status/{id}")).await;
            (body["state"] == "CONNECTED").then_some(())
        })
        .await;
    }

    /// SIGTERM, then wait for the process to exit.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("daemon running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("daemon did not exit within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Daemon {
    /// A client of a gateway this test did not spawn as a `Daemon` (e.g. a load balancer in
    /// front of several): the same request helpers, no process to stop.
    pub fn remote(base: String, sessions_path: PathBuf) -> Self {
        Daemon {
            child: None,
            base,
            sessions_path,
            env: HashMap::new(),
            stdout: Arc::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(90))
                .build()
                .unwrap(),
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("daemon running").id()
    }

    /// SIGKILL, as a crash or the OOM killer would: no shutdown code runs.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("daemon running");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts a new daemon with the same environment (same SESSIONS_PATH), e.g. after `kill`.
    pub fn start_again(&self) -> Self {
        Daemon::start(self.env.clone())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Chromium processes on profiles under `path` (a sessions path or one profile), with their
/// command lines: the browsers naming it, and every process of their process groups (the daemon
/// starts each browser in a group of its own; zygotes and renderers of the headless shell do
/// not name the profile). Groups seen once are remembered, so processes a dead browser left
/// behind still count.
pub fn chromium_processes(path: &Path) -> Vec<(u32, String)> {
    static GROUPS: std::sync::Mutex<Vec<(String, u32)>> = std::sync::Mutex::new(Vec::new());
    let needle = path.display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let all: Vec<(u32, u32, String)> = entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmd = String::from_utf8_lossy(&std::fs::read(e.path().join("cmdline")).ok()?)
                .replace('\0', " ");
            // /proc/<pid>/stat: "pid (comm) state ppid pgrp ...": cut at the last ')'.
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let pgrp = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(2)?
                .parse()
                .ok()?;
            cmd.contains("chrom").then_some((pid, pgrp, cmd))
        })
        .collect();
    let mut groups = GROUPS.lock().unwrap();
    for (_, pgrp, cmd) in &all {
        if cmd.contains(&needle) && !groups.iter().any(|(n, g)| n == &needle && g == pgrp) {
            groups.push((needle.clone(), *pgrp));
        }
    }
    all.into_iter()
        .filter(|(_, pgrp, cmd)| {
            cmd.contains(&needle)
                || groups
                    .iter()
                    .any(|(n, g)| n.starts_with(&needle) && g == pgrp)
        })
        .map(|(pid, _, cmd)| (pid, cmd))
        .collect()
}

/// How many Chromium processes run on profiles under `dir` (see [`chromium_processes`]).
pub fn chromium_processes_under(dir: &Path) -> usize {
    chromium_processes(dir).len()
}

/// Waits until the simulator's device login of session `id` is in its profile under `dir` on
/// disk: Chromium writes localStorage a few seconds late, and a SIGKILL before that loses the
/// login, as it would on a real machine.
pub async fn wait_login_on_disk(dir: &Path, id: &str) {
    let leveldb = dir.join(format!("session-{id}/Default/Local Storage/leveldb"));
    eventually(Duration::from_secs(30), "the login on disk", async || {
        let files = std::fs::read_dir(&leveldb).ok()?;
        files
            .flatten()
            .filter_map(|f| std::fs::read(f.path()).ok())
            .any(|bytes| bytes.windows(17).any(|w| w == b"WASim.deviceLogin"))
            .then_some(())
    })
    .await;
}

/// Waits until no Chromium runs on `dir` (children exit shortly after the browser).
pub async fn wait_no_chromium(dir: &Path) {
    eventually(
        Duration::from_secs(15),
        "Chromium processes to exit",
        async || (chromium_processes_under(dir) == 0).then_some(()),
    )
    .await;
}

/// A WebSocket subscriber collecting frames.
pub struct WsClient {
    frames: Arc<Mutex<Vec<Value>>>,
}

impl WsClient {
    pub async fn connect(daemon: &Daemon, session: &str) -> Self {
        Self::connect_with(daemon, session, "").await
    }

    /// With more query parameters (`eventIds=true`, `lastEventId=...`).
    pub async fn connect_with(daemon: &Daemon, session: &str, query: &str) -> Self {
        let url = format!(
            "{}/ws/{session}?apiKey={API_KEY}&{query}",
            daemon.base.replacen("http://", "ws://", 1)
        );
        let (mut stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("WebSocket connects");
        let frames: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink = frames.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
                    sink.lock()
                        .unwrap()
                        .push(serde_json::from_str(&text).unwrap_or(Value::Null));
                }
            }
        });
        WsClient { frames }
    }

    pub fn frames(&self) -> Vec<Value> {
        self.frames.lock().unwrap().clone()
    }

    pub async fn wait_event(&self, data_type: &str) -> Value {
        eventually(WAIT, &format!("WebSocket {data_type}"), async || {
            self.frames()
                .into_iter()
                .find(|f| f["dataType"] == data_type)
        })
        .await
    }
}
