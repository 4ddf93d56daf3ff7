//! `GET {BASE_PATH}/ws/{sessionId}`: a WebSocket that receives every event of the session as the
//! JSON text frame a webhook would get. The API key, when set, comes as an `x-api-key` header or
//! an `apiKey` query parameter (browsers cannot set headers on a WebSocket).
//!
//! Resume: a client that connects with `?lastEventId=evt_N` (or a `Last-Event-ID` header) first
//! gets the session's events after N from the outbox, then live ones, with no gap or repeat.
//! Such a client, or one that passes `?eventIds=true`, gets each frame with a last key
//! `"eventId":"evt_N"` to resume from next time; other clients get wwebjs-api's frames unchanged.

use std::collections::HashMap;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use super::auth;
use super::error::ApiError;
use super::extract::SessionPath;
use super::operation_access::needs;
use crate::cluster::Route;
use crate::cluster::forward::{FORWARDED_BY, pipe_websocket};
use crate::events::websocket::{Frame, with_event_id};

/// Stored events sent per page while catching up.
const RESUME_PAGE: usize = 256;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ws/{sessionId}", get(subscribe))
}

async fn subscribe(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    OriginalUri(original): OriginalUri,
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
    // Cluster mode: the events are raised on the node that runs the session; join it there.
    if let Some(cluster) = &state.cluster
        && !headers.contains_key(FORWARDED_BY)
        && let Route::There(base) = cluster.route(id.as_str(), false).await
    {
        let path = original.path_and_query().map_or("/", |p| p.as_str());
        let url = format!("{}{path}", base.replacen("http", "ws", 1));
        let key = headers.get("x-api-key").cloned();
        let me = cluster.node_id().to_owned();
        crate::metrics::cluster_forwarded("websocket");
        return Ok(upgrade.on_upgrade(move |socket| pipe_websocket(socket, url, key, me)));
    }
    let last_event_id = query.get("lastEventId").cloned().or_else(|| {
        headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let resume_after = match last_event_id.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(0),
        Some(raw) => Some(
            state
                .bus
                .seq_of_event(raw)
                .map_err(|e| ApiError::internal(e.to_string()))?
                .ok_or_else(|| {
                    ApiError::bad_request(format!("lastEventId: {raw:?} is not a known event id"))
                })?,
        ),
    };
    let with_ids = resume_after.is_some()
        || query
            .get("eventIds")
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    // Subscribe before reading the store, so nothing raised meanwhile falls between the two.
    let events = state.bus.sockets().subscribe(id.as_str());
    let session = id.as_str().to_owned();
    Ok(upgrade.on_upgrade(move |socket| async move {
        forward(
            socket,
            events,
            state.clone(),
            session.clone(),
            resume_after,
            with_ids,
        )
        .await;
        // The receiver is dropped by now: free the channel if nobody else needs it.
        let in_memory = state.sessions.contains(&session);
        state.bus.sockets().release_if_unused(&session, in_memory);
    }))
}

/// Sends what the client missed (when resuming), then forwards events until the client leaves
/// or the session's channel closes. Client frames are ignored (pings are answered by the
/// protocol layer).
async fn forward(
    mut socket: WebSocket,
    mut events: tokio::sync::broadcast::Receiver<Frame>,
    state: AppState,
    session: String,
    resume_after: Option<i64>,
    with_ids: bool,
) {
    let mut last_sent = 0;
    if let Some(mut after) = resume_after {
        loop {
            let bus = state.bus.clone();
            let session = session.clone();
            let page = tokio::task::spawn_blocking(move || {
                bus.outbox().events_after(&session, after, RESUME_PAGE)
            })
            .await;
            let page = match page {
                Ok(Ok(page)) => page,
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, "WebSocket resume could not read the outbox");
                    break;
                }
                Err(_) => break,
            };
            for stored in &page {
                let text = with_event_id(&String::from_utf8_lossy(&stored.body), &stored.id);
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
                after = stored.seq;
            }
            last_sent = after;
            if page.len() < RESUME_PAGE {
                break;
            }
        }
    }
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(frame) => {
                    if frame.seq != 0 && frame.seq <= last_sent {
                        continue; // already sent from the store
                    }
                    let text = if with_ids { frame.with_event_id() } else { frame.body.to_string() };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "WebSocket subscriber lagged behind");
                    if socket.send(Message::Text(lagged_frame(&session, missed).into())).await.is_err() {
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
