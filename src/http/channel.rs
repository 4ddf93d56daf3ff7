//! The `/channel` operations of wwebjs-api (WhatsApp channels, "newsletters"), plus the six
//! channel operations of `/client` (getChannels, getChannelByInviteCode, createChannel,
//! subscribeToChannel, unsubscribeFromChannel, searchChannels).
//!
//! A `/channel` call on an unknown channel answers 404 'Channel not Found', on a chat that is
//! not a channel 400 'The chat is not a channel' (the bridge decides, as wwebjs-api does after
//! `getChatById`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::bodies::{ChatIdBody, InviteCodeBody};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ReadySession};
use super::media_fetch::{FetchOptions, MediaFetcher};
use super::message::{Endpoint, prepare_content};
use super::reply::success;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_class_info))
        .routes(routes!(send_message))
        .routes(routes!(fetch_messages))
        .routes(routes!(send_seen))
        .routes(routes!(mute))
        .routes(routes!(unmute))
        .routes(routes!(accept_channel_admin_invite))
        .routes(routes!(send_channel_admin_invite))
        .routes(routes!(revoke_channel_admin_invite))
        .routes(routes!(transfer_channel_ownership))
        .routes(routes!(demote_channel_admin))
        .routes(routes!(get_subscribers))
        .routes(routes!(set_profile_picture))
        .routes(routes!(set_description))
        .routes(routes!(set_subject))
        .routes(routes!(set_reaction_setting))
        .routes(routes!(delete_channel))
        .routes(routes!(get_channels))
        .routes(routes!(get_channel_by_invite_code))
        .routes(routes!(create_channel))
        .routes(routes!(subscribe_to_channel))
        .routes(routes!(unsubscribe_from_channel))
        .routes(routes!(search_channels))
}

/// A file as whatsapp-web.js MessageMedia: `{mimetype, data (base64), filename?, filesize?}`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MediaBody {
    #[schema(example = "image/png")]
    pub mimetype: String,
    /// base64
    pub data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filesize: Option<u64>,
}

async fn call(session: &crate::session::Session, name: &str, args: Value) -> ApiResult<Value> {
    Ok(session.call(name, &args).await?)
}

/// The channel
#[utoipa::path(post, path = "/channel/getClassInfo/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "channel": {"id": {"server": "newsletter", "user": "120363400000000000", "_serialized": "120363400000000000@newsletter"}, "name": "News", "description": "", "isChannel": true, "isGroup": false}})),
              (status = 400, body = Value, example = json!({"success": false, "error": "The chat is not a channel"})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn get_class_info(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "channel",
        call(&session, "channel.getClassInfo", json!(body)).await?,
    ))
}

/// `{chatId, contentType, content, options?, mediaFromURLOptions?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSendMessageBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    /// string, MessageMedia or MessageMediaFromURL
    #[schema(example = "string")]
    pub content_type: String,
    /// The text, a MessageMedia `{mimetype, data, filename?, filesize?}`, or the media's URL.
    #[schema(value_type = Object, example = "Hello subscribers!")]
    pub content: Value,
    /// Merged onto `{"waitUntilMsgSent": true}` (caption, media with string content, ...).
    #[serde(default)]
    pub options: Option<Map<String, Value>>,
    /// For MessageMediaFromURL: `unsafeMime` (default true) and `filename`.
    #[serde(default)]
    #[schema(value_type = Object)]
    #[serde(rename = "mediaFromURLOptions")]
    pub media_from_url_options: Option<Map<String, Value>>,
}

/// Posts a message to the channel
#[utoipa::path(post, path = "/channel/sendMessage/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChannelSendMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "message": {"body": "Hello subscribers!", "fromMe": true, "type": "chat"}})),
              (status = 400, body = Value, example = json!({"success": false, "error": "invalid contentType"})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"})),
              (status = 413, body = Value)))]
pub async fn send_message(
    State(state): State<AppState>,
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelSendMessageBody>,
) -> ApiResult<Json<Value>> {
    // Channels take text and media only; the checks and the URL download are the chat send's.
    if !matches!(
        body.content_type.as_str(),
        "string" | "MessageMedia" | "MessageMediaFromURL"
    ) {
        return Err(ApiError::bad_request("invalid contentType"));
    }
    let mut options = Map::from_iter([("waitUntilMsgSent".to_owned(), Value::Bool(true))]);
    options.extend(body.options.unwrap_or_default());
    let (content_type, content) = prepare_content(
        &state,
        Endpoint::Send,
        &body.content_type,
        &body.content,
        &mut options,
        &body.media_from_url_options.unwrap_or_default(),
    )
    .await?;
    let args = json!({"chatId": body.chat_id, "contentType": content_type, "content": content, "options": options});
    Ok(success(
        "message",
        call(&session, "channel.sendMessage", args).await?,
    ))
}

/// `searchOptions` of fetchMessages.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSearchOptions {
    /// How many of the latest messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// Only messages this account posted (true) or others did (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_me: Option<bool>,
}

/// `{chatId, searchOptions?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelFetchMessagesBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_options: Option<ChannelSearchOptions>,
}

/// The channel's messages, earliest first
#[utoipa::path(post, path = "/channel/fetchMessages/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChannelFetchMessagesBody,
    responses((status = 200, body = Value, example = json!({"success": true, "messages": []})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn fetch_messages(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelFetchMessagesBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "messages",
        call(&session, "channel.fetchMessages", json!(body)).await?,
    ))
}

/// Marks the channel as seen
#[utoipa::path(post, path = "/channel/sendSeen/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn send_seen(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.sendSeen", json!(body)).await?,
    ))
}

/// Mutes the channel
#[utoipa::path(post, path = "/channel/mute/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn mute(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.mute", json!(body)).await?,
    ))
}

/// Unmutes the channel
#[utoipa::path(post, path = "/channel/unmute/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn unmute(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.unmute", json!(body)).await?,
    ))
}

/// Accepts an invitation to administer the channel
#[utoipa::path(post, path = "/channel/acceptChannelAdminInvite/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn accept_channel_admin_invite(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.acceptChannelAdminInvite", json!(body)).await?;
    Ok(success("result", result))
}

/// `{comment?}`
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminInviteOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `{chatId, userId, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendAdminInviteBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    #[schema(example = "15550002222@c.us")]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<AdminInviteOptions>,
}

/// Invites a user to administer the channel
#[utoipa::path(post, path = "/channel/sendChannelAdminInvite/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = SendAdminInviteBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn send_channel_admin_invite(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<SendAdminInviteBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.sendChannelAdminInvite", json!(body)).await?;
    Ok(success("result", result))
}

/// `{chatId, userId}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelUserBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    #[schema(example = "15550002222@c.us")]
    pub user_id: String,
}

/// Revokes an admin invitation
#[utoipa::path(post, path = "/channel/revokeChannelAdminInvite/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChannelUserBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn revoke_channel_admin_invite(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelUserBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.revokeChannelAdminInvite", json!(body)).await?;
    Ok(success("result", result))
}

/// `{shouldDismissSelfAsAdmin?}`
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub should_dismiss_self_as_admin: Option<bool>,
}

/// `{chatId, newOwnerId, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransferOwnershipBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    /// Must be an admin of the channel already.
    #[schema(example = "15550002222@c.us")]
    pub new_owner_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<TransferOptions>,
}

/// Hands the channel to one of its admins
#[utoipa::path(post, path = "/channel/transferChannelOwnership/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = TransferOwnershipBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn transfer_channel_ownership(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<TransferOwnershipBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.transferChannelOwnership", json!(body)).await?;
    Ok(success("result", result))
}

/// Demotes an admin to a subscriber (oneself too)
#[utoipa::path(post, path = "/channel/demoteChannelAdmin/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChannelUserBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn demote_channel_admin(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelUserBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.demoteChannelAdmin", json!(body)).await?;
    Ok(success("result", result))
}

/// `{chatId, limit?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribersBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    /// At most this many; all by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// The subscribers in the address book, with their role
#[utoipa::path(post, path = "/channel/getSubscribers/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = SubscribersBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"contact": {"id": {"_serialized": "15550002222@c.us"}}, "role": "subscriber"}]})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn get_subscribers(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<SubscribersBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.getSubscribers", json!(body)).await?,
    ))
}

/// `{mimetype?, data?}`: the picture is taken only when `data` is there.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PictureMedia {
    #[serde(default)]
    pub mimetype: Option<String>,
    /// base64
    #[serde(default)]
    pub data: Option<String>,
}

/// `{chatId, newProfilePictureUrl?, newProfilePictureMedia?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelProfilePictureBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    /// Downloaded by the gateway (MEDIA_FETCH_* limits apply).
    #[serde(default)]
    pub new_profile_picture_url: Option<String>,
    /// Wins over the URL when it has data.
    #[serde(default)]
    pub new_profile_picture_media: Option<PictureMedia>,
}

/// Sets the channel's picture (none removes it)
#[utoipa::path(post, path = "/channel/setProfilePicture/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChannelProfilePictureBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn set_profile_picture(
    State(state): State<AppState>,
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelProfilePictureBody>,
) -> ApiResult<Json<Value>> {
    let media = match (body.new_profile_picture_media, body.new_profile_picture_url) {
        (
            Some(PictureMedia {
                data: Some(data),
                mimetype,
            }),
            _,
        ) if !data.is_empty() => {
            json!({"mimetype": mimetype, "data": data})
        }
        (_, Some(url)) if !url.is_empty() => {
            let fetcher = MediaFetcher::new(&state.config)?;
            let options = FetchOptions {
                unsafe_mime: true,
                filename: None,
            };
            let fetched = fetcher.fetch(&url, &options).await?;
            json!({"mimetype": fetched.mimetype, "data": fetched.data})
        }
        _ => Value::Null,
    };
    let args = json!({"chatId": body.chat_id, "media": media});
    Ok(success(
        "result",
        call(&session, "channel.setProfilePicture", args).await?,
    ))
}

/// `{chatId, newDescription}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelDescriptionBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    #[serde(default)]
    #[schema(example = "Daily news")]
    pub new_description: String,
}

/// Sets the channel's description
#[utoipa::path(post, path = "/channel/setDescription/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChannelDescriptionBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn set_description(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelDescriptionBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.setDescription", json!(body)).await?,
    ))
}

/// `{chatId, newSubject}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSubjectBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    #[serde(default)]
    #[schema(example = "News")]
    pub new_subject: String,
}

/// Renames the channel
#[utoipa::path(post, path = "/channel/setSubject/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChannelSubjectBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn set_subject(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelSubjectBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.setSubject", json!(body)).await?,
    ))
}

/// `{chatId, reactionCode}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReactionSettingBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub chat_id: String,
    /// 0 no reactions, 1 basic ones (👍 ❤️ 😂 😮 😢 🙏), 2 all; others answer false.
    #[serde(default)]
    #[schema(example = 1)]
    pub reaction_code: i64,
}

/// Sets which reactions subscribers may use
#[utoipa::path(post, path = "/channel/setReactionSetting/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ReactionSettingBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn set_reaction_setting(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ReactionSettingBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.setReactionSetting", json!(body)).await?;
    Ok(success("result", result))
}

/// Deletes a channel this account owns
#[utoipa::path(post, path = "/channel/deleteChannel/{sessionId}", tag = "Channel",
    params(("sessionId" = String, Path)), request_body = ChatIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Channel not Found"}))))]
pub async fn delete_channel(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.deleteChannel", json!(body)).await?,
    ))
}

// ---- the channel operations of /client ---------------------------------------------------------

/// The channels this device keeps
#[utoipa::path(get, path = "/client/getChannels/{sessionId}", tag = "Client",
    params(("sessionId" = String, Path)),
    responses((status = 200, body = Value, example = json!({"success": true, "result": []})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn get_channels(ReadySession(session): ReadySession) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.getChannels", json!({})).await?,
    ))
}

/// The channel of an invite code (no `result` when there is none)
#[utoipa::path(post, path = "/client/getChannelByInviteCode/{sessionId}", tag = "Client",
    params(("sessionId" = String, Path)), request_body = InviteCodeBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"name": "News", "isChannel": true}})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn get_channel_by_invite_code(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<InviteCodeBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.getChannelByInviteCode", json!(body)).await?;
    Ok(success("result", result))
}

/// `{description?, picture?}`
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateChannelOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<MediaBody>,
}

/// `{title, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateChannelBody {
    #[schema(example = "My channel")]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<CreateChannelOptions>,
}

/// Creates a channel
#[utoipa::path(post, path = "/client/createChannel/{sessionId}", tag = "Client",
    params(("sessionId" = String, Path)), request_body = CreateChannelBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"title": "My channel", "nid": {"server": "newsletter", "user": "120363400000000000", "_serialized": "120363400000000000@newsletter"}, "inviteLink": "https://whatsapp.com/channel/0029VaAbCdEfGhIjKlMnOp", "createdAtTs": 1700000000}})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn create_channel(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<CreateChannelBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.createChannel", json!(body)).await?,
    ))
}

/// `{channelId}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelIdBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub channel_id: String,
}

/// Subscribes to a channel (false for an unknown or owned one)
#[utoipa::path(post, path = "/client/subscribeToChannel/{sessionId}", tag = "Client",
    params(("sessionId" = String, Path)), request_body = ChannelIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn subscribe_to_channel(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChannelIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.subscribeToChannel", json!(body)).await?,
    ))
}

/// `{deleteLocalModels?}` (true by default: the channel leaves this device)
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_local_models: Option<bool>,
}

/// `{channelId, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeBody {
    #[schema(example = "120363400000000000@newsletter")]
    pub channel_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<UnsubscribeOptions>,
}

/// Unsubscribes from a channel (false for an unknown or owned one)
#[utoipa::path(post, path = "/client/unsubscribeFromChannel/{sessionId}", tag = "Client",
    params(("sessionId" = String, Path)), request_body = UnsubscribeBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn unsubscribe_from_channel(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<UnsubscribeBody>,
) -> ApiResult<Json<Value>> {
    let result = call(&session, "channel.unsubscribeFromChannel", json!(body)).await?;
    Ok(success("result", result))
}

/// `searchOptions` of searchChannels.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSearch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_text: Option<String>,
    /// ISO 3166-1 alpha-2 codes; the account's region by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_codes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_subscribed_newsletters: Option<bool>,
    /// 0 recommended, 1 trending, 2 popular, 3 new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<i64>,
    /// 50 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// `{searchOptions?}`
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchChannelsBody {
    #[serde(default)]
    pub search_options: ChannelSearch,
}

/// Searches the channel directory
#[utoipa::path(post, path = "/client/searchChannels/{sessionId}", tag = "Client",
    params(("sessionId" = String, Path)), request_body = SearchChannelsBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": []})),
              (status = 404, body = Value, example = json!({"success": false, "error": "session_not_found"}))))]
pub async fn search_channels(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<SearchChannelsBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "channel.searchChannels", json!(body)).await?,
    ))
}
