//! Sending (`POST /client/sendMessage`, tag Client, and `/message/reply`) and the `/message`
//! operations of wwebjs-api. Messages are found by chat and short id (`id.id`).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::bodies::{ChatMessageBody, RunMethodBody};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, ReadySession};
use super::media_fetch::{FetchOptions, MediaFetcher};
use super::reply::{success, success_nullable};
use crate::session::Session;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_message))
        .routes(routes!(get_class_info))
        .routes(routes!(delete_message))
        .routes(routes!(download_media))
        .routes(routes!(download_media_as_data))
        .routes(routes!(forward))
        .routes(routes!(get_info))
        .routes(routes!(get_mentions))
        .routes(routes!(get_order))
        .routes(routes!(get_payment))
        .routes(routes!(get_quoted_message))
        .routes(routes!(react))
        .routes(routes!(reply))
        .routes(routes!(star))
        .routes(routes!(unstar))
        .routes(routes!(get_reactions))
        .routes(routes!(get_group_mentions))
        .routes(routes!(edit))
        .routes(routes!(get_contact))
        .routes(routes!(get_poll_votes))
        .routes(routes!(run_method))
}

// ---- content types ----------------------------------------------------------------------------

const INVALID_SEND_TYPE: &str = "invalid contentType";
const INVALID_REPLY_TYPE: &str = "contentType invalid, must be string, MessageMedia, MessageMediaFromURL, Location, Contact or Poll";

/// `POST /client/sendMessage` body.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    /// string, MessageMedia, MessageMediaFromURL, Location, Contact or Poll
    #[schema(example = "string")]
    pub content_type: String,
    /// A string (text, or the URL for MessageMediaFromURL) or an object per contentType.
    #[schema(value_type = Object, example = "Hello!")]
    pub content: Value,
    /// Merged onto `{waitUntilMsgSent: true}` (quotedMessageId, mentions, caption, media, ...).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: Option<Map<String, Value>>,
    /// For MessageMediaFromURL: `unsafeMime` (default true) and `filename`.
    #[serde(default)]
    #[schema(value_type = Object)]
    #[serde(rename = "mediaFromURLOptions")]
    pub media_from_url_options: Option<Map<String, Value>>,
}

/// `POST /message/reply` body.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplyBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[schema(example = "3EB0C767D26A1D3B3F2A")]
    pub message_id: String,
    #[schema(example = "string")]
    pub content_type: String,
    #[schema(value_type = Object, example = "Reply text!")]
    pub content: Value,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: Option<Map<String, Value>>,
}

/// Where a body is checked: the send endpoint and the reply endpoint differ in small ways.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Endpoint {
    Send,
    Reply,
}

fn field_error(field: &str, expected: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid body field {field}: expected {expected}"))
}

fn string_field<'a>(object: &'a Value, field: &str, path: &str) -> ApiResult<&'a str> {
    object[field]
        .as_str()
        .ok_or_else(|| field_error(&format!("{path}.{field}"), "a string"))
}

fn check_base64(data: &str, path: &str) -> ApiResult<()> {
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map(|_| ())
        .map_err(|_| field_error(path, "base64 data"))
}

/// MessageMedia from an object: mimetype and base64 data required.
fn message_media(value: &Value, path: &str) -> ApiResult<Value> {
    if !value.is_object() {
        return Err(field_error(
            path,
            "an object {mimetype, data, filename?, filesize?}",
        ));
    }
    let mimetype = string_field(value, "mimetype", path)?;
    let data = string_field(value, "data", path)?;
    check_base64(data, &format!("{path}.data"))?;
    Ok(json!({
        "mimetype": mimetype,
        "data": data.trim(),
        "filename": value["filename"].as_str(),
        "filesize": value["filesize"].as_u64(),
    }))
}

/// Checks and normalises `content` (and `options.media`) for the bridge's `message.send`;
/// MessageMediaFromURL is downloaded here and travels on as MessageMedia.
pub(super) async fn prepare_content(
    state: &AppState,
    endpoint: Endpoint,
    content_type: &str,
    content: &Value,
    options: &mut Map<String, Value>,
    from_url_options: &Map<String, Value>,
) -> ApiResult<(&'static str, Value)> {
    match content_type {
        "string" => {
            let text = content
                .as_str()
                .ok_or_else(|| field_error("content", "a string"))?;
            if let Some(media) = options.get("media").filter(|m| !m.is_null()) {
                let valid = media["mimetype"].is_string() && media["data"].is_string();
                if !valid {
                    return Err(ApiError::bad_request("invalid media options"));
                }
                let mut media = message_media(media, "options.media")?;
                if endpoint == Endpoint::Reply {
                    // wwebjs-api's reply drops the name and size of options.media.
                    media["filename"] = Value::Null;
                    media["filesize"] = Value::Null;
                }
                options.insert("media".into(), media);
            }
            Ok(("string", json!(text)))
        }
        "MessageMedia" => Ok(("MessageMedia", message_media(content, "content")?)),
        "MessageMediaFromURL" => {
            let url = content
                .as_str()
                .ok_or_else(|| field_error("content", "a URL string"))?;
            // Reply ignores mediaFromURLOptions, as wwebjs-api does.
            let fetch_options = FetchOptions {
                unsafe_mime: from_url_options
                    .get("unsafeMime")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                filename: from_url_options
                    .get("filename")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            };
            let media = MediaFetcher::new(&state.config)?
                .fetch(url, &fetch_options)
                .await?;
            Ok(("MessageMedia", json!(media)))
        }
        "Location" => {
            let latitude = content["latitude"]
                .as_f64()
                .ok_or_else(|| field_error("content.latitude", "a number"))?;
            let longitude = content["longitude"]
                .as_f64()
                .ok_or_else(|| field_error("content.longitude", "a number"))?;
            let description = &content["description"];
            if !(description.is_null() || description.is_string() || description.is_object()) {
                return Err(field_error("content.description", "a string"));
            }
            Ok((
                "Location",
                json!({"latitude": latitude, "longitude": longitude, "description": description}),
            ))
        }
        "Contact" => {
            let id = string_field(content, "contactId", "content")?;
            let contact_id = if id.ends_with("@c.us") {
                id.to_owned()
            } else {
                format!("{id}@c.us")
            };
            Ok(("Contact", json!({ "contactId": contact_id })))
        }
        "Poll" => {
            let poll_name = string_field(content, "pollName", "content")?;
            let poll_options = content["pollOptions"]
                .as_array()
                .filter(|all| !all.is_empty() && all.iter().all(Value::is_string))
                .ok_or_else(|| {
                    field_error("content.pollOptions", "a non-empty array of strings")
                })?;
            let settings = &content["options"];
            if !(settings.is_null() || settings.is_object()) {
                return Err(field_error("content.options", "an object"));
            }
            Ok((
                "Poll",
                json!({"pollName": poll_name, "pollOptions": poll_options, "options": settings.as_object().cloned().unwrap_or_default()}),
            ))
        }
        _ => Err(ApiError::bad_request(match endpoint {
            Endpoint::Send => INVALID_SEND_TYPE,
            Endpoint::Reply => INVALID_REPLY_TYPE,
        })),
    }
}

/// Send a message
#[utoipa::path(post, path = "/client/sendMessage/{sessionId}", tag = "Client",
    params(("sessionId" = String, Path)), request_body = SendMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "message": {"id": {"fromMe": true, "remote": "15550002222@c.us", "id": "3EB0C767D26A1D3B3F2A", "_serialized": "true_15550002222@c.us_3EB0C767D26A1D3B3F2A"}, "body": "Hello!", "type": "chat", "ack": 1}})),
              (status = 400, body = Value, example = json!({"success": false, "error": "invalid contentType"})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Chat not Found"})),
              (status = 413, body = Value)))]
pub async fn send_message(
    State(state): State<AppState>,
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<SendMessageBody>,
) -> ApiResult<Json<Value>> {
    let mut options = Map::from_iter([("waitUntilMsgSent".to_owned(), Value::Bool(true))]);
    options.extend(body.options.unwrap_or_default());
    let from_url_options = body.media_from_url_options.unwrap_or_default();
    let (content_type, content) = prepare_content(
        &state,
        Endpoint::Send,
        &body.content_type,
        &body.content,
        &mut options,
        &from_url_options,
    )
    .await?;
    let args = json!({"chatId": body.chat_id, "contentType": content_type, "content": content, "options": options});
    Ok(success(
        "message",
        session.call("message.send", &args).await?,
    ))
}

/// Send a message as a reply
#[utoipa::path(post, path = "/message/reply/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ReplyBody,
    responses((status = 200, body = Value, example = json!({"success": true, "repliedMessage": {"body": "Reply text!", "hasQuotedMsg": true}})),
              (status = 400, body = Value, example = json!({"success": false, "error": INVALID_REPLY_TYPE})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn reply(
    State(state): State<AppState>,
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<Json<Value>> {
    let mut options = body.options.unwrap_or_default();
    let (content_type, content) = prepare_content(
        &state,
        Endpoint::Reply,
        &body.content_type,
        &body.content,
        &mut options,
        &Map::new(),
    )
    .await?;
    let args = json!({"chatId": body.chat_id, "messageId": body.message_id, "contentType": content_type, "content": content, "options": options});
    Ok(success(
        "repliedMessage",
        session.call("message.reply", &args).await?,
    ))
}

// ---- operations on one message ----------------------------------------------------------------

async fn call(session: &Session, function: &str, body: &impl Serialize) -> ApiResult<Value> {
    Ok(session.call(function, &json!(body)).await?)
}

/// Get message
#[utoipa::path(post, path = "/message/getClassInfo/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "message": {"body": "Hello!", "type": "chat"}})),
              (status = 404, body = Value, example = json!({"success": false, "error": "Chat not Found"})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_class_info(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "message",
        call(&session, "message.get", &body).await?,
    ))
}

/// `{chatId, messageId, everyone?, clearMedia = true}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[schema(example = "3EB0C767D26A1D3B3F2A")]
    pub message_id: String,
    /// Delete for everyone (when I sent it, or I am a group admin).
    #[serde(default)]
    pub everyone: Option<bool>,
    #[serde(default = "yes")]
    pub clear_media: bool,
}

fn yes() -> bool {
    true
}

/// Delete a message from the chat
#[utoipa::path(post, path = "/message/delete/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = DeleteBody,
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn delete_message(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<DeleteBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "message.delete", &body).await?,
    ))
}

/// Download attached message media
#[utoipa::path(post, path = "/message/downloadMedia/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "messageMedia": {"mimetype": "image/png", "data": "iVBORw0KGgo=", "filename": "photo.png", "filesize": 8}})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message media not found"}))))]
pub async fn download_media(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "messageMedia",
        call(&session, "message.downloadMedia", &body).await?,
    ))
}

/// encodeURIComponent: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is percent-encoded.
fn encode_uri_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Download attached message media as binary data
#[utoipa::path(post, path = "/message/downloadMediaAsData/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, description = "The media's bytes, with Content-Type, Content-Length and Content-Disposition"),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message media not found"}))))]
pub async fn download_media_as_data(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Response> {
    let media = call(&session, "message.downloadMedia", &body).await?;
    let data = media["data"]
        .as_str()
        .ok_or_else(|| ApiError::internal("Message media not found"))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|err| ApiError::internal(format!("media is not base64: {err}")))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Some(value) = media["mimetype"]
        .as_str()
        .filter(|m| !m.is_empty())
        .and_then(|m| HeaderValue::from_str(m).ok())
    {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Some(filename) = media["filename"].as_str().filter(|f| !f.is_empty()) {
        let value = format!("attachment; filename={}", encode_uri_component(filename));
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&value).expect("percent-encoded text is a valid header"),
        );
    }
    Ok(response)
}

/// `{chatId, messageId, destinationChatId}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForwardBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[schema(example = "3EB0C767D26A1D3B3F2A")]
    pub message_id: String,
    #[schema(example = "15550003333@c.us")]
    pub destination_chat_id: String,
}

/// Forward a message to another chat
#[utoipa::path(post, path = "/message/forward/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ForwardBody,
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn forward(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ForwardBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "message.forward", &body).await?,
    ))
}

/// Get information about message delivery status
#[utoipa::path(post, path = "/message/getInfo/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "info": {"delivery": [], "deliveryRemaining": 1, "read": [], "readRemaining": 1, "played": [], "playedRemaining": 1}})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_info(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success_nullable(
        "info",
        call(&session, "message.getInfo", &body).await?,
    ))
}

/// Get the contacts mentioned
#[utoipa::path(post, path = "/message/getMentions/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "contacts": []})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_mentions(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "contacts",
        call(&session, "message.getMentions", &body).await?,
    ))
}

/// Get the order details
#[utoipa::path(post, path = "/message/getOrder/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_order(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "order",
        call(&session, "message.getOrder", &body).await?,
    ))
}

/// Get the payment details
#[utoipa::path(post, path = "/message/getPayment/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_payment(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "payment",
        call(&session, "message.getPayment", &body).await?,
    ))
}

/// Get the quoted message
#[utoipa::path(post, path = "/message/getQuotedMessage/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "quotedMessage": {"body": "Hello!"}})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_quoted_message(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "quotedMessage",
        call(&session, "message.getQuotedMessage", &body).await?,
    ))
}

/// `{chatId, messageId, reaction = ""}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReactBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[schema(example = "3EB0C767D26A1D3B3F2A")]
    pub message_id: String,
    /// An emoji; empty removes my reaction.
    #[serde(default)]
    #[schema(example = "👍")]
    pub reaction: String,
}

/// React with an emoji
#[utoipa::path(post, path = "/message/react/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ReactBody,
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn react(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ReactBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "message.react", &body).await?,
    ))
}

/// Star the message
#[utoipa::path(post, path = "/message/star/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn star(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "message.star", &body).await?,
    ))
}

/// Unstar the message
#[utoipa::path(post, path = "/message/unstar/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn unstar(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "message.unstar", &body).await?,
    ))
}

/// Get the reactions associated
#[utoipa::path(post, path = "/message/getReactions/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"id": "👍", "aggregateEmoji": "👍", "hasReactionByMe": true, "senders": []}]})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_reactions(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "message.getReactions", &body).await?,
    ))
}

/// Get groups mentioned in this message
#[utoipa::path(post, path = "/message/getGroupMentions/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": []})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_group_mentions(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "message.getGroupMentions", &body).await?,
    ))
}

/// `{chatId, messageId, content, options?}`
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EditBody {
    #[schema(example = "15550001111@c.us")]
    pub chat_id: String,
    #[schema(example = "3EB0C767D26A1D3B3F2A")]
    pub message_id: String,
    #[schema(example = "Edited text")]
    pub content: String,
    /// mentions, groupMentions, linkPreview, extra
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: Option<Map<String, Value>>,
}

/// Edit the message
#[utoipa::path(post, path = "/message/edit/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = EditBody,
    responses((status = 200, body = Value, example = json!({"success": true, "message": {"body": "Edited text"}})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn edit(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<EditBody>,
) -> ApiResult<Json<Value>> {
    Ok(success_nullable(
        "message",
        call(&session, "message.edit", &body).await?,
    ))
}

/// Get the contact
#[utoipa::path(post, path = "/message/getContact/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "contact": {"number": "15550001111"}})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_contact(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "contact",
        call(&session, "message.getContact", &body).await?,
    ))
}

/// Get poll vote results for a message with a poll
#[utoipa::path(post, path = "/message/getPollVotes/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = ChatMessageBody,
    responses((status = 200, body = Value, example = json!({"success": true, "votes": []})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Message not found"}))))]
pub async fn get_poll_votes(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<ChatMessageBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "votes",
        call(&session, "message.getPollVotes", &body).await?,
    ))
}

/// The Message methods runMethod may call, each with the bridge function behind it and the
/// name its optional argument takes there. Anything else is "not implemented".
const RUNNABLE_METHODS: &[(&str, &str, Option<&str>)] = &[
    ("reload", "message.get", None),
    ("getInfo", "message.getInfo", None),
    ("getMentions", "message.getMentions", None),
    ("getGroupMentions", "message.getGroupMentions", None),
    ("getOrder", "message.getOrder", None),
    ("getPayment", "message.getPayment", None),
    ("getQuotedMessage", "message.getQuotedMessage", None),
    ("getReactions", "message.getReactions", None),
    ("getContact", "message.getContact", None),
    ("getChat", "message.getChat", None),
    ("getPollVotes", "message.getPollVotes", None),
    ("downloadMedia", "message.downloadMedia", None),
    ("star", "message.star", None),
    ("unstar", "message.unstar", None),
    ("react", "message.react", Some("reaction")),
    ("delete", "message.delete", Some("everyone")),
    ("forward", "message.forward", Some("destinationChatId")),
    ("edit", "message.edit", Some("content")),
];

/// Execute a method on the message
#[utoipa::path(post, path = "/message/runMethod/{sessionId}", tag = "Message",
    params(("sessionId" = String, Path)), request_body = RunMethodBody,
    responses((status = 200, body = Value, example = json!({"success": true, "data": {"delivery": []}})),
              (status = 500, body = Value, example = json!({"success": false, "error": "Method is not implemented"}))))]
pub async fn run_method(
    ReadySession(session): ReadySession,
    ApiJson(body): ApiJson<RunMethodBody>,
) -> ApiResult<Json<Value>> {
    let chat_id = body
        .chat_id
        .ok_or_else(|| ApiError::bad_request("Invalid body field chatId: missing"))?;
    let message_id = body
        .message_id
        .ok_or_else(|| ApiError::bad_request("Invalid body field messageId: missing"))?;
    let mut args = json!({"chatId": chat_id, "messageId": message_id});
    // Find the message first: an unknown message says so whatever the method.
    let message = session.call("message.get", &args).await?;
    let Some((_, function, argument)) = RUNNABLE_METHODS
        .iter()
        .find(|(name, ..)| *name == body.method)
    else {
        return Err(ApiError::internal("Method is not implemented"));
    };
    // `options ? message[method](options) : message[method]()`
    let option = body.options.filter(is_truthy);
    match (argument, option) {
        (Some("reaction"), None) => args["reaction"] = json!(""),
        (Some(name), Some(option)) => args[*name] = option,
        _ => {}
    }
    if *function == "message.get" {
        return Ok(success("data", message));
    }
    if *function == "message.forward" && !args["destinationChatId"].is_string() {
        return Err(ApiError::bad_request(
            "Invalid body field options: expected the destination chat id",
        ));
    }
    if *function == "message.edit" && !args["content"].is_string() {
        return Err(ApiError::bad_request(
            "Invalid body field options: expected the new text",
        ));
    }
    Ok(success("data", session.call(function, &args).await?))
}

/// JavaScript truthiness of a JSON value.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::encode_uri_component;

    #[test]
    fn filenames_are_encoded_like_encode_uri_component() {
        assert_eq!(
            encode_uri_component("my photo (1).png"),
            "my%20photo%20(1).png"
        );
        assert_eq!(encode_uri_component("ä/b;c"), "%C3%A4%2Fb%3Bc");
        assert_eq!(encode_uri_component("a-b_c.d!e~f*g'h"), "a-b_c.d!e~f*g'h");
    }
}
