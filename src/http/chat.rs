//! The `/chat` operations of wwebjs-api: one chat's messages, state, labels and contact.
//! An unknown chat answers 404 'Chat not Found' (the bridge decides, as wwebjs-api does after
//! `getChatById`).

use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::bodies::{ChatIdBody, LabelId, RunMethodBody};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ReadySession};
use super::reply::{done, success};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_class_info))
        .routes(routes!(clear_messages))
        .routes(routes!(clear_state))
        .routes(routes!(delete_chat))
        .routes(routes!(fetch_messages))
        .routes(routes!(get_contact))
        .routes(routes!(send_state_recording))
        .routes(routes!(send_state_typing))
        .routes(routes!(send_seen))
        .routes(routes!(mark_unread))
        .routes(routes!(sync_history))
        .routes(routes!(get_labels))
        .routes(routes!(change_labels))
        .routes(routes!(run_method))
}

/// `searchOptions` of fetchMessages; an empty object means "only the messages already loaded".
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchOptions {
    /// How many of the latest messages; earlier ones are loaded until there are enough.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Only messages sent (true) or received (false) by this account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_me: Option<bool>,
    /// Only messages at or after this unix time (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<f64>,
    /// Only the message with this short id (`id.id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// `{chatId, searchOptions?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FetchMessagesBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[serde(default)]
    #[schema(example = json!({"limit": 10, "fromMe": true}))]
    pub search_options: SearchOptions,
}

/// `{chatId, labelIds}`: the labels the chat keeps; the others are removed from it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeLabelsBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[schema(example = json!([0, 1]))]
    pub label_ids: Vec<LabelId>,
}

async fn call(session: &ReadySession, name: &str, body: impl Serialize) -> ApiResult<Value> {
    Ok(session.0.call(name, &json!(body)).await?)
}

/// Get the chat
#[utoipa::path(post, path = "/chat/getClassInfo/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "chat": {"id": {"server": "c.us", "user": "15550002222", "_serialized": "15550002222@c.us"}, "name": "Bob", "isGroup": false, "unreadCount": 0}})),
              (status = 400, body = Value), (status = 404, body = Value, example = json!({"success": false, "error": "Chat not Found"}))))]
pub async fn get_class_info(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "chat",
        call(&session, "chat.getClassInfo", body).await?,
    ))
}

/// Clear all messages from the chat
#[utoipa::path(post, path = "/chat/clearMessages/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn clear_messages(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.clearMessages", body).await?,
    ))
}

/// Stop typing or recording in chat immediately
#[utoipa::path(post, path = "/chat/clearState/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn clear_state(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.clearState", body).await?,
    ))
}

/// Delete the chat
#[utoipa::path(post, path = "/chat/delete/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn delete_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.delete", body).await?,
    ))
}

/// Load chat messages, sorted from earliest to latest
#[utoipa::path(post, path = "/chat/fetchMessages/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = FetchMessagesBody,
    responses((status = 200, body = Value, example = json!({"success": true, "messages": [{"body": "Hello", "fromMe": false, "type": "chat"}]})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn fetch_messages(
    session: ReadySession,
    ApiJson(body): ApiJson<FetchMessagesBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "messages",
        call(&session, "chat.fetchMessages", body).await?,
    ))
}

/// Get the contact of the chat
#[utoipa::path(post, path = "/chat/getContact/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "contact": {"number": "15550002222", "pushname": "Bob", "isUser": true}})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_contact(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "contact",
        call(&session, "chat.getContact", body).await?,
    ))
}

/// Simulate recording audio in chat (lasts 25 seconds)
#[utoipa::path(post, path = "/chat/sendStateRecording/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn send_state_recording(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.sendStateRecording", body).await?,
    ))
}

/// Simulate typing in chat (lasts 25 seconds)
#[utoipa::path(post, path = "/chat/sendStateTyping/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn send_state_typing(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.sendStateTyping", body).await?,
    ))
}

/// Mark the chat's messages as seen
#[utoipa::path(post, path = "/chat/sendSeen/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn send_seen(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.sendSeen", body).await?,
    ))
}

/// Mark this chat as unread
#[utoipa::path(post, path = "/chat/markUnread/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn mark_unread(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.markUnread", body).await?,
    ))
}

/// Ask the phone for the chat's older history
#[utoipa::path(post, path = "/chat/syncHistory/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn sync_history(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "chat.syncHistory", body).await?,
    ))
}

/// The labels assigned to this chat
#[utoipa::path(post, path = "/chat/getLabels/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "labels": [{"id": "1", "name": "New customer", "hexColor": "#ff9485"}]})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_labels(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "labels",
        call(&session, "chat.getLabels", body).await?,
    ))
}

/// Set the chat's labels (WhatsApp Business only)
#[utoipa::path(post, path = "/chat/changeLabels/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = ChangeLabelsBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value),
              (status = 500, body = Value, example = json!({"success": false, "error": "[LT01] Only Whatsapp business"}))))]
pub async fn change_labels(
    session: ReadySession,
    ApiJson(body): ApiJson<ChangeLabelsBody>,
) -> ApiResult<Json<Value>> {
    call(&session, "chat.changeLabels", body).await?;
    Ok(done())
}

/// The whatsapp-web.js Chat methods runMethod accepts, with the bridge function behind each and
/// the body field its one argument becomes.
const RUNNABLE_METHODS: &[(&str, &str, Option<&str>)] = &[
    ("clearMessages", "chat.clearMessages", None),
    ("clearState", "chat.clearState", None),
    ("delete", "chat.delete", None),
    ("fetchMessages", "chat.fetchMessages", Some("searchOptions")),
    ("getContact", "chat.getContact", None),
    ("sendStateRecording", "chat.sendStateRecording", None),
    ("sendStateTyping", "chat.sendStateTyping", None),
    ("sendSeen", "chat.sendSeen", None),
    ("markUnread", "chat.markUnread", None),
    ("syncHistory", "chat.syncHistory", None),
    ("getLabels", "chat.getLabels", None),
    ("changeLabels", "chat.changeLabels", Some("labelIds")),
];

/// Run a whatsapp-web.js Chat method by name (only the ones listed in the docs)
#[utoipa::path(post, path = "/chat/runMethod/{sessionId}", tag = "Chat", params(("sessionId" = String, Path)), request_body = RunMethodBody,
    responses((status = 200, body = Value, example = json!({"success": true, "data": true})), (status = 400, body = Value), (status = 404, body = Value),
              (status = 500, body = Value, example = json!({"success": false, "error": "Method is not implemented"}))))]
pub async fn run_method(
    session: ReadySession,
    ApiJson(body): ApiJson<RunMethodBody>,
) -> ApiResult<Json<Value>> {
    let chat_id = body.chat_id.ok_or_else(|| {
        ApiError::bad_request("Invalid body field chatId: missing field `chatId`")
    })?;
    let Some((_, function, argument)) = RUNNABLE_METHODS
        .iter()
        .find(|(name, ..)| *name == body.method)
    else {
        // As wwebjs-api: the chat is looked up before the method.
        call(&session, "chat.find", json!({ "chatId": chat_id })).await?;
        return Err(ApiError::internal("Method is not implemented"));
    };
    let mut args = json!({ "chatId": chat_id });
    if let (Some(field), Some(options)) = (argument, body.options) {
        args[*field] = options;
    }
    Ok(success("data", call(&session, function, args).await?))
}
