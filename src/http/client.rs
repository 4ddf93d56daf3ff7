//! The `/client` operations of wwebjs-api: the account, its chats and contacts, sending.

use axum::Json;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::ReadySession;
use super::reply::success;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_class_info))
}

/// The linked account: pushname, wid, platform
#[utoipa::path(get, path = "/client/getClassInfo/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "sessionInfo": {"pushname": "Alice", "wid": {"server": "c.us", "user": "15550001111", "_serialized": "15550001111@c.us"}, "platform": "android"}})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn get_class_info(ReadySession(session): ReadySession) -> ApiResult<Json<Value>> {
    Ok(success("sessionInfo", session.call("client.getClassInfo", &json!({})).await?))
}
