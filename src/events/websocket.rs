//! WebSocket fan-out: one broadcast channel per session; `/ws/{sessionId}` subscribers get every
//! event of that session as a JSON text frame identical to the webhook body. Each frame travels
//! with its outbox seq so a resuming subscriber can skip what it already got from the store.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::broadcast;

/// Frames buffered per subscriber; a subscriber that falls further behind is told it lagged.
const CHANNEL_CAPACITY: usize = 1024;

/// One event for subscribers: its outbox seq (0 if it could not be stored), id and wire body.
#[derive(Debug, Clone)]
pub struct Frame {
    pub seq: i64,
    pub id: Arc<str>,
    pub body: Arc<str>,
}

impl Frame {
    /// The body with the event id appended as a last key, `"eventId":"evt_<seq>"`, for clients
    /// that asked for ids (a wwebjs-api client reading dataType/data/sessionId ignores it).
    pub fn with_event_id(&self) -> String {
        with_event_id(&self.body, &self.id)
    }
}

/// Appends `"eventId"` to a JSON object body (ids are `evt_` + URL-safe characters).
pub fn with_event_id(body: &str, id: &str) -> String {
    match body.strip_suffix('}') {
        Some(open) if !id.is_empty() => format!("{open},\"eventId\":\"{id}\"}}"),
        _ => body.to_owned(),
    }
}

/// Per-session broadcast channels.
#[derive(Default)]
pub struct WebSocketHub {
    channels: DashMap<String, broadcast::Sender<Frame>>,
}

impl WebSocketHub {
    /// Subscribes to a session's events (the channel is created on first use).
    pub fn subscribe(&self, session_id: &str) -> broadcast::Receiver<Frame> {
        self.channels
            .entry(session_id.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Sends an event body to the session's subscribers, if any.
    pub fn send(&self, session_id: &str, seq: i64, id: &str, body: &[u8]) {
        if let Some(channel) = self.channels.get(session_id)
            && channel.receiver_count() > 0
        {
            let body: Arc<str> = String::from_utf8_lossy(body).into();
            let _ = channel.send(Frame {
                seq,
                id: id.into(),
                body,
            });
        }
    }

    /// How many subscribers a session has (for /metrics).
    pub fn subscriber_count(&self, session_id: &str) -> usize {
        self.channels
            .get(session_id)
            .map_or(0, |channel| channel.receiver_count())
    }

    /// Frees a session's channel once its last subscriber left and the session is gone
    /// (`session_in_memory` false), so subscribing to ids that never run leaks nothing.
    pub fn release_if_unused(&self, session_id: &str, session_in_memory: bool) {
        if !session_in_memory {
            self.channels
                .remove_if(session_id, |_, channel| channel.receiver_count() == 0);
        }
    }

    /// How many channels exist (for tests).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Disconnects every subscriber of a session.
    pub fn close(&self, session_id: &str) {
        self.channels.remove(session_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_go_with_their_last_subscriber_when_the_session_is_gone() {
        let hub = WebSocketHub::default();
        let first = hub.subscribe("ghost");
        let second = hub.subscribe("ghost");
        drop(first);
        hub.release_if_unused("ghost", false);
        assert_eq!(hub.channel_count(), 1, "a subscriber is left");
        drop(second);
        hub.release_if_unused("ghost", true);
        assert_eq!(hub.channel_count(), 1, "the session still runs");
        hub.release_if_unused("ghost", false);
        assert_eq!(hub.channel_count(), 0);
    }

    #[test]
    fn event_id_is_a_last_key() {
        assert_eq!(
            with_event_id(r#"{"dataType":"ready","sessionId":"s1"}"#, "evt_7"),
            r#"{"dataType":"ready","sessionId":"s1","eventId":"evt_7"}"#
        );
        assert_eq!(with_event_id(r#"{"a":1}"#, ""), r#"{"a":1}"#);
    }
}
