//! One WhatsApp session: its Chromium, its WhatsApp Web page with the bridge, the state the
//! bridge reports (socket state, current QR, ready), and the events it raises.
//!
//! The session owns its browser; everyone else holds an `Arc<Session>` and goes through
//! [`Session::call`], which always has a timeout.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::browser::Browser;
use chromiumoxide::cdp::browser_protocol::inspector::EventTargetCrashed;
use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
use chromiumoxide::cdp::js_protocol::runtime::{
    AddBindingParams, EventBindingCalled, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::page::ScreenshotParams;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::bridge::{self, BridgeError, BridgeEvent};
use super::browser;
use super::process::ChromiumProcess;
use crate::config::Config;
use crate::events::{Event, EventBus};

/// How long a normal bridge call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long WhatsApp Web may take to boot and tell whether it needs a QR ("auth timeout").
const AUTH_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the first navigation may take.
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(60);

/// What the bridge last reported.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// WhatsApp Web's socket state (`CONNECTED`, `UNPAIRED`, ...), `None` before it booted.
    pub state: Option<String>,
    /// The current QR string, cleared on `authenticated`.
    pub qr: Option<String>,
    /// `ready` was raised and not followed by `disconnected`.
    pub ready: bool,
}

/// A session's browser or page died (or hung past a reload): what the recovery needs to know.
#[derive(Debug, Clone)]
pub struct Death {
    pub session_id: String,
    /// The [`Session::generation`] that died, so a newer session of the id is left alone.
    pub generation: u64,
    pub why: &'static str,
}

/// `disconnected` reasons of our own (whatsapp-web.js uses WAState names and `LOGOUT`).
pub const PAGE_CRASHED: &str = "PAGE_CRASHED";
pub const BROWSER_EXITED: &str = "BROWSER_EXITED";
pub const PAGE_UNRESPONSIVE: &str = "PAGE_UNRESPONSIVE";

/// What a heartbeat found.
enum Heartbeat {
    /// The page answered, with WhatsApp Web's socket state if the bridge is loaded.
    Alive(Option<String>),
    /// No answer in time: a hung renderer (e.g. SIGSTOPped, or stuck in a loop).
    Hung,
    /// The page or the CDP connection is gone.
    Gone,
}

/// Watches one session for as long as it lives, every WATCHDOG_INTERVAL_MS: a page that does
/// not answer a heartbeat within WATCHDOG_TIMEOUT_MS is reloaded, and reported dead if that
/// does not help; a ready session out of CONNECTED for WATCHDOG_STUCK_MS is reloaded. Dead
/// sessions are relaunched by the manager (RECOVER_SESSIONS). Crashes and a lost CDP
/// connection are seen at once by the listeners; this catches what sends no event.
async fn watchdog(session: std::sync::Weak<Session>) {
    let (interval, timeout, stuck_after) = match session.upgrade() {
        Some(s) => {
            let c = &s.ctx.config;
            (c.watchdog_interval, c.watchdog_timeout, c.watchdog_stuck)
        }
        None => return,
    };
    let mut connected_at = std::time::Instant::now();
    loop {
        tokio::time::sleep(interval).await;
        let Some(session) = session.upgrade() else {
            return;
        };
        if session.closing.load(Ordering::SeqCst) || session.dead.load(Ordering::SeqCst) {
            return;
        }
        match session.heartbeat(timeout).await {
            Heartbeat::Alive(state) => {
                let ready = session.status.lock().unwrap().ready;
                if !ready || state.as_deref() == Some("CONNECTED") {
                    connected_at = std::time::Instant::now();
                } else if connected_at.elapsed() > stuck_after {
                    tracing::warn!(session = %session.id, ?state, "watchdog: stuck out of CONNECTED");
                    connected_at = std::time::Instant::now();
                    if session.reload(timeout).await {
                        crate::metrics::recovered(&session.id, "reload");
                    }
                }
            }
            Heartbeat::Hung => {
                tracing::warn!(session = %session.id, "watchdog: the page does not answer");
                session.lost(PAGE_UNRESPONSIVE);
                if session.reload(timeout).await {
                    crate::metrics::recovered(&session.id, "reload");
                } else {
                    session.on_death(PAGE_UNRESPONSIVE);
                    return;
                }
            }
            Heartbeat::Gone => {
                session.on_death(BROWSER_EXITED);
                return;
            }
        }
    }
}

/// Tells sessions apart across restarts of one id.
static GENERATIONS: AtomicU64 = AtomicU64::new(1);

/// Everything a session needs from the rest of the daemon.
#[derive(Clone)]
pub struct SessionContext {
    pub config: Arc<Config>,
    pub bus: Arc<EventBus>,
    /// Where a session reports that its browser or page died (for RECOVER_SESSIONS).
    pub deaths: mpsc::UnboundedSender<Death>,
    /// Incoming media downloaded at once, across sessions (MEDIA_DOWNLOAD_CONCURRENCY): each
    /// download pulls the whole file through CDP into memory.
    pub media_downloads: Arc<tokio::sync::Semaphore>,
}

pub struct Session {
    pub id: String,
    /// Unique per launch.
    pub generation: u64,
    ctx: SessionContext,
    page: Page,
    /// The CDP handle and the process; taken (and closed) once by [`Session::close`].
    browser: tokio::sync::Mutex<Option<(Browser, ChromiumProcess)>>,
    /// The browser's main process id (its process group), for metrics and tests.
    pid: u32,
    status: Mutex<Status>,
    /// Becomes true once the bridge told whether WhatsApp Web needs a QR.
    auth_decided: watch::Sender<bool>,
    /// Set when we close the session on purpose, so its end is not reported as a death.
    closing: AtomicBool,
    /// Set once its death was reported (the crash listener and the watchdog may both see it).
    dead: AtomicBool,
    /// This run linked the device with a QR or pairing code: its history is new to us, not
    /// messages a crash made us miss.
    linked_now: AtomicBool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Screenshots run one at a time per session (each is a full-page capture in memory).
    screenshots: tokio::sync::Mutex<()>,
    /// When the page last proved alive: a bridge event, or a call it answered. The pushed
    /// socket state is only trusted while this is fresh (see [`Session::state`]).
    alive_at: Mutex<std::time::Instant>,
}

impl Session {
    /// Launches Chromium, loads WhatsApp Web with the bridge and waits until it is known whether
    /// a QR is needed (the QR itself has been raised by then). Leaves no browser behind on error.
    pub async fn start(id: &str, ctx: SessionContext) -> Result<Arc<Session>, String> {
        let launched = browser::launch(&ctx.config, id).await?;
        let page = match prepare_page(&launched.browser, &ctx.config).await {
            Ok(page) => page,
            Err(err) => {
                browser::shutdown(launched.browser, launched.process).await;
                return Err(err);
            }
        };
        let pid = launched.process.pid();
        // From here the session owns the browser, so every failure below closes it.
        let session = Arc::new(Session {
            id: id.to_owned(),
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
            ctx,
            page,
            browser: tokio::sync::Mutex::new(Some((launched.browser, launched.process))),
            pid,
            status: Mutex::new(Status::default()),
            auth_decided: watch::channel(false).0,
            closing: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            linked_now: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
            screenshots: tokio::sync::Mutex::new(()),
            alive_at: Mutex::new(std::time::Instant::now()),
        });
        if let Err(err) = session.boot(launched.connected).await {
            session.close().await;
            return Err(err);
        }
        let watchdog = tokio::spawn(watchdog(Arc::downgrade(&session)));
        session.tasks.lock().unwrap().push(watchdog);
        Ok(session)
    }

    async fn boot(self: &Arc<Self>, connected: watch::Receiver<bool>) -> Result<(), String> {
        self.spawn_listeners(connected).await?;
        let url = self.ctx.config.whatsapp_web_url.clone();
        match tokio::time::timeout(NAVIGATION_TIMEOUT, self.page.goto(url.as_str())).await {
            Err(_) => return Err(format!("navigation to {url} timed out")),
            Ok(Err(err)) => return Err(navigation_error(&err.to_string(), &url)),
            Ok(Ok(_)) => {}
        }
        let mut decided = self.auth_decided.subscribe();
        match tokio::time::timeout(AUTH_TIMEOUT, decided.wait_for(|d| *d)).await {
            Ok(Ok(_)) => Ok(()),
            _ => Err("auth timeout".into()),
        }
    }

    /// Starts the tasks that read bridge events and watch for a dead page or browser.
    async fn spawn_listeners(
        self: &Arc<Self>,
        mut connected: watch::Receiver<bool>,
    ) -> Result<(), String> {
        let mut calls = self
            .page
            .event_listener::<EventBindingCalled>()
            .await
            .map_err(|e| e.to_string())?;
        let mut crashes = self
            .page
            .event_listener::<EventTargetCrashed>()
            .await
            .map_err(|e| e.to_string())?;
        let weak = Arc::downgrade(self);
        let events = tokio::spawn(async move {
            while let Some(call) = calls.next().await {
                if call.name != bridge::BINDING {
                    continue;
                }
                let Some(session) = weak.upgrade() else { break };
                match BridgeEvent::parse(&call.payload) {
                    Some(event) => session.on_bridge_event(event),
                    None => tracing::warn!(session = %session.id, "unreadable bridge event"),
                }
            }
        });
        let weak = Arc::downgrade(self);
        let watchdog = tokio::spawn(async move {
            let why = tokio::select! {
                // `None` means the connection ended, which the other branch reports.
                Some(_) = crashes.next() => PAGE_CRASHED,
                _ = connected.wait_for(|up| !*up) => BROWSER_EXITED,
            };
            if let Some(session) = weak.upgrade() {
                session.on_death(why);
            }
        });
        let console = self.spawn_console_logger().await?;
        self.tasks
            .lock()
            .unwrap()
            .extend([events, watchdog, console]);
        Ok(())
    }

    /// Page console output and uncaught exceptions, at debug level (LOG_LEVEL=debug).
    async fn spawn_console_logger(&self) -> Result<JoinHandle<()>, String> {
        let mut console = self
            .page
            .event_listener::<EventConsoleApiCalled>()
            .await
            .map_err(|e| e.to_string())?;
        let mut exceptions = self
            .page
            .event_listener::<EventExceptionThrown>()
            .await
            .map_err(|e| e.to_string())?;
        let id = self.id.clone();
        Ok(tokio::spawn(async move {
            loop {
                tokio::select! {
                    Some(entry) = console.next() => {
                        let text: Vec<String> = entry.args.iter().map(|a| {
                            a.value.as_ref().map(|v| v.to_string()).or_else(|| a.description.clone()).unwrap_or_default()
                        }).collect();
                        tracing::debug!(session = %id, kind = ?entry.r#type, "page console: {}", text.join(" "));
                    }
                    Some(thrown) = exceptions.next() => {
                        let details = &thrown.exception_details;
                        let text = details.exception.as_ref().and_then(|e| e.description.clone()).unwrap_or_else(|| details.text.clone());
                        tracing::debug!(session = %id, "page exception: {text}");
                    }
                    else => break,
                }
            }
        }))
    }

    /// The browser or page is gone (or hung past a reload): report it once, for recovery.
    fn on_death(&self, why: &'static str) {
        if self.closing.load(Ordering::SeqCst) || self.dead.swap(true, Ordering::SeqCst) {
            return;
        }
        tracing::warn!(session = %self.id, why, "session died");
        self.lost(why);
        self.status.lock().unwrap().state = None;
        let _ = self.ctx.deaths.send(Death {
            session_id: self.id.clone(),
            generation: self.generation,
            why,
        });
    }

    /// A ready session stopped working: clients hear `disconnected` with the reason, as
    /// whatsapp-web.js reports a socket state it cannot work in; `ready` follows once it is back.
    fn lost(&self, reason: &str) {
        let was_ready = std::mem::replace(&mut self.status.lock().unwrap().ready, false);
        if was_ready {
            self.ctx.bus.publish(Event::new(
                &self.id,
                "disconnected",
                Some(json!({ "reason": reason })),
            ));
        }
    }

    /// Asks the page for its socket state within `timeout`: the heartbeat.
    async fn heartbeat(&self, timeout: Duration) -> Heartbeat {
        match self
            .call_with_timeout("session.getState", &Value::Null, timeout)
            .await
        {
            Ok(state) => {
                let state = state.as_str().map(str::to_owned);
                // A push lost on the way is mended here.
                self.status.lock().unwrap().state = state.clone();
                Heartbeat::Alive(state)
            }
            // The bridge is not there (between documents): alive, state unknown.
            Err(BridgeError::Failed { .. }) => Heartbeat::Alive(None),
            Err(BridgeError::Timeout) => Heartbeat::Hung,
            Err(BridgeError::PageGone(_)) => Heartbeat::Gone,
        }
    }

    /// Reloads the page (the bridge comes back with the new document); `true` if the page
    /// answers a heartbeat afterwards.
    async fn reload(&self, timeout: Duration) -> bool {
        tracing::warn!(session = %self.id, "watchdog: reloading the page");
        let _ = tokio::time::timeout(NAVIGATION_TIMEOUT.min(timeout * 3), self.page.reload()).await;
        matches!(self.heartbeat(timeout).await, Heartbeat::Alive(_))
    }

    /// Applies an event from the bridge to the session's status and publishes it.
    fn on_bridge_event(self: &Arc<Self>, event: BridgeEvent) {
        tracing::trace!(session = %self.id, kind = %event.kind, "bridge event");
        self.mark_alive();
        let data = event.data;
        match event.kind.as_str() {
            "__state" => {
                let state = data
                    .as_ref()
                    .and_then(|d| d["state"].as_str())
                    .map(str::to_owned);
                self.status.lock().unwrap().state = state;
                return;
            }
            "__auth" => {
                self.auth_decided.send_replace(true);
                return;
            }
            "__log" => {
                tracing::debug!(session = %self.id, message = %data.unwrap_or_default(), "bridge");
                return;
            }
            // The bridge cannot do its job on this page (its events would be missing).
            "__fault" => {
                tracing::error!(session = %self.id, message = %data.unwrap_or_default(), "bridge fault");
                return;
            }
            "qr" | "code" => self.linked_now.store(true, Ordering::SeqCst),
            _ => {}
        }
        match event.kind.as_str() {
            "qr" => {
                self.status.lock().unwrap().qr = data
                    .as_ref()
                    .and_then(|d| d["qr"].as_str())
                    .map(str::to_owned)
            }
            "authenticated" => self.status.lock().unwrap().qr = None,
            "ready" => {
                self.status.lock().unwrap().ready = true;
                self.raise_missed_messages();
            }
            "disconnected" => self.status.lock().unwrap().ready = false,
            _ => {}
        }
        let is_message = event.kind == "message";
        let message = if is_message {
            data.as_ref().map(|d| d["message"].clone())
        } else {
            None
        };
        self.ctx
            .bus
            .publish(Event::new(&self.id, &event.kind, data));
        if let Some(message) = message {
            self.after_incoming_message(message);
        }
    }

    /// The crash window: messages the page received while the last run of the daemon died
    /// before their `message` event was stored. After `ready`, the chats' incoming messages
    /// since the newest stored one are raised again; the store keeps each message once (its
    /// event id derives from the message id), so only the missing ones go out, with the id
    /// they would have had.
    fn raise_missed_messages(self: &Arc<Self>) {
        if self.linked_now.load(Ordering::SeqCst) {
            return;
        }
        let Some(since) = self.ctx.bus.missed_messages_since(&self.id) else {
            return;
        };
        let session = self.clone();
        tokio::spawn(async move {
            match session
                .call("events.incomingSince", &json!({ "since": since }))
                .await
            {
                Ok(Value::Array(messages)) => {
                    for message in messages {
                        let raised = session.ctx.bus.publish(Event::new(
                            &session.id,
                            "message",
                            Some(json!({ "message": message.clone() })),
                        ));
                        // As for a live one: its `media` event, and marked seen if so set.
                        if raised {
                            session.after_incoming_message(message);
                        }
                    }
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(session = %session.id, error = %err, "cannot look for messages missed by a crash")
                }
            }
        });
    }

    /// wwebjs-api's extras on an incoming message: the `media` event, and marking it seen.
    fn after_incoming_message(self: &Arc<Self>, message: Value) {
        let config = &self.ctx.config;
        let small_enough = message["_data"]["size"]
            .as_u64()
            .is_some_and(|size| size < config.max_attachment_size);
        let wants_media = config.callback_enabled("message") && config.callback_enabled("media");
        if message["hasMedia"].as_bool() == Some(true) && small_enough && wants_media {
            let session = self.clone();
            let message = message.clone();
            tokio::spawn(async move {
                let Ok(_permit) = session.ctx.media_downloads.clone().acquire_owned().await else {
                    return;
                };
                let id = message["id"]["_serialized"].clone();
                match session
                    .call("message.downloadMediaBySerializedId", &json!({ "id": id }))
                    .await
                {
                    Ok(media) if !media.is_null() => {
                        session.ctx.bus.publish(Event::new(
                            &session.id,
                            "media",
                            Some(json!({ "messageMedia": media, "message": message })),
                        ));
                    }
                    Ok(_) => {
                        tracing::warn!(session = %session.id, "media of an incoming message was not available")
                    }
                    Err(err) => {
                        tracing::warn!(session = %session.id, error = %err, "media download failed")
                    }
                }
            });
        }
        if config.set_messages_as_seen {
            let session = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let chat_id = message["from"].clone();
                if let Err(err) = session
                    .call("client.sendSeen", &json!({ "chatId": chat_id }))
                    .await
                {
                    tracing::warn!(session = %session.id, error = %err, "sendSeen failed");
                }
            });
        }
    }

    /// Calls a bridge function with the default timeout.
    pub async fn call(&self, name: &str, args: &Value) -> Result<Value, BridgeError> {
        self.call_with_timeout(name, args, CALL_TIMEOUT).await
    }

    pub async fn call_with_timeout(
        &self,
        name: &str,
        args: &Value,
        timeout: Duration,
    ) -> Result<Value, BridgeError> {
        let result = bridge::call(&self.page, name, args, timeout).await;
        if matches!(result, Ok(_) | Err(BridgeError::Failed { .. })) {
            self.mark_alive();
        }
        result
    }

    fn mark_alive(&self) {
        *self.alive_at.lock().unwrap() = std::time::Instant::now();
    }

    /// WhatsApp Web's socket state, as a CDP call to the page would answer it. The bridge pushes
    /// every change, so this is answered from memory while the page is known to be alive: not
    /// closing or dead, and heard from within a watchdog interval (plus a second). Otherwise
    /// (a page that went quiet may be hung; a new document has not pushed yet) the page is
    /// asked, with its timeout.
    pub async fn state(&self) -> Result<Option<String>, BridgeError> {
        let fresh = self.alive_at.lock().unwrap().elapsed()
            < self.ctx.config.watchdog_interval + Duration::from_secs(1);
        let usable =
            fresh && !self.closing.load(Ordering::SeqCst) && !self.dead.load(Ordering::SeqCst);
        if usable && let Some(state) = self.status.lock().unwrap().state.clone() {
            return Ok(Some(state));
        }
        self.live_state().await
    }

    /// The browser's main process id (leader of its process group).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Memory of the session's Chromium process tree, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        super::process::tree_memory(self.pid)
    }

    /// A copy of what the bridge last reported.
    pub fn status(&self) -> Status {
        self.status.lock().unwrap().clone()
    }

    /// Asks the page for the socket state, as wwebjs-api's sessionValidation does.
    pub async fn live_state(&self) -> Result<Option<String>, BridgeError> {
        let state = self
            .call_with_timeout("session.getState", &Value::Null, Duration::from_secs(5))
            .await?;
        Ok(state.as_str().map(str::to_owned))
    }

    /// A PNG of the page.
    pub async fn screenshot(&self) -> Result<Vec<u8>, String> {
        let _one_at_a_time = self.screenshots.lock().await;
        let params = ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .full_page(true)
            .build();
        match tokio::time::timeout(Duration::from_secs(15), self.page.screenshot(params)).await {
            Ok(Ok(png)) => Ok(png),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err("page_not_ready".into()),
        }
    }

    /// Logs the device out of WhatsApp (terminate of a connected session), then closes.
    pub async fn logout(&self) {
        if let Err(err) = self
            .call_with_timeout("session.logout", &Value::Null, Duration::from_secs(10))
            .await
        {
            tracing::warn!(session = %self.id, error = %err, "logout failed; closing anyway");
        }
        self.close().await;
    }

    /// Closes the browser and waits for its process. Safe to call twice.
    pub async fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        if let Some((browser, process)) = self.browser.lock().await.take() {
            browser::shutdown(browser, process).await;
        }
        let mut status = self.status.lock().unwrap();
        status.ready = false;
        status.state = None;
        status.qr = None;
    }
}

/// Opens the one page the session uses, with the binding and the bridge installed before any
/// document loads, and closes the blank tab Chromium starts with.
async fn prepare_page(browser: &Browser, config: &Config) -> Result<Page, String> {
    let setup = async {
        let page = browser
            .new_page("about:blank")
            .await
            .map_err(|e| e.to_string())?;
        for other in browser.pages().await.map_err(|e| e.to_string())? {
            if other.target_id() != page.target_id() {
                let _ = other.close().await;
            }
        }
        page.execute(AddBindingParams::new(bridge::BINDING))
            .await
            .map_err(|e| e.to_string())?;
        super::proxy_auth::install(&page, config).await?;
        page.evaluate_on_new_document(bridge::script())
            .await
            .map_err(|e| e.to_string())?;
        Ok::<Page, String>(page)
    };
    tokio::time::timeout(Duration::from_secs(30), setup)
        .await
        .map_err(|_| "browser did not open a page in time".to_string())?
}

/// wwebjs-api reports a failed load with Chromium's error and the URL.
fn navigation_error(err: &str, url: &str) -> String {
    match err.find("net::") {
        Some(i) => format!(
            "{} at {url}",
            err[i..].split_whitespace().next().unwrap_or(err)
        ),
        None => format!("{err} at {url}"),
    }
}
