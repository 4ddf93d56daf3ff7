//! `/apiKeys`: the admin creates, lists and revokes scoped API keys (see [`super::key_store`]).
//! Only the admin key (API_KEY) reaches these routes ([`super::operation_access`]).

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
use super::extract::ApiJson;
use super::key_store::KeyAccess;
use crate::session::SessionId;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_key, list_keys))
        .routes(routes!(revoke_key))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateKeyBody {
    /// Session ids the key may use (at least one).
    pub sessions: Vec<String>,
    /// `read`: getters only; `full`: every operation of those sessions.
    pub access: KeyAccess,
    /// A label for people ("crm", "support team").
    #[serde(default)]
    pub name: Option<String>,
}

/// Create a scoped API key (admin key only)
///
/// The key is in the answer once; only its SHA-256 is stored.
#[utoipa::path(post, path = "/apiKeys", tag = "Access", request_body = CreateKeyBody,
    responses(
        (status = 200, body = Value, example = json!({"success": true, "result": {"id": "9f2c41d07a3be816", "name": "crm", "sessions": ["s1"], "access": "read", "createdAt": 1764770000000u64, "key": "wagw_<64 hex digits>"}})),
        (status = 400, body = Value), (status = 403, body = Value),
        (status = 409, body = Value, example = json!({"success": false, "error": "Scoped API keys need API_KEY (the admin key) to be set"}))))]
pub async fn create_key(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateKeyBody>,
) -> ApiResult<Json<Value>> {
    if state.config.api_key.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Scoped API keys need API_KEY (the admin key) to be set",
        ));
    }
    if body.sessions.is_empty() {
        return Err(ApiError::bad_request("sessions: at least one session id"));
    }
    if let Some(bad) = body.sessions.iter().find(|s| SessionId::parse(s).is_err()) {
        return Err(ApiError::bad_request(format!(
            "sessions: {bad:?} is not a session id (alphanumerical or -)"
        )));
    }
    let (secret, info) = state
        .keys
        .create(body.name, body.sessions, body.access)
        .map_err(|e| ApiError::internal(format!("cannot store the key: {e}")))?;
    let mut result = serde_json::to_value(info).expect("key info serialises");
    result["key"] = json!(secret);
    Ok(Json(json!({ "success": true, "result": result })))
}

/// List the scoped API keys (admin key only; secrets are never shown again)
#[utoipa::path(get, path = "/apiKeys", tag = "Access",
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"id": "9f2c41d07a3be816", "sessions": ["s1"], "access": "full", "createdAt": 1764770000000u64}]})),
              (status = 403, body = Value)))]
pub async fn list_keys(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let keys = state
        .keys
        .list()
        .map_err(|e| ApiError::internal(format!("cannot read the keys: {e}")))?;
    Ok(Json(json!({ "success": true, "result": keys })))
}

/// Revoke a scoped API key (admin key only)
#[utoipa::path(delete, path = "/apiKeys/{keyId}", tag = "Access",
    params(("keyId" = String, Path, description = "the id from POST /apiKeys")),
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 403, body = Value),
              (status = 404, body = Value, example = json!({"success": false, "error": "API key not found"}))))]
pub async fn revoke_key(
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let revoked = state
        .keys
        .revoke(&key_id)
        .map_err(|e| ApiError::internal(format!("cannot store the keys: {e}")))?;
    if revoked {
        Ok(Json(json!({ "success": true })))
    } else {
        Err(ApiError::not_found("API key not found"))
    }
}
