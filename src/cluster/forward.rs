//! Forwarding: a request for a session another node owns is passed to that node as it came
//! (method, path, query, headers with the API key, body streamed) and its answer streamed back.

use axum::body::Body;
use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Marks a forwarded request (its value: the node that forwarded it), so it is never forwarded
/// again.
pub const FORWARDED_BY: HeaderName = HeaderName::from_static("x-wagw-forwarded-by");
/// On every answer and webhook in cluster mode: the node that owns (ran) the session.
pub const NODE_HEADER: HeaderName = HeaderName::from_static("x-wagw-node");

/// Headers that belong to one connection, not to the message (RFC 9110 section 7.6.1).
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if !hop_by_hop(name) {
            to.append(name.clone(), value.clone());
        }
    }
}

/// Sends `request` to the node at `base` (its NODE_URL) and answers what it answers.
pub async fn forward(client: &reqwest::Client, base: &str, me: &str, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Under BASE_PATH the router sees the path without it; the owner needs it whole.
    let uri = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let url = format!("{base}{path}");
    let mut headers = HeaderMap::new();
    copy_headers(&parts.headers, &mut headers);
    if let Ok(value) = HeaderValue::from_str(me) {
        headers.insert(FORWARDED_BY, value);
    }
    let sent = client
        .request(parts.method.clone(), &url)
        .headers(headers)
        .body(reqwest::Body::wrap_stream(body.into_data_stream()))
        .send()
        .await;
    match sent {
        Ok(answer) => {
            let status = answer.status();
            let mut headers = HeaderMap::new();
            copy_headers(answer.headers(), &mut headers);
            let mut response = Response::new(Body::from_stream(answer.bytes_stream()));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            response
        }
        Err(err) => {
            tracing::warn!(%url, error = %err, "forwarding to the owner node failed");
            unavailable(format!(
                "the node that owns this session is not answering: {err}"
            ))
        }
    }
}

/// Joins a client's WebSocket to the same `/ws/<id>` on the owner node (`url`, ws:// or wss://)
/// and passes frames both ways until either side closes.
pub async fn pipe_websocket(
    mut client: axum::extract::ws::WebSocket,
    url: String,
    api_key: Option<HeaderValue>,
    me: String,
) {
    use axum::extract::ws::Message as Client;
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Owner;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let Ok(mut request) = url.as_str().into_client_request() else {
        return;
    };
    if let Some(key) = api_key {
        request.headers_mut().insert("x-api-key", key);
    }
    if let Ok(me) = HeaderValue::from_str(&me) {
        request.headers_mut().insert(FORWARDED_BY, me);
    }
    let owner = match tokio_tungstenite::connect_async(request).await {
        Ok((owner, _)) => owner,
        Err(err) => {
            tracing::warn!(%url, error = %err, "cannot reach the owner's WebSocket");
            let _ = client.close().await;
            return;
        }
    };
    let (mut to_owner, mut from_owner) = owner.split();
    let (mut to_client, mut from_client) = client.split();
    let downstream = async {
        while let Some(Ok(frame)) = from_owner.next().await {
            let frame = match frame {
                Owner::Text(text) => Client::Text(text.as_str().into()),
                Owner::Binary(bytes) => Client::Binary(bytes),
                Owner::Close(_) => break,
                _ => continue,
            };
            if to_client.send(frame).await.is_err() {
                break;
            }
        }
        let _ = to_client.send(Client::Close(None)).await;
    };
    let upstream = async {
        while let Some(Ok(frame)) = from_client.next().await {
            let frame = match frame {
                Client::Text(text) => Owner::Text(text.as_str().into()),
                Client::Binary(bytes) => Owner::Binary(bytes),
                Client::Close(_) => break,
                _ => continue,
            };
            if to_owner.send(frame).await.is_err() {
                break;
            }
        }
        let _ = to_owner.send(Owner::Close(None)).await;
    };
    // Either side leaving ends both.
    tokio::select! {
        () = downstream => {}
        () = upstream => {}
    }
}

/// A JSON 503 in wwebjs-api's error shape.
pub fn unavailable(message: String) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, HeaderValue::from_static("5"))],
        axum::Json(json!({ "success": false, "error": message })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_headers_stay_behind_and_the_rest_passes() {
        let mut from = HeaderMap::new();
        from.insert("x-api-key", HeaderValue::from_static("k"));
        from.insert("content-type", HeaderValue::from_static("application/json"));
        from.insert("connection", HeaderValue::from_static("keep-alive"));
        from.insert("host", HeaderValue::from_static("lb:80"));
        from.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        let mut to = HeaderMap::new();
        copy_headers(&from, &mut to);
        assert_eq!(to.len(), 2, "{to:?}");
        assert_eq!(to["x-api-key"], "k");
    }
}
