//! wa-gateway's own session routes for webhooks (not in wwebjs-api; no path of its 149 is
//! reused): a session's webhook set by API (persisted, winning over `<ID>_WEBHOOK_URL` and
//! `BASE_WEBHOOK_URL`), its delivery status, its dead letters, and their replay.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, SessionPath, parse_body};
use crate::events::settings::WebhookSettings;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_webhook, set_webhook, clear_webhook))
        .routes(routes!(webhook_status))
        .routes(routes!(dead_letters))
        .routes(routes!(replay_dead_letters))
}

/// A session's webhook
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookBody {
    /// Where the session's events are posted (http or https)
    #[schema(example = "https://example.com/hook")]
    pub url: String,
    /// Extra headers sent with every delivery
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Only these dataTypes are posted; empty or absent means all
    #[serde(default)]
    #[schema(example = json!(["message", "message_ack"]))]
    pub data_types: Vec<String>,
}

/// Which dead letters to replay
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayBody {
    /// Replay only dead letters from this event id on (inclusive); absent means all
    #[schema(example = "evt_42")]
    pub from_event_id: Option<String>,
}

fn store_error(err: impl std::fmt::Display) -> ApiError {
    ApiError::internal(err.to_string())
}

fn redis_error(err: String) -> ApiError {
    ApiError::new(axum::http::StatusCode::SERVICE_UNAVAILABLE, err)
}

/// The session's webhook as it applies: in cluster mode as Redis holds it (whatever node runs
/// the session), else as this node does.
async fn webhook_answer(state: &AppState, session: &str) -> ApiResult<Json<Value>> {
    let (source, settings) = match &state.cluster {
        Some(cluster) => {
            let api = cluster.webhook(session).await.map_err(redis_error)?;
            state.bus.describe_webhook(session, api)
        }
        None => state.bus.webhook_settings(session),
    };
    Ok(Json(
        json!({ "success": true, "source": source, "webhook": settings }),
    ))
}

/// The session's webhook as it applies now (source: api, env or none)
#[utoipa::path(get, path = "/session/webhook/{sessionId}", tag = "Webhook",
    params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "source": "api",
        "webhook": {"url": "https://example.com/hook", "headers": {"x-tenant": "acme"}, "dataTypes": ["message"]}})),
        (status = 403, body = Value), (status = 422, body = Value)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> ApiResult<Json<Value>> {
    webhook_answer(&state, id.as_str()).await
}

/// Set the session's webhook (persisted; wins over <ID>_WEBHOOK_URL and BASE_WEBHOOK_URL)
#[utoipa::path(put, path = "/session/webhook/{sessionId}", tag = "Webhook",
    params(("sessionId" = String, Path)), request_body = WebhookBody,
    responses((status = 200, body = Value, example = json!({"success": true, "source": "api",
        "webhook": {"url": "https://example.com/hook", "headers": {}, "dataTypes": []}})),
        (status = 400, body = Value, example = json!({"success": false, "error": "url: \"ftp://x\" is not an http(s) URL"})),
        (status = 403, body = Value), (status = 422, body = Value)))]
pub async fn set_webhook(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
    ApiJson(body): ApiJson<WebhookBody>,
) -> ApiResult<Json<Value>> {
    let settings = WebhookSettings {
        url: body.url.trim().to_owned(),
        headers: body.headers,
        data_types: body.data_types,
    };
    settings.validate().map_err(ApiError::bad_request)?;
    if let Some(cluster) = &state.cluster {
        cluster
            .save_webhook(id.as_str(), Some(&settings))
            .await
            .map_err(redis_error)?;
    }
    state
        .bus
        .set_webhook(id.as_str(), settings)
        .map_err(store_error)?;
    webhook_answer(&state, id.as_str()).await
}

/// Clear the session's webhook set by API (the environment's applies again)
#[utoipa::path(delete, path = "/session/webhook/{sessionId}", tag = "Webhook",
    params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "cleared": true, "source": "env",
        "webhook": {"url": "https://base.example/hook", "headers": {}, "dataTypes": []}})),
        (status = 403, body = Value), (status = 422, body = Value)))]
pub async fn clear_webhook(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> ApiResult<Json<Value>> {
    // Cluster mode: Redis is where the setting lives; this node's copy follows it.
    let in_redis = match &state.cluster {
        Some(cluster) => Some(
            cluster
                .save_webhook(id.as_str(), None)
                .await
                .map_err(redis_error)?,
        ),
        None => None,
    };
    let here = state.bus.clear_webhook(id.as_str()).map_err(store_error)?;
    let cleared = in_redis.unwrap_or(here);
    let (source, settings) = state.bus.webhook_settings(id.as_str());
    Ok(Json(
        json!({ "success": true, "cleared": cleared, "source": source, "webhook": settings }),
    ))
}

/// Webhook delivery status of the session: queue depth, oldest pending age, dead letters, counters
#[utoipa::path(get, path = "/session/webhookStatus/{sessionId}", tag = "Webhook",
    params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "status": {
        "sessionId": "demo", "queueDepth": 3, "oldestPendingAgeMs": 5400, "deadLetters": 1,
        "delivered": 120, "failedAttempts": 7, "deadLettered": 1,
        "lastError": {"url": "https://example.com/hook", "eventId": "evt_130", "error": "HTTP 503 Service Unavailable", "at": 1764770000000i64}},
        "diskCapEvictions": 0})),
        (status = 403, body = Value), (status = 422, body = Value)))]
pub async fn webhook_status(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> Json<Value> {
    let status = state.bus.webhook_stats_of(id.as_str());
    Json(json!({
        "success": true,
        "status": status,
        "diskCapEvictions": state.bus.disk_cap_evictions(),
    }))
}

/// The session's dead letters (refused or given-up deliveries), oldest first
#[utoipa::path(get, path = "/session/deadLetters/{sessionId}", tag = "Webhook",
    params(("sessionId" = String, Path), ("limit" = Option<u32>, Query, description = "At most this many (default 100, max 1000)")),
    responses((status = 200, body = Value, example = json!({"success": true, "deadLetters": [{
        "eventId": "evt_12", "url": "https://example.com/hook", "dataType": "message",
        "createdAt": 1764770000000i64, "deadAt": 1764770000500i64, "attempts": 1, "lastError": "HTTP 400 Bad Request",
        "event": {"dataType": "message", "data": {}, "sessionId": "demo"}}]})),
        (status = 400, body = Value), (status = 403, body = Value), (status = 422, body = Value)))]
pub async fn dead_letters(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let limit = match query.get("limit") {
        None => 100,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_request("limit: a number from 1 to 1000"))?,
    };
    let letters = state
        .bus
        .outbox()
        .dead_letters(id.as_str(), limit)
        .map_err(store_error)?;
    Ok(Json(json!({ "success": true, "deadLetters": letters })))
}

/// Put the session's dead letters back in their queues (all, or from an event id on)
#[utoipa::path(post, path = "/session/replayDeadLetters/{sessionId}", tag = "Webhook",
    params(("sessionId" = String, Path)), request_body(content = ReplayBody, description = "Optional"),
    responses((status = 200, body = Value, example = json!({"success": true, "replayed": 2})),
        (status = 400, body = Value), (status = 403, body = Value), (status = 422, body = Value)))]
pub async fn replay_dead_letters(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body: ReplayBody = parse_body(&body)?;
    let from = match body.from_event_id.as_deref() {
        None => None,
        Some(raw) => Some(
            state
                .bus
                .seq_of_event(raw)
                .map_err(store_error)?
                .ok_or_else(|| {
                    ApiError::bad_request(format!("fromEventId: {raw:?} is not a known event id"))
                })?,
        ),
    };
    let replayed = state
        .bus
        .replay_dead_letters(id.as_str(), from)
        .map_err(store_error)?;
    Ok(Json(json!({ "success": true, "replayed": replayed })))
}
