//! The `/contact` operations of wwebjs-api: one contact's profile, blocking, chat and groups.
//! An unknown contact answers 500 'Contact not found', as wwebjs-api does.

use axum::Json;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::bodies::ContactIdBody;
use super::error::ApiResult;
use super::extract::{ApiJson, ReadySession};
use super::reply::{success, success_nullable};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_class_info))
        .routes(routes!(block))
        .routes(routes!(get_about))
        .routes(routes!(get_chat))
        .routes(routes!(unblock))
        .routes(routes!(get_formatted_number))
        .routes(routes!(get_country_code))
        .routes(routes!(get_profile_pic_url))
        .routes(routes!(get_common_groups))
}

async fn call(session: &ReadySession, name: &str, body: ContactIdBody) -> ApiResult<Value> {
    Ok(session.0.call(name, &json!(body)).await?)
}

/// Get the contact
#[utoipa::path(post, path = "/contact/getClassInfo/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "contact": {"number": "15550002222", "pushname": "Bob", "isUser": true, "isBlocked": false}})),
              (status = 400, body = Value), (status = 500, body = Value, example = json!({"success": false, "error": "Contact not found"}))))]
pub async fn get_class_info(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "contact",
        call(&session, "contact.getClassInfo", body).await?,
    ))
}

/// Block the contact
#[utoipa::path(post, path = "/contact/block/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn block(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "contact.block", body).await?,
    ))
}

/// The contact's about text (null when hidden)
#[utoipa::path(post, path = "/contact/getAbout/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "Hey there! I am using WhatsApp."})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn get_about(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success_nullable(
        "result",
        call(&session, "contact.getAbout", body).await?,
    ))
}

/// The chat with the contact
#[utoipa::path(post, path = "/contact/getChat/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": {"name": "Bob", "isGroup": false, "unreadCount": 0}})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn get_chat(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success_nullable(
        "result",
        call(&session, "contact.getChat", body).await?,
    ))
}

/// Unblock the contact
#[utoipa::path(post, path = "/contact/unblock/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": true})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn unblock(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "contact.unblock", body).await?,
    ))
}

/// The contact's number, formatted for display
#[utoipa::path(post, path = "/contact/getFormattedNumber/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "+1 555-000-2222"})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn get_formatted_number(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "contact.getFormattedNumber", body).await?,
    ))
}

/// The country calling code of the contact's number
#[utoipa::path(post, path = "/contact/getCountryCode/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "1"})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn get_country_code(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "contact.getCountryCode", body).await?,
    ))
}

/// The URL of the contact's profile picture (null when there is none or it is hidden)
#[utoipa::path(post, path = "/contact/getProfilePicUrl/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": "https://pps.whatsapp.net/v/t61/abc.jpg"})), (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn get_profile_pic_url(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success_nullable(
        "result",
        call(&session, "contact.getProfilePicUrl", body).await?,
    ))
}

/// The ids of the groups this account shares with the contact
#[utoipa::path(post, path = "/contact/getCommonGroups/{sessionId}", tag = "Contact", params(("sessionId" = String, Path)), request_body = ContactIdBody,
    responses((status = 200, body = Value, example = json!({"success": true, "result": [{"server": "g.us", "user": "120363025555555555", "_serialized": "120363025555555555@g.us"}]})),
              (status = 400, body = Value), (status = 500, body = Value)))]
pub async fn get_common_groups(
    session: ReadySession,
    ApiJson(body): ApiJson<ContactIdBody>,
) -> ApiResult<Json<Value>> {
    Ok(success(
        "result",
        call(&session, "contact.getCommonGroups", body).await?,
    ))
}
