//! Media over HTTP, the way WhatsApp Web moves it: uploads go to `/mms/<type>/<token>`
//! (WhatsApp's media upload path) and answer `{url, direct_path}`; downloads fetch the
//! `directPath` itself (`/v/...`). The simulator does not encrypt: the bytes are the file.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use crate::Sim;

pub fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/mms/{kind}/{token}", post(upload))
        .route("/v/{*path}", get(download))
}

async fn upload(
    State(sim): State<Arc<Sim>>,
    Path((_kind, _token)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mimetype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let direct_path = sim.network().store_media(body.to_vec(), &mimetype);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    Json(json!({"url": format!("http://{host}{direct_path}"), "direct_path": direct_path}))
        .into_response()
}

async fn download(State(sim): State<Arc<Sim>>, uri: Uri) -> Response {
    let network = sim.network();
    match network.media(uri.path()) {
        Some(blob) => (
            [(header::CONTENT_TYPE, blob.mimetype.clone())],
            blob.bytes.clone(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "media not found").into_response(),
    }
}
