//! The session API: the 12 operations of wwebjs-api's `/session` router, with its answers
//! (including its habit of saying "not found" with a 200 and a `message` key).

use axum::Json;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, SessionPath};
use crate::session::StartError;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_sessions))
        .routes(routes!(start_session))
        .routes(routes!(stop_session))
        .routes(routes!(status_session))
        .routes(routes!(session_qr))
        .routes(routes!(session_qr_image))
        .routes(routes!(request_pairing_code))
        .routes(routes!(restart_session))
        .routes(routes!(terminate_session))
        .routes(routes!(terminate_inactive_sessions))
        .routes(routes!(terminate_all_sessions))
        .routes(routes!(get_page_screenshot))
}

const NO_CACHE: [(header::HeaderName, HeaderValue); 2] = [
    (
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    ),
    (header::EXPIRES, HeaderValue::from_static("0")),
];

fn not_found_message() -> Json<Value> {
    Json(json!({ "success": false, "message": "session_not_found" }))
}

fn not_found_state() -> Json<Value> {
    Json(json!({ "success": false, "state": null, "message": "session_not_found" }))
}

/// All sessions in memory
#[utoipa::path(get, path = "/session/getSessions", tag = "Session",
    responses((status = 200, body = Value, example = json!({"success": true, "result": ["demo"]})), (status = 403, body = Value)))]
pub async fn get_sessions(State(state): State<AppState>) -> Json<Value> {
    let ids = match &state.cluster {
        // Every session running in the cluster, whatever node answers.
        Some(cluster) => cluster.all_sessions().await,
        None => state.sessions.ids(),
    };
    Json(json!({ "success": true, "result": ids }))
}

/// Start a session: launch its browser and load WhatsApp Web (the QR follows as an event)
#[utoipa::path(get, path = "/session/start/{sessionId}", tag = "Session", params(("sessionId" = String, Path, description = "Unique id of the session, ^[\\w-]+$")),
    responses((status = 200, body = Value, example = json!({"success": true, "message": "Session initiated successfully"})),
              (status = 422, body = Value, example = json!({"success": false, "error": "Session already exists for: demo"})),
              (status = 429, body = Value, example = json!({"success": false, "error": "Session limit reached (MAX_SESSIONS=10)"}))))]
pub async fn start_session(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> ApiResult<Json<Value>> {
    let started = match &state.cluster {
        Some(cluster) => cluster.start(&id).await,
        None => state.sessions.start(&id).await,
    };
    match started {
        Ok(()) => Ok(Json(
            json!({ "success": true, "message": "Session initiated successfully" }),
        )),
        Err(StartError::AlreadyExists) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Session already exists for: {id}"),
        )),
        Err(StartError::TooMany(max)) => Err(too_many(max)),
        Err(StartError::Failed(err)) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, err)),
    }
}

/// MAX_SESSIONS reached: a quota, so 429 with wwebjs-api's error shape.
fn too_many(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("Session limit reached (MAX_SESSIONS={max})"),
    )
}

/// Stop a session: close its browser and keep its login for a later start
#[utoipa::path(get, path = "/session/stop/{sessionId}", tag = "Session", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "message": "Session stopped successfully"}))))]
pub async fn stop_session(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> Json<Value> {
    match &state.cluster {
        Some(cluster) => cluster.stop(id.as_str()).await,
        None => state.sessions.stop(id.as_str()).await,
    }
    Json(json!({ "success": true, "message": "Session stopped successfully" }))
}

/// Status of a session
#[utoipa::path(get, path = "/session/status/{sessionId}", tag = "Session", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "state": "CONNECTED", "message": "session_connected"}))))]
pub async fn status_session(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> Json<Value> {
    Json(json!(state.sessions.validate(id.as_str()).await))
}

/// The current QR string, or why there is none
fn current_qr(state: &AppState, id: &str) -> Result<String, Json<Value>> {
    let Some(session) = state.sessions.get(id) else {
        return Err(not_found_message());
    };
    session.status().qr.ok_or_else(|| {
        Json(json!({ "success": false, "message": "qr code not ready or already scanned" }))
    })
}

/// The QR code to link the session, as text
#[utoipa::path(get, path = "/session/qr/{sessionId}", tag = "Session", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "qr": "2@...,...,...,...,1"}))))]
pub async fn session_qr(State(state): State<AppState>, SessionPath(id): SessionPath) -> Response {
    match current_qr(&state, id.as_str()) {
        Ok(qr) => (NO_CACHE, Json(json!({ "success": true, "qr": qr }))).into_response(),
        Err(answer) => answer.into_response(),
    }
}

/// The QR code to link the session, as a PNG image
#[utoipa::path(get, path = "/session/qr/{sessionId}/image", tag = "Session", params(("sessionId" = String, Path)),
    responses((status = 200, content_type = "image/png", description = "QR code PNG"),
              (status = 200, body = Value, example = json!({"success": false, "message": "qr code not ready or already scanned"}))))]
pub async fn session_qr_image(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> ApiResult<Response> {
    match current_qr(&state, id.as_str()) {
        Ok(qr) => {
            let png = qr_png(&qr).map_err(ApiError::internal)?;
            Ok((
                NO_CACHE,
                [(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))],
                png,
            )
                .into_response())
        }
        Err(answer) => Ok(answer.into_response()),
    }
}

/// Renders a QR code like wwebjs-api's qr-image: error correction M, 5 px per module, a 4-module
/// margin, 8-bit grey PNG.
pub fn qr_png(data: &str) -> Result<Vec<u8>, String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| e.to_string())?;
    let image = code
        .render::<image::Luma<u8>>()
        .module_dimensions(5, 5)
        .quiet_zone(true)
        .build();
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(png.into_inner())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PairingCodeBody {
    /// The phone number in international format, digits only, e.g. 12025550108.
    #[schema(example = "12025550108")]
    phone_number: String,
    /// Show a notification on the phone (default true).
    #[serde(default = "yes")]
    show_notification: bool,
}

fn yes() -> bool {
    true
}

/// Request a pairing code to link by phone number instead of a QR
#[utoipa::path(post, path = "/session/requestPairingCode/{sessionId}", tag = "Session", params(("sessionId" = String, Path)), request_body = PairingCodeBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "ABCD1234"})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn request_pairing_code(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
    ApiJson(body): ApiJson<PairingCodeBody>,
) -> ApiResult<Json<Value>> {
    let Some(session) = state.sessions.get(id.as_str()) else {
        return Ok(not_found_message());
    };
    let phone: String = body
        .phone_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if phone.is_empty() {
        return Err(ApiError::bad_request("phoneNumber must contain digits"));
    }
    let args = json!({ "phoneNumber": phone, "showNotification": body.show_notification });
    let code = session.call("session.requestPairingCode", &args).await?;
    Ok(Json(json!({ "success": true, "result": code })))
}

/// Restart a session (close and start its browser again)
#[utoipa::path(get, path = "/session/restart/{sessionId}", tag = "Session", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "message": "Restarted successfully"})), (status = 500, body = Value)))]
pub async fn restart_session(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> ApiResult<Json<Value>> {
    match state.sessions.restart(&id).await {
        None => Ok(not_found_state()),
        Some(Ok(())) => Ok(Json(
            json!({ "success": true, "message": "Restarted successfully" }),
        )),
        Some(Err(StartError::AlreadyExists)) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Session already exists for: {id}"),
        )),
        Some(Err(StartError::TooMany(max))) => Err(too_many(max)),
        Some(Err(StartError::Failed(err))) => Err(ApiError::internal(err)),
    }
}

/// Terminate a session: log it out of WhatsApp and delete its folder
#[utoipa::path(get, path = "/session/terminate/{sessionId}", tag = "Session", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "message": "Logged out successfully"})), (status = 500, body = Value)))]
pub async fn terminate_session(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> ApiResult<Json<Value>> {
    let terminated = match &state.cluster {
        Some(cluster) => cluster.terminate(&id).await,
        None => state.sessions.terminate(&id).await,
    };
    match terminated.map_err(ApiError::internal)? {
        false => Ok(not_found_state()),
        true => Ok(Json(
            json!({ "success": true, "message": "Logged out successfully" }),
        )),
    }
}

/// terminateAll / terminateInactive; in cluster mode on every node, each for its own sessions
/// (the disk is shared: see [`crate::cluster::flush`]).
async fn flush(
    state: &AppState,
    only_inactive: bool,
    uri: &Uri,
    headers: &HeaderMap,
) -> ApiResult<Json<Value>> {
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    match &state.cluster {
        Some(cluster) => cluster.flush(only_inactive, path, headers).await,
        None => state.sessions.terminate_many(only_inactive).await,
    }
    .map_err(ApiError::internal)?;
    Ok(Json(
        json!({ "success": true, "message": "Flush completed successfully" }),
    ))
}

/// Terminate every session that is not connected (in memory or on disk)
#[utoipa::path(get, path = "/session/terminateInactive", tag = "Session",
    responses((status = 200, body = Value, example = json!({"success": true, "message": "Flush completed successfully"})), (status = 500, body = Value)))]
pub async fn terminate_inactive_sessions(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    flush(&state, true, &uri, &headers).await
}

/// Terminate every session (in memory or on disk)
#[utoipa::path(get, path = "/session/terminateAll", tag = "Session",
    responses((status = 200, body = Value, example = json!({"success": true, "message": "Flush completed successfully"})), (status = 500, body = Value)))]
pub async fn terminate_all_sessions(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    flush(&state, false, &uri, &headers).await
}

/// A screenshot of the session's WhatsApp Web page
#[utoipa::path(get, path = "/session/getPageScreenshot/{sessionId}", tag = "Session", params(("sessionId" = String, Path)),
    responses((status = 200, content_type = "image/png", description = "PNG screenshot"),
              (status = 200, body = Value, example = json!({"success": false, "message": "session_not_found"}))))]
pub async fn get_page_screenshot(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> Response {
    let Some(session) = state.sessions.get(id.as_str()) else {
        return not_found_message().into_response();
    };
    match session.screenshot().await {
        Ok(png) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static("image/png"))],
            png,
        )
            .into_response(),
        Err(_) => Json(json!({ "success": false, "message": "page_not_ready" })).into_response(),
    }
}
