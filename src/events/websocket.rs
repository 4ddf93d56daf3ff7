//! WebSocket fan-out: one broadcast channel per session; `/ws/{sessionId}` subscribers get every
//! event of that session as a JSON text frame identical to the webhook body.

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::broadcast;

use super::Event;

/// Frames buffered per subscriber; a subscriber that falls further behind is told it lagged.
const CHANNEL_CAPACITY: usize = 1024;

/// Per-session broadcast channels.
#[derive(Default)]
pub struct WebSocketHub {
    channels: DashMap<String, broadcast::Sender<Arc<str>>>,
}

impl WebSocketHub {
    /// Subscribes to a session's events (the channel is created on first use).
    pub fn subscribe(&self, session_id: &str) -> broadcast::Receiver<Arc<str>> {
        self.channels
            .entry(session_id.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Sends an event to the session's subscribers, if any.
    pub fn send(&self, event: &Event) {
        if let Some(channel) = self.channels.get(&event.session_id) {
            if channel.receiver_count() > 0 {
                let frame: Arc<str> = serde_json::to_string(event)
                    .expect("events serialise")
                    .into();
                let _ = channel.send(frame);
            }
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
}
