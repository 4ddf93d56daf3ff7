//! `/ping` (no auth) and the optional `POST /localCallbackExample` webhook receiver.

use std::path::PathBuf;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::ApiJson;

/// Operations of this module in the OpenAPI document (served by [`ping_route`] and
/// [`local_callback_route`], which sit outside the API-key guard or behind their own switch).
pub fn routes() -> OpenApiRouter<AppState> {
    // Documented here, routed below: /ping must stay outside the API-key guard.
    let (_, spec) = OpenApiRouter::new()
        .routes(routes!(ping))
        .routes(routes!(local_callback_example))
        .split_for_parts();
    OpenApiRouter::with_openapi(spec)
}

pub fn ping_route() -> Router<AppState> {
    Router::new().route("/ping", get(ping))
}

pub fn local_callback_route() -> Router<AppState> {
    Router::new().route(
        "/localCallbackExample",
        axum::routing::post(local_callback_example),
    )
}

/// Health check
#[utoipa::path(get, path = "/ping", tag = "Health", responses((status = 200, description = "pong", body = Value, example = json!({"success": true, "message": "pong"}))))]
pub async fn ping() -> Json<Value> {
    Json(json!({ "success": true, "message": "pong" }))
}

/// Example webhook receiver: appends each callback to SESSIONS_PATH/message_log.txt
#[utoipa::path(post, path = "/localCallbackExample", tag = "Health", request_body = Value,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 403, body = Value)))]
pub async fn local_callback_example(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    if body["dataType"] == "qr" {
        tracing::info!(qr = %body["data"]["qr"], "QR received by the local callback example");
    }
    let log: PathBuf = state.config.sessions_path.join("message_log.txt");
    let line = format!("{body}\r\n");
    let sessions_path = state.config.sessions_path.clone();
    let write = tokio::task::spawn_blocking(move || {
        crate::private_files::create_dir_all(&sessions_path)?;
        crate::private_files::append(&log, line.as_bytes())
    });
    write
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(json!({ "success": true })))
}
