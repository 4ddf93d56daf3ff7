//! Extractors that parse at the boundary, so handlers only see valid values:
//! - [`SessionPath`]: the `{sessionId}` segment, checked like wwebjs-api (422 otherwise);
//! - [`ReadySession`]: a session that is there and CONNECTED (wwebjs-api's sessionValidation);
//! - [`ApiJson`]: a JSON body whose errors are JSON answers naming the field.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;
use crate::session::{Session, SessionId};

/// The `{sessionId}` path segment, valid per `^[\w-]+$`.
pub struct SessionPath(pub SessionId);

impl FromRequestParts<AppState> for SessionPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let params = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| invalid_session_name())?;
        let raw = params.get("sessionId").ok_or_else(invalid_session_name)?;
        SessionId::parse(raw)
            .map(SessionPath)
            .map_err(|_| invalid_session_name())
    }
}

fn invalid_session_name() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Session should be alphanumerical or -",
    )
}

/// A session that exists and whose WhatsApp Web socket is CONNECTED.
pub struct ReadySession(pub Arc<Session>);

impl FromRequestParts<AppState> for ReadySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SessionPath(id) = SessionPath::from_request_parts(parts, state).await?;
        let validation = state.sessions.validate(id.as_str()).await;
        if !validation.success {
            return Err(ApiError::not_found(validation.message));
        }
        state
            .sessions
            .get(id.as_str())
            .map(ReadySession)
            .ok_or_else(|| ApiError::not_found("session_not_found"))
    }
}

/// A JSON body. An empty body reads as `{}` (wwebjs-api's `req.body` default); malformed JSON is
/// a 400, a missing or mistyped field a 400 naming it, an oversized body a 413, all as JSON.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(body_error)?;
        parse_body(&bytes).map(ApiJson)
    }
}

/// Parses a request body as [`ApiJson`] does.
pub fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(format!("Malformed JSON body: {inner}"))
        } else if path == "." {
            ApiError::bad_request(format!("Invalid body: {inner}"))
        } else {
            ApiError::bad_request(format!("Invalid body field {path}: {inner}"))
        }
    })
}

fn body_error(rejection: BytesRejection) -> ApiError {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "Request body too large")
    } else {
        ApiError::new(status, rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_body;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    struct Body {
        #[allow(dead_code)]
        chat_id: String,
    }

    #[test]
    fn body_errors_name_the_field() {
        let err = parse_body::<Body>(br#"{"chatId": 5}"#).unwrap_err();
        assert!(err.message.contains("chatId"), "{}", err.message);
        let err = parse_body::<Body>(b"{}").unwrap_err();
        assert!(err.message.contains("chatId"), "{}", err.message);
        let err = parse_body::<Body>(b"{nope").unwrap_err();
        assert!(err.message.starts_with("Malformed JSON"), "{}", err.message);
        assert!(parse_body::<Body>(br#"{"chatId":"1@c.us"}"#).is_ok());
    }
}
