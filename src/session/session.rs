//! One WhatsApp session: its Chromium, its WhatsApp Web page with the bridge, the state the
//! bridge reports (socket state, current QR, ready), and the events it raises.
//!
//! The session owns its browser; everyone else holds an `Arc<Session>` and goes through
//! [`Session::call`], which always has a timeout.

use std::sync::atomic::{AtomicBool, Ordering};
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

/// Everything a session needs from the rest of the daemon.
#[derive(Clone)]
pub struct SessionContext {
    pub config: Arc<Config>,
    pub bus: Arc<EventBus>,
    /// Where a session reports that its browser or page died (for RECOVER_SESSIONS).
    pub deaths: mpsc::UnboundedSender<String>,
}

pub struct Session {
    pub id: String,
    ctx: SessionContext,
    page: Page,
    browser: tokio::sync::Mutex<Option<Browser>>,
    status: Mutex<Status>,
    /// Becomes true once the bridge told whether WhatsApp Web needs a QR.
    auth_decided: watch::Sender<bool>,
    /// Set when we close the session on purpose, so its end is not reported as a death.
    closing: AtomicBool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Session {
    /// Launches Chromium, loads WhatsApp Web with the bridge and waits until it is known whether
    /// a QR is needed (the QR itself has been raised by then). Leaves no browser behind on error.
    pub async fn start(id: &str, ctx: SessionContext) -> Result<Arc<Session>, String> {
        let launched = browser::launch(&ctx.config, id).await?;
        let page = match prepare_page(&launched.browser, &ctx.config).await {
            Ok(page) => page,
            Err(err) => {
                browser::shutdown(launched.browser).await;
                return Err(err);
            }
        };
        // From here the session owns the browser, so every failure below closes it.
        let session = Arc::new(Session {
            id: id.to_owned(),
            ctx,
            page,
            browser: tokio::sync::Mutex::new(Some(launched.browser)),
            status: Mutex::new(Status::default()),
            auth_decided: watch::channel(false).0,
            closing: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
        });
        if let Err(err) = session.boot(launched.connected).await {
            session.close().await;
            return Err(err);
        }
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
                _ = crashes.next() => "page crashed",
                _ = connected.wait_for(|up| !*up) => "browser exited",
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

    fn on_death(&self, why: &str) {
        if self.closing.load(Ordering::SeqCst) {
            return;
        }
        tracing::warn!(session = %self.id, why, "session died");
        {
            let mut status = self.status.lock().unwrap();
            status.ready = false;
            status.state = None;
        }
        let _ = self.ctx.deaths.send(self.id.clone());
    }

    /// Applies an event from the bridge to the session's status and publishes it.
    fn on_bridge_event(self: &Arc<Self>, event: BridgeEvent) {
        tracing::trace!(session = %self.id, kind = %event.kind, "bridge event");
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
            "qr" => {
                self.status.lock().unwrap().qr = data
                    .as_ref()
                    .and_then(|d| d["qr"].as_str())
                    .map(str::to_owned)
            }
            "authenticated" => self.status.lock().unwrap().qr = None,
            "ready" => self.status.lock().unwrap().ready = true,
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
                let id = message["id"]["_serialized"].clone();
                match session
                    .call("message.downloadMediaBySerializedId", &json!({ "id": id }))
                    .await
                {
                    Ok(media) if !media.is_null() => session.ctx.bus.publish(Event::new(
                        &session.id,
                        "media",
                        Some(json!({ "messageMedia": media, "message": message })),
                    )),
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
        bridge::call(&self.page, name, args, timeout).await
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
        if let Some(browser) = self.browser.lock().await.take() {
            browser::shutdown(browser).await;
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
