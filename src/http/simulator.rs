//! `/simulator/...`: the few calls of the WhatsApp Web simulator's control API (tests/wa-sim,
//! `/_sim/`) that the dashboard's demo panel needs, passed through the gateway so the browser
//! needs no CORS to the simulator. They answer only when WHATSAPP_WEB_URL is a simulator (its
//! `_sim/health` answers); the target is always WHATSAPP_WEB_URL, never a URL from a request.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, SessionPath};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(simulator_status))
        .routes(routes!(simulator_scan))
        .routes(routes!(simulator_message))
        .routes(routes!(simulator_inbox))
}

/// The simulator's base URL once it was seen to be one (a real WhatsApp Web never becomes one).
static DETECTED: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("static client settings")
}

/// WHATSAPP_WEB_URL, when it answers the simulator's health check.
async fn simulator(state: &AppState) -> Option<String> {
    if let Some(base) = DETECTED.get() {
        return Some(base.clone());
    }
    let base = format!("{}/", state.config.whatsapp_web_url.trim_end_matches('/'));
    let health = http()
        .get(format!("{base}_sim/health"))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .ok()?;
    let body: Value = health.json().await.ok()?;
    if body["ok"] != true {
        return None;
    }
    let _ = DETECTED.set(base.clone());
    Some(base)
}

async fn required(state: &AppState) -> ApiResult<String> {
    simulator(state)
        .await
        .ok_or_else(|| ApiError::not_found("WHATSAPP_WEB_URL is not a WhatsApp Web simulator"))
}

/// Calls the simulator's control API; its answer and status are passed on.
async fn control(
    base: &str,
    path: &str,
    body: Option<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let url = format!("{base}_sim/{path}");
    let request = match body {
        Some(body) => http().post(url).json(&body),
        None => http().get(url),
    };
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, format!("simulator: {e}")))?;
    let status =
        StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let error = body["error"]
            .as_str()
            .unwrap_or("simulator refused")
            .to_owned();
        return Err(ApiError::new(status, error));
    }
    Ok((status, Json(json!({ "success": true, "result": body }))))
}

fn phone(raw: &str, field: &str) -> ApiResult<String> {
    if !raw.is_empty() && raw.len() <= 20 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::bad_request(format!(
            "{field}: international digits, e.g. 15550001111"
        )))
    }
}

/// Whether the gateway runs against the WhatsApp Web simulator (the dashboard's demo panel)
#[utoipa::path(get, path = "/simulator", tag = "Simulator",
    responses((status = 200, body = Value, example = json!({"success": true, "simulator": true}))))]
pub async fn simulator_status(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "success": true, "simulator": simulator(&state).await.is_some() }))
}

#[derive(Deserialize, ToSchema)]
pub struct ScanBody {
    /// The simulated phone (account) that scans, digits only.
    #[schema(example = "15550001111")]
    pub phone: String,
    #[serde(default)]
    #[schema(example = "Demo Phone")]
    pub pushname: Option<String>,
}

/// A simulated phone scans the session's current QR code
#[utoipa::path(post, path = "/simulator/scan/{sessionId}", tag = "Simulator",
    params(("sessionId" = String, Path)), request_body = ScanBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"ok": true}})),
              (status = 404, body = Value), (status = 409, body = Value, example = json!({"success": false, "error": "qr code not ready or already scanned"}))))]
pub async fn simulator_scan(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
    ApiJson(body): ApiJson<ScanBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let base = required(&state).await?;
    let phone = phone(&body.phone, "phone")?;
    let session = state
        .sessions
        .get(id.as_str())
        .ok_or_else(|| ApiError::not_found("session_not_found"))?;
    let qr = session.status().qr.ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, "qr code not ready or already scanned")
    })?;
    let pushname = body.pushname.unwrap_or_else(|| "Demo Phone".into());
    control(
        &base,
        "scan",
        Some(json!({"qr": qr, "phone": phone, "pushname": pushname})),
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct SimMessageBody {
    /// The simulated contact that writes, digits only.
    #[schema(example = "15550002222")]
    pub from: String,
    /// The phone of the linked session, digits only.
    #[schema(example = "15550001111")]
    pub to: String,
    #[schema(example = "Hello from a simulated contact")]
    pub body: String,
}

/// A simulated contact sends a text message
#[utoipa::path(post, path = "/simulator/messages", tag = "Simulator", request_body = SimMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"id": "false_15550002222@c.us_3EB0...", "shortId": "3EB0..."}})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn simulator_message(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SimMessageBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let base = required(&state).await?;
    let (from, to) = (phone(&body.from, "from")?, phone(&body.to, "to")?);
    control(
        &base,
        "messages",
        Some(json!({"from": from, "to": to, "body": body.body})),
    )
    .await
}

/// What a simulated account received, oldest first
#[utoipa::path(get, path = "/simulator/accounts/{phone}/inbox", tag = "Simulator",
    params(("phone" = String, Path, description = "digits only")),
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"id": "...", "type": "chat", "body": "Hi!"}]})),
              (status = 404, body = Value)))]
pub async fn simulator_inbox(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let base = required(&state).await?;
    let phone = phone(&raw, "phone")?;
    control(&base, &format!("accounts/{phone}/inbox"), None).await
}
