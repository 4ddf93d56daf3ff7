//! The one error type at the HTTP edge: wwebjs-api's `{"success":false,"error":"<text>"}` with a
//! status code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::session::bridge::BridgeError;

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// 400 for a body that is missing or malformed (wwebjs-api would crash into a 500).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "success": false, "error": self.message })),
        )
            .into_response()
    }
}

impl From<BridgeError> for ApiError {
    fn from(err: BridgeError) -> Self {
        match err {
            BridgeError::Failed { status, message } => ApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                message,
            ),
            BridgeError::Timeout => ApiError::internal("the WhatsApp page did not answer in time"),
            BridgeError::PageGone(_) => ApiError::not_found("session closed"),
        }
    }
}
