//! The Rust side of the JavaScript bridge in `assets/bridge`.
//!
//! The bridge is injected before WhatsApp Web's own scripts on every document
//! (`Page.addScriptToEvaluateOnNewDocument`), so it comes back by itself after a reload or the
//! post-logout navigation. Calls go in through `Runtime.evaluate` of
//! `window.__wagw.call(name, args)` (by value, awaited, with a timeout: a crashed renderer never
//! answers); events come out through the CDP binding [`BINDING`].

use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use serde::Deserialize;
use serde_json::Value;

/// The page-side binding the bridge reports events through.
pub const BINDING: &str = "__wagwEmit";

/// Bridge files, concatenated in this order: core first, modules after it register on it.
const SCRIPTS: &[(&str, &str)] = &[
    ("core.js", include_str!("../../assets/bridge/core.js")),
    ("models.js", include_str!("../../assets/bridge/models.js")),
    ("media.js", include_str!("../../assets/bridge/media.js")),
    ("events.js", include_str!("../../assets/bridge/events.js")),
    ("session.js", include_str!("../../assets/bridge/session.js")),
    ("client.js", include_str!("../../assets/bridge/client.js")),
    ("chat.js", include_str!("../../assets/bridge/chat.js")),
    ("group.js", include_str!("../../assets/bridge/group.js")),
    ("message.js", include_str!("../../assets/bridge/message.js")),
    ("contact.js", include_str!("../../assets/bridge/contact.js")),
    ("channel.js", include_str!("../../assets/bridge/channel.js")),
];

/// The whole bridge script, with the page-side settings it needs.
pub fn script() -> String {
    let settings = serde_json::json!({ "binding": BINDING });
    let mut out = format!("window.__wagwSettings = {settings};\n");
    for (name, body) in SCRIPTS {
        out.push_str(&format!("// ---- {name}\n{body}\n"));
    }
    out
}

/// Why a bridge call did not give a value.
#[derive(Debug, Clone, PartialEq)]
pub enum BridgeError {
    /// The bridge function failed; `status` is the HTTP status it asked for (500 by default).
    Failed { status: u16, message: String },
    /// No answer in time (hung or crashed renderer).
    Timeout,
    /// The page or browser is gone.
    PageGone(String),
}

impl std::fmt::Display for BridgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BridgeError::Failed { message, .. } => f.write_str(message),
            BridgeError::Timeout => f.write_str("the page did not answer in time"),
            BridgeError::PageGone(why) => write!(f, "session closed: {why}"),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Ok(Option<Value>),
    Err {
        status: Option<u16>,
        message: Option<String>,
    },
}

/// Calls a registered bridge function and returns its JSON result (`null` for undefined).
pub async fn call(
    page: &Page,
    name: &str,
    args: &Value,
    timeout: Duration,
) -> Result<Value, BridgeError> {
    // JSON is valid JavaScript, so arguments travel inside the expression itself.
    let expression = format!(
        "window.__wagw ? window.__wagw.call({}, {}) : {{err: {{status: 404, message: 'session_not_connected'}}}}",
        serde_json::to_string(name).expect("a string serialises"),
        serde_json::to_string(args).expect("JSON values serialise")
    );
    let params = EvaluateParams::builder()
        .expression(expression)
        .await_promise(true)
        .return_by_value(true)
        .build()
        .expect("expression is set");
    let started = std::time::Instant::now();
    let answer = tokio::time::timeout(timeout, page.execute(params)).await;
    let outcome = match &answer {
        Err(_) => "timeout",
        Ok(Err(_)) => "page_gone",
        Ok(Ok(response)) if response.result.exception_details.is_some() => "error",
        Ok(Ok(_)) => "answered",
    };
    crate::metrics::bridge_call(name, outcome, started.elapsed());
    let result = match answer {
        Err(_) => return Err(BridgeError::Timeout),
        Ok(Err(err)) => return Err(BridgeError::PageGone(err.to_string())),
        Ok(Ok(response)) => response.result,
    };
    if let Some(exception) = result.exception_details {
        let message = exception
            .exception
            .and_then(|e| e.description)
            .unwrap_or(exception.text);
        return Err(BridgeError::Failed {
            status: 500,
            message,
        });
    }
    let value = result.result.value.unwrap_or(Value::Null);
    match serde_json::from_value::<Outcome>(value) {
        Ok(Outcome::Ok(value)) => Ok(value.unwrap_or(Value::Null)),
        Ok(Outcome::Err { status, message }) => Err(BridgeError::Failed {
            status: status.unwrap_or(500),
            message: message.unwrap_or_else(|| "Unknown error".into()),
        }),
        Err(_) => Err(BridgeError::Failed {
            status: 500,
            message: "malformed bridge answer".into(),
        }),
    }
}

/// One event reported by the bridge: `type` is the wwebjs-api dataType (or an internal `__x`).
#[derive(Debug, Deserialize)]
pub struct BridgeEvent {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub data: Option<Value>,
}

impl BridgeEvent {
    pub fn parse(payload: &str) -> Option<Self> {
        serde_json::from_str(payload).ok()
    }
}
