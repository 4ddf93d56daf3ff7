//! `GET {BASE_PATH}/ws/{sessionId}`: a WebSocket that receives every event of the session as the
//! JSON text frame a webhook would get. The API key, when set, comes as an `x-api-key` header or
//! an `apiKey` query parameter (browsers cannot set headers on a WebSocket).

use std::collections::HashMap;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use super::auth;
use super::error::ApiError;
use super::extract::SessionPath;
use super::operation_access::needs;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ws/{sessionId}", get(subscribe))
}

async fn subscribe(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !state.config.enable_websocket {
        return Err(ApiError::not_found(
            "WebSocket is disabled (ENABLE_WEBSOCKET)",
        ));
    }
    let given = headers
        .get("x-api-key")
        .map(|v| v.as_bytes())
        .or(query.get("apiKey").map(|k| k.as_bytes()));
    let caller = auth::identify(&state, given)?;
    auth::authorize(&caller, needs("GET", "/ws/{sessionId}"), Some(id.as_str()))?;
    let events = state.bus.sockets().subscribe(id.as_str());
    Ok(upgrade.on_upgrade(move |socket| async move {
        forward(socket, events, id.as_str()).await;
        // The receiver is dropped by now: free the channel if nobody else needs it.
        let in_memory = state.sessions.contains(id.as_str());
        state
            .bus
            .sockets()
            .release_if_unused(id.as_str(), in_memory);
    }))
}

/// Forwards events until the client leaves or the session's channel closes. Client frames are
/// ignored (pings are answered by the protocol layer).
async fn forward(
    mut socket: WebSocket,
    mut events: tokio::sync::broadcast::Receiver<std::sync::Arc<str>>,
    session_id: &str,
) {
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(frame) => {
                    if socket.send(Message::Text(frame.as_ref().into())).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "WebSocket subscriber lagged behind");
                    if socket.send(Message::Text(lagged_frame(session_id, missed).into())).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// Tells a subscriber that fell behind how many events it missed, in the shape of an event
/// (clients written for wwebjs-api ignore a `dataType` they do not know).
fn lagged_frame(session_id: &str, missed: u64) -> String {
    serde_json::json!({ "dataType": "lagged", "data": { "missed": missed }, "sessionId": session_id })
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lagging_subscriber_is_told_how_much_it_missed() {
        let frame: serde_json::Value = serde_json::from_str(&super::lagged_frame("s1", 7)).unwrap();
        assert_eq!(
            frame,
            serde_json::json!({"dataType": "lagged", "data": {"missed": 7}, "sessionId": "s1"})
        );
    }
}
