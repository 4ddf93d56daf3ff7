//! The `/client` operations of wwebjs-api: the account, its chats, contacts, labels and settings.
//! (`sendMessage` lives in `message.rs`, the channel operations in `channel.rs`.)
//!
//! The bridge functions return what the whatsapp-web.js Client method returns; the handlers
//! shape wwebjs-api's answer from it. A chat that cannot be found is a 500 'Chat not found', as
//! wwebjs-api's getChatById says it.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::bodies::{
    ChatIdBody, ContactIdBody, FlagBody, InviteCodeBody, LabelId, NumberBody, OneOrMany,
    RunMethodBody,
};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ReadySession, SessionPath};
use super::reply::{done, success, success_nullable};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_class_info))
        .routes(routes!(accept_invite))
        .routes(routes!(archive_chat))
        .routes(routes!(create_group))
        .routes(routes!(get_blocked_contacts))
        .routes(routes!(get_chat_by_id))
        .routes(routes!(get_chat_labels))
        .routes(routes!(get_chats, get_chats_with_search))
        .routes(routes!(get_chats_by_label_id))
        .routes(routes!(get_common_groups))
        .routes(routes!(get_contact_by_id))
        .routes(routes!(get_contacts))
        .routes(routes!(get_invite_info))
        .routes(routes!(get_label_by_id))
        .routes(routes!(get_labels))
        .routes(routes!(add_or_remove_labels))
        .routes(routes!(get_number_id))
        .routes(routes!(is_registered_user))
        .routes(routes!(get_profile_pic_url))
        .routes(routes!(get_state))
        .routes(routes!(mark_chat_unread))
        .routes(routes!(mute_chat))
        .routes(routes!(pin_chat))
        .routes(routes!(search_messages))
        .routes(routes!(send_presence_available))
        .routes(routes!(send_presence_unavailable))
        .routes(routes!(send_seen))
        .routes(routes!(set_display_name))
        .routes(routes!(set_profile_picture))
        .routes(routes!(set_status))
        .routes(routes!(unarchive_chat))
        .routes(routes!(unmute_chat))
        .routes(routes!(unpin_chat))
        .routes(routes!(get_wweb_version))
        .routes(routes!(delete_profile_picture))
        .routes(routes!(set_auto_download_audio))
        .routes(routes!(set_auto_download_documents))
        .routes(routes!(set_auto_download_photos))
        .routes(routes!(set_auto_download_videos))
        .routes(routes!(sync_history))
        .routes(routes!(get_contact_device_count))
        .routes(routes!(get_country_code))
        .routes(routes!(get_formatted_number))
        .routes(routes!(open_chat_window))
        .routes(routes!(open_chat_window_at))
        .routes(routes!(reset_state))
        .routes(routes!(set_background_sync))
        .routes(routes!(get_contact_lid_and_phone))
        .routes(routes!(run_method))
}

async fn call(session: &ReadySession, name: &str, body: impl Serialize) -> ApiResult<Value> {
    Ok(session.0.call(name, &json!(body)).await?)
}

// ---- bodies used by one operation ----------------------------------------------------------------

/// `{title, participants, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupBody {
    #[schema(example = "Team")]
    pub title: String,
    /// A contact id or a list of them.
    #[serde(default)]
    #[schema(example = json!(["15550002222@c.us"]))]
    pub participants: OneOrMany,
    /// messageTimer, parentGroupId, autoSendInviteV4, comment, memberAddMode,
    /// membershipApprovalMode, isRestrict, isAnnounce.
    #[serde(default)]
    pub options: Map<String, Value>,
}

/// `{labelId}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LabelIdBody {
    #[schema(example = "1")]
    pub label_id: LabelId,
}

/// `{labelIds, chatIds}`: the chats end up with exactly these labels.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOrRemoveLabelsBody {
    #[schema(example = json!(["1"]))]
    pub label_ids: Vec<LabelId>,
    #[schema(example = json!(["15550002222@c.us"]))]
    pub chat_ids: Vec<String>,
}

/// `{searchOptions?}` of getChats.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetChatsBody {
    #[serde(default)]
    pub search_options: ChatSearchOptions,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSearchOptions {
    /// Only chats with unread messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<bool>,
    /// Only chats active at or after this unix time (seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 1746618541)]
    pub since: Option<f64>,
}

/// `{chatId, unmuteDate?}`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MuteChatBody {
    #[schema(example = "15550002222@c.us")]
    pub chat_id: String,
    /// Unix time (seconds, a number or a numeric string) when the mute ends; absent: forever.
    #[serde(default)]
    #[schema(value_type = Option<f64>, example = 1733489397)]
    pub unmute_date: Option<Value>,
}

/// `{query, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchMessagesBody {
    #[schema(example = "invoice")]
    pub query: String,
    #[serde(default)]
    pub options: MessageSearchOptions,
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageSearchOptions {
    /// Only in this chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `{displayName}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisplayNameBody {
    #[schema(example = "Alice")]
    pub display_name: String,
}

/// `{pictureMimetype, pictureData}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfilePictureBody {
    #[schema(example = "image/png")]
    pub picture_mimetype: String,
    /// Base64 of the image.
    pub picture_data: String,
}

/// `{status}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    #[schema(example = "Available")]
    pub status: String,
}

/// `{userId}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserIdBody {
    #[schema(example = "15550002222@c.us")]
    pub user_id: String,
}

/// `{messageId}`: the serialized message id.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SerializedMessageIdBody {
    #[schema(example = "false_15550002222@c.us_3A40CB10BC3680B1EE")]
    pub message_id: String,
}

/// `{flag?}` (default true)
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundSyncBody {
    #[serde(default = "yes")]
    pub flag: bool,
}

fn yes() -> bool {
    true
}

/// `{userIds?}`
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserIdsBody {
    #[serde(default)]
    #[schema(example = json!(["15550002222@c.us"]))]
    pub user_ids: OneOrMany,
}

// ---- the account ---------------------------------------------------------------------------------

/// The linked account: pushname, wid, platform
#[utoipa::path(get, path = "/client/getClassInfo/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "sessionInfo": {"pushname": "Alice", "wid": {"server": "c.us", "user": "15550001111", "_serialized": "15550001111@c.us"}, "platform": "android"}})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn get_class_info(session: ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "sessionInfo",
        call(&session, "client.getClassInfo", json!({})).await?,
    ))
}

/// The connection state of WhatsApp Web (no readiness check: any loaded session answers)
#[utoipa::path(get, path = "/client/getState/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "state": "CONNECTED"})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn get_state(
    State(state): State<AppState>,
    SessionPath(id): SessionPath,
) -> ApiResult<Json<Value>> {
    // wwebjs-api crashes into a 500 TypeError for an unknown session; say what it is instead.
    let session = state
        .sessions
        .get(id.as_str())
        .ok_or_else(|| ApiError::not_found("session_not_found"))?;
    // A page that cannot answer has no state, like the library's getState without a page.
    let live = session.state().await.ok().flatten();
    Ok(success_nullable("state", json!(live)))
}

/// The version of WhatsApp Web the session runs
#[utoipa::path(get, path = "/client/getWWebVersion/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "result": "2.3000.1017054665"})), (status = 404, body = Value)))]
pub async fn get_wweb_version(session: ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.getWWebVersion", json!({})).await?,
    ))
}

/// Set the account's display name (pushname)
#[utoipa::path(post, path = "/client/setDisplayName/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = DisplayNameBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_display_name(
    session: ReadySession,
    ApiJson(body): ApiJson<DisplayNameBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.setDisplayName", body).await?,
    ))
}

/// Set the account's status message (about)
#[utoipa::path(post, path = "/client/setStatus/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = StatusBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_status(
    session: ReadySession,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<Value>> {
    call(&session, "client.setStatus", body).await?;
    Ok(done())
}

/// Set the account's profile picture
#[utoipa::path(post, path = "/client/setProfilePicture/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ProfilePictureBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_profile_picture(
    session: ReadySession,
    ApiJson(body): ApiJson<ProfilePictureBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.setProfilePicture", body).await?,
    ))
}

/// Delete the account's profile picture
#[utoipa::path(delete, path = "/client/deleteProfilePicture/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 404, body = Value)))]
pub async fn delete_profile_picture(session: ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.deleteProfilePicture", json!({})).await?,
    ))
}

/// Mark the account as online
#[utoipa::path(post, path = "/client/sendPresenceAvailable/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 404, body = Value)))]
pub async fn send_presence_available(session: ReadySession) -> ApiResult<Json<Value>> {
    call(&session, "client.sendPresenceAvailable", json!({})).await?;
    Ok(done())
}

/// Mark the account as offline
#[utoipa::path(post, path = "/client/sendPresenceUnavailable/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 404, body = Value)))]
pub async fn send_presence_unavailable(session: ReadySession) -> ApiResult<Json<Value>> {
    call(&session, "client.sendPresenceUnavailable", json!({})).await?;
    Ok(done())
}

/// Force WhatsApp Web to reconnect
#[utoipa::path(post, path = "/client/resetState/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 404, body = Value)))]
pub async fn reset_state(session: ReadySession) -> ApiResult<Json<Value>> {
    call(&session, "session.resetState", json!({})).await?;
    Ok(done())
}

// ---- settings -------------------------------------------------------------------------------------

async fn set_flag(
    session: &ReadySession,
    function: &str,
    body: FlagBody,
) -> ApiResult<Json<Value>> {
    call(session, function, body).await?;
    Ok(done())
}

/// Download received audio automatically
#[utoipa::path(post, path = "/client/setAutoDownloadAudio/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = FlagBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_auto_download_audio(
    session: ReadySession,
    ApiJson(body): ApiJson<FlagBody>,
) -> ApiResult<Json<Value>> {
    set_flag(&session, "client.setAutoDownloadAudio", body).await
}

/// Download received documents automatically
#[utoipa::path(post, path = "/client/setAutoDownloadDocuments/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = FlagBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_auto_download_documents(
    session: ReadySession,
    ApiJson(body): ApiJson<FlagBody>,
) -> ApiResult<Json<Value>> {
    set_flag(&session, "client.setAutoDownloadDocuments", body).await
}

/// Download received photos automatically
#[utoipa::path(post, path = "/client/setAutoDownloadPhotos/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = FlagBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_auto_download_photos(
    session: ReadySession,
    ApiJson(body): ApiJson<FlagBody>,
) -> ApiResult<Json<Value>> {
    set_flag(&session, "client.setAutoDownloadPhotos", body).await
}

/// Download received videos automatically
#[utoipa::path(post, path = "/client/setAutoDownloadVideos/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = FlagBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_auto_download_videos(
    session: ReadySession,
    ApiJson(body): ApiJson<FlagBody>,
) -> ApiResult<Json<Value>> {
    set_flag(&session, "client.setAutoDownloadVideos", body).await
}

/// Receive notifications while offline (takes effect after a restart)
#[utoipa::path(post, path = "/client/setBackgroundSync/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = BackgroundSyncBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn set_background_sync(
    session: ReadySession,
    ApiJson(body): ApiJson<BackgroundSyncBody>,
) -> ApiResult<Json<Value>> {
    call(&session, "client.setBackgroundSync", body).await?;
    Ok(done())
}

// ---- chats ----------------------------------------------------------------------------------------

/// All chats
#[utoipa::path(get, path = "/client/getChats/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "chats": [{"id": {"server": "c.us", "user": "15550002222", "_serialized": "15550002222@c.us"}, "name": "Bob", "isGroup": false, "unreadCount": 1}]})),
              (status = 404, body = Value)))]
pub async fn get_chats(session: ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "chats",
        call(&session, "client.getChats", GetChatsBody::default()).await?,
    ))
}

/// Chats, optionally only the unread ones or the ones active since a time
#[utoipa::path(post, path = "/client/getChats/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = GetChatsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "chats": []})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_chats_with_search(
    session: ReadySession,
    ApiJson(body): ApiJson<GetChatsBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "chats",
        call(&session, "client.getChats", body).await?,
    ))
}

/// Get a chat
#[utoipa::path(post, path = "/client/getChatById/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "chat": {"id": {"server": "c.us", "user": "15550002222", "_serialized": "15550002222@c.us"}, "name": "Bob", "isGroup": false}})),
              (status = 400, body = Value), (status = 404, body = Value),
              (status = 500, body = Value, example = json!({"success": false, "error": "Chat not found"}))))]
pub async fn get_chat_by_id(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    match call(&session, "client.getChatById", body).await? {
        Value::Null => Err(ApiError::internal("Chat not found")),
        chat => Ok(success("chat", chat)),
    }
}

/// Archive a chat
#[utoipa::path(post, path = "/client/archiveChat/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn archive_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.archiveChat", body).await?,
    ))
}

/// Unarchive a chat (the result is the new archived state, false)
#[utoipa::path(post, path = "/client/unarchiveChat/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": false})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn unarchive_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.unarchiveChat", body).await?,
    ))
}

/// Pin a chat (false when 3 chats are pinned already)
#[utoipa::path(post, path = "/client/pinChat/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn pin_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.pinChat", body).await?,
    ))
}

/// Unpin a chat (the result is the new pinned state, false)
#[utoipa::path(post, path = "/client/unpinChat/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": false})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn unpin_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.unpinChat", body).await?,
    ))
}

/// Mute a chat until a time, or forever
#[utoipa::path(post, path = "/client/muteChat/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = MuteChatBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn mute_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<MuteChatBody>,
) -> ApiResult<Json<Value>> {
    let unmute_date = match &body.unmute_date {
        None | Some(Value::Null) => None,
        Some(value) => Some(unix_seconds(value)?),
    };
    let args = json!({ "chatId": body.chat_id, "unmuteDate": unmute_date });
    call(&session, "client.muteChat", args).await?;
    Ok(done())
}

/// `unmuteDate` as wwebjs-api reads it (`unmuteDate * 1000`): a number or a numeric string.
/// 0 and "" mean forever, as they are falsy there.
fn unix_seconds(value: &Value) -> ApiResult<Option<f64>> {
    let seconds = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.trim().is_empty() => Some(0.0),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Bool(false) => Some(0.0),
        _ => None,
    }
    .filter(|s| s.is_finite())
    .ok_or_else(|| ApiError::bad_request("Invalid body field unmuteDate: expected unix seconds"))?;
    Ok((seconds != 0.0).then_some(seconds))
}

/// Unmute a chat
#[utoipa::path(post, path = "/client/unmuteChat/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"isMuted": false, "muteExpiration": 0}})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn unmute_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.unmuteChat", body).await?,
    ))
}

/// Mark a chat as unread
#[utoipa::path(post, path = "/client/markChatUnread/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn mark_chat_unread(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    call(&session, "client.markChatUnread", body).await?;
    Ok(done())
}

/// Mark a chat as seen (false when there is no such chat)
#[utoipa::path(post, path = "/client/sendSeen/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn send_seen(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.sendSeen", body).await?,
    ))
}

/// Open a chat in WhatsApp Web
#[utoipa::path(post, path = "/client/openChatWindow/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn open_chat_window(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    call(&session, "client.openChatWindow", body).await?;
    Ok(done())
}

/// Open a chat in WhatsApp Web at a message
#[utoipa::path(post, path = "/client/openChatWindowAt/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = SerializedMessageIdBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn open_chat_window_at(
    session: ReadySession,
    ApiJson(body): ApiJson<SerializedMessageIdBody>,
) -> ApiResult<Json<Value>> {
    call(&session, "client.openChatWindowAt", body).await?;
    Ok(done())
}

/// Ask the phone for a chat's older history (false when the device has all of it)
#[utoipa::path(post, path = "/client/syncHistory/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": false})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn sync_history(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.syncHistory", body).await?,
    ))
}

/// Search messages by text
#[utoipa::path(post, path = "/client/searchMessages/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = SearchMessagesBody,
    responses((status = 200, body = Value, example = json!({"success": true, "messages": [{"body": "the invoice", "type": "chat", "fromMe": false}]})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn search_messages(
    session: ReadySession,
    ApiJson(body): ApiJson<SearchMessagesBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "messages",
        call(&session, "client.searchMessages", body).await?,
    ))
}

// ---- contacts and numbers ------------------------------------------------------------------------

/// All contacts
#[utoipa::path(get, path = "/client/getContacts/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "contacts": [{"number": "15550002222", "pushname": "Bob", "isUser": true}]})), (status = 404, body = Value)))]
pub async fn get_contacts(session: ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "contacts",
        call(&session, "client.getContacts", json!({})).await?,
    ))
}

/// Get a contact
#[utoipa::path(post, path = "/client/getContactById/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "contact": {"number": "15550002222", "pushname": "Bob", "isUser": true}})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_contact_by_id(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "contact",
        call(&session, "client.getContactById", body).await?,
    ))
}

/// The contacts this account blocked
#[utoipa::path(post, path = "/client/getBlockedContacts/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "blockedContacts": [{"number": "15550003333", "isBlocked": true}]})), (status = 404, body = Value)))]
pub async fn get_blocked_contacts(session: ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "blockedContacts",
        call(&session, "client.getBlockedContacts", json!({})).await?,
    ))
}

/// The groups this account shares with a contact
#[utoipa::path(post, path = "/client/getCommonGroups/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "groups": [{"server": "g.us", "user": "120363000000000001", "_serialized": "120363000000000001@g.us"}]})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_common_groups(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "groups",
        call(&session, "client.getCommonGroups", body).await?,
    ))
}

/// The WhatsApp id of a number, or null when it is not on WhatsApp
#[utoipa::path(post, path = "/client/getNumberId/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = NumberBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"server": "c.us", "user": "15550002222", "_serialized": "15550002222@c.us"}})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_number_id(
    session: ReadySession,
    ApiJson(body): ApiJson<NumberBody>,
) -> ApiResult<Json<Value>> {
    Ok(success_nullable(
        "result",
        call(&session, "client.getNumberId", body).await?,
    ))
}

/// Whether a number is on WhatsApp
#[utoipa::path(post, path = "/client/isRegisteredUser/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = NumberBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn is_registered_user(
    session: ReadySession,
    ApiJson(body): ApiJson<NumberBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.isRegisteredUser", body).await?,
    ))
}

/// The URL of a contact's profile picture (no `result` when there is none)
#[utoipa::path(post, path = "/client/getProfilePicUrl/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "https://pps.whatsapp.net/v/t61/abc.jpg"})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_profile_pic_url(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.getProfilePicUrl", body).await?,
    ))
}

/// How many devices a user has (the phone and its linked devices)
#[utoipa::path(post, path = "/client/getContactDeviceCount/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = UserIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": 2})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_contact_device_count(
    session: ReadySession,
    ApiJson(body): ApiJson<UserIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.getContactDeviceCount", body).await?,
    ))
}

/// The country calling code of a number
#[utoipa::path(post, path = "/client/getCountryCode/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = NumberBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "1"})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_country_code(
    session: ReadySession,
    ApiJson(body): ApiJson<NumberBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.getCountryCode", body).await?,
    ))
}

/// A number formatted for display
#[utoipa::path(post, path = "/client/getFormattedNumber/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = NumberBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "+1 555-000-2222"})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_formatted_number(
    session: ReadySession,
    ApiJson(body): ApiJson<NumberBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "client.getFormattedNumber", body).await?,
    ))
}

/// The LID and phone number of users
#[utoipa::path(post, path = "/client/getContactLidAndPhone/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = UserIdsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "data": [{"lid": "123456789012345@lid", "pn": "15550002222@c.us"}]})), (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn get_contact_lid_and_phone(
    session: ReadySession,
    ApiJson(body): ApiJson<UserIdsBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "data",
        call(&session, "client.getContactLidAndPhone", body).await?,
    ))
}

// ---- groups ---------------------------------------------------------------------------------------

/// Join a group by its invite code; the answer is the group id
#[utoipa::path(post, path = "/client/acceptInvite/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = InviteCodeBody,
    responses((status = 200, body = Value, example = json!({"success": true, "acceptInvite": "120363000000000001@g.us"})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn accept_invite(
    session: ReadySession,
    ApiJson(body): ApiJson<InviteCodeBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "acceptInvite",
        call(&session, "client.acceptInvite", body).await?,
    ))
}

/// What a group invite code leads to
#[utoipa::path(post, path = "/client/getInviteInfo/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = InviteCodeBody,
    responses((status = 200, body = Value, example = json!({"success": true, "inviteInfo": {"subject": "Team", "size": 3}})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn get_invite_info(
    session: ReadySession,
    ApiJson(body): ApiJson<InviteCodeBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "inviteInfo",
        call(&session, "client.getInviteInfo", body).await?,
    ))
}

/// Create a group
#[utoipa::path(post, path = "/client/createGroup/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = CreateGroupBody,
    responses((status = 200, body = Value, example = json!({"success": true, "response": {"title": "Team", "gid": {"server": "g.us", "user": "120363000000000001", "_serialized": "120363000000000001@g.us"},
              "participants": {"15550002222@c.us": {"statusCode": 200, "message": "The participant was added successfully", "isGroupCreator": false, "isInviteV4Sent": false}}}})),
              (status = 400, body = Value), (status = 404, body = Value)))]
pub async fn create_group(
    session: ReadySession,
    ApiJson(body): ApiJson<CreateGroupBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "response",
        call(&session, "client.createGroup", body).await?,
    ))
}

// ---- labels (WhatsApp Business) ------------------------------------------------------------------

/// All labels of the account
#[utoipa::path(post, path = "/client/getLabels/{sessionId}", tag = "Client", params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "labels": [{"id": "1", "name": "New customer", "hexColor": "#ff9485"}]})), (status = 404, body = Value)))]
pub async fn get_labels(session: ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "labels",
        call(&session, "client.getLabels", json!({})).await?,
    ))
}

/// Get a label
#[utoipa::path(post, path = "/client/getLabelById/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = LabelIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "label": {"id": "1", "name": "New customer", "hexColor": "#ff9485"}})),
              (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value, example = json!({"success": false, "error": "Label not found"}))))]
pub async fn get_label_by_id(
    session: ReadySession,
    ApiJson(body): ApiJson<LabelIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "label",
        call(&session, "client.getLabelById", body).await?,
    ))
}

/// The labels of a chat
#[utoipa::path(post, path = "/client/getChatLabels/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "chatLabels": [{"id": "1", "name": "New customer", "hexColor": "#ff9485"}]})),
              (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn get_chat_labels(
    session: ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "chatLabels",
        call(&session, "client.getChatLabels", body).await?,
    ))
}

/// The chats that have a label
#[utoipa::path(post, path = "/client/getChatsByLabelId/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = LabelIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "chats": []})), (status = 400, body = Value), (status = 404, body = Value), (status = 500, body = Value)))]
pub async fn get_chats_by_label_id(
    session: ReadySession,
    ApiJson(body): ApiJson<LabelIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "chats",
        call(&session, "client.getChatsByLabelId", body).await?,
    ))
}

/// Give chats exactly these labels (WhatsApp Business only)
#[utoipa::path(post, path = "/client/addOrRemoveLabels/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = AddOrRemoveLabelsBody,
    responses((status = 200, body = Value, example = json!({"success": true})), (status = 400, body = Value), (status = 404, body = Value),
              (status = 500, body = Value, example = json!({"success": false, "error": "[LT01] Only Whatsapp business"}))))]
pub async fn add_or_remove_labels(
    session: ReadySession,
    ApiJson(body): ApiJson<AddOrRemoveLabelsBody>,
) -> ApiResult<Json<Value>> {
    call(&session, "client.addOrRemoveLabels", body).await?;
    Ok(done())
}

// ---- runMethod -------------------------------------------------------------------------------------

/// The whatsapp-web.js Client methods runMethod may call, with the bridge function behind each
/// and the body field its one argument becomes (None: the method takes no argument).
const RUNNABLE_METHODS: &[(&str, &str, Option<&str>)] = &[
    ("getWWebVersion", "client.getWWebVersion", None),
    ("getState", "session.getState", None),
    ("getChats", "client.getChats", Some("searchOptions")),
    ("getChatById", "client.getChatById", Some("chatId")),
    ("archiveChat", "client.archiveChat", Some("chatId")),
    ("unarchiveChat", "client.unarchiveChat", Some("chatId")),
    ("pinChat", "client.pinChat", Some("chatId")),
    ("unpinChat", "client.unpinChat", Some("chatId")),
    ("muteChat", "client.muteChat", Some("chatId")),
    ("unmuteChat", "client.unmuteChat", Some("chatId")),
    ("markChatUnread", "client.markChatUnread", Some("chatId")),
    ("sendSeen", "client.sendSeen", Some("chatId")),
    ("syncHistory", "client.syncHistory", Some("chatId")),
    ("searchMessages", "client.searchMessages", Some("query")),
    ("getContacts", "client.getContacts", None),
    ("getContactById", "client.getContactById", Some("contactId")),
    ("getBlockedContacts", "client.getBlockedContacts", None),
    (
        "getCommonGroups",
        "client.getCommonGroups",
        Some("contactId"),
    ),
    ("getNumberId", "client.getNumberId", Some("number")),
    (
        "isRegisteredUser",
        "client.isRegisteredUser",
        Some("number"),
    ),
    (
        "getProfilePicUrl",
        "client.getProfilePicUrl",
        Some("contactId"),
    ),
    (
        "getContactDeviceCount",
        "client.getContactDeviceCount",
        Some("userId"),
    ),
    ("getCountryCode", "client.getCountryCode", Some("number")),
    (
        "getFormattedNumber",
        "client.getFormattedNumber",
        Some("number"),
    ),
    (
        "getContactLidAndPhone",
        "client.getContactLidAndPhone",
        Some("userIds"),
    ),
    ("acceptInvite", "client.acceptInvite", Some("inviteCode")),
    ("getInviteInfo", "client.getInviteInfo", Some("inviteCode")),
    ("getLabels", "client.getLabels", None),
    ("getLabelById", "client.getLabelById", Some("labelId")),
    ("getChatLabels", "client.getChatLabels", Some("chatId")),
    (
        "getChatsByLabelId",
        "client.getChatsByLabelId",
        Some("labelId"),
    ),
    (
        "setDisplayName",
        "client.setDisplayName",
        Some("displayName"),
    ),
    ("setStatus", "client.setStatus", Some("status")),
    (
        "sendPresenceAvailable",
        "client.sendPresenceAvailable",
        None,
    ),
    (
        "sendPresenceUnavailable",
        "client.sendPresenceUnavailable",
        None,
    ),
    ("deleteProfilePicture", "client.deleteProfilePicture", None),
    (
        "setBackgroundSync",
        "client.setBackgroundSync",
        Some("flag"),
    ),
];

/// Run a whatsapp-web.js Client method by name, with one optional argument (`options`)
#[utoipa::path(post, path = "/client/runMethod/{sessionId}", tag = "Client", params(("sessionId" = String, Path)), request_body = RunMethodBody,
    responses((status = 200, body = Value, example = json!({"success": true, "data": "2.3000.1017054665"})), (status = 400, body = Value), (status = 404, body = Value),
              (status = 500, body = Value, example = json!({"success": false, "error": "Method logout is not implemented"}))))]
pub async fn run_method(
    session: ReadySession,
    ApiJson(body): ApiJson<RunMethodBody>,
) -> ApiResult<Json<Value>> {
    let Some((_, function, argument)) = RUNNABLE_METHODS
        .iter()
        .find(|(name, ..)| *name == body.method)
    else {
        return Err(ApiError::internal(format!(
            "Method {} is not implemented",
            body.method
        )));
    };
    let mut args = json!({});
    // As wwebjs-api, a falsy `options` is not passed at all.
    let options = body.options.filter(is_truthy);
    match (argument, options) {
        (Some(field), Some(options)) => args[*field] = options,
        (Some(field), None) if !matches!(*field, "searchOptions" | "userIds" | "flag") => {
            return Err(ApiError::bad_request(format!(
                "{} needs its argument in options ({field})",
                body.method
            )));
        }
        _ => {}
    }
    Ok(success("data", call(&session, function, args).await?))
}

/// JavaScript truthiness of a JSON value.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}
