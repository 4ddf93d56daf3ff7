//! Events: what a session reports (qr, ready, message, ...) and their fan-out.
//!
//! An [`Event`] has the wire shape of wwebjs-api's callbacks: `{dataType, data, sessionId}`,
//! `data` omitted when absent. [`EventBus::publish`] applies `DISABLED_CALLBACKS`, then hands the
//! event to the webhook dispatcher (a queue per session and URL, so a slow receiver delays only
//! its own deliveries) and to the WebSocket hub (a broadcast per session).

pub mod webhook;
pub mod websocket;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::config::Config;

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

/// Fan-out of events to webhooks and WebSockets.
pub struct EventBus {
    config: Arc<Config>,
    webhooks: webhook::WebhookDispatcher,
    sockets: websocket::WebSocketHub,
}

impl EventBus {
    pub fn new(config: Arc<Config>) -> Self {
        EventBus {
            webhooks: webhook::WebhookDispatcher::new(config.clone()),
            sockets: websocket::WebSocketHub::default(),
            config,
        }
    }

    /// Sends an event to the session's webhook and WebSocket subscribers, unless disabled.
    pub fn publish(&self, event: Event) {
        if !self.config.callback_enabled(&event.data_type) {
            return;
        }
        let event = Arc::new(event);
        if let Some(url) = self.config.webhook_url_for(&event.session_id) {
            self.webhooks.enqueue(&url, event.clone());
        }
        if self.config.enable_websocket {
            self.sockets.send(&event);
        }
    }

    /// The WebSocket hub (subscriptions for `/ws/{sessionId}`).
    pub fn sockets(&self) -> &websocket::WebSocketHub {
        &self.sockets
    }

    /// Closes a session's WebSocket subscribers (stop / terminate), as wwebjs-api does, and
    /// lets its webhook workers end once they have delivered what is queued.
    pub fn close_session(&self, session_id: &str) {
        self.sockets.close(session_id);
        self.webhooks.forget_session(session_id);
    }

    /// Waits until queued webhooks are delivered or the deadline passes (shutdown).
    pub async fn flush(&self, deadline: std::time::Duration) {
        self.webhooks.flush(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
