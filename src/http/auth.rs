//! The API key check: header `x-api-key`, compared in constant time; 403
//! `{"success":false,"error":"Invalid API key"}` when API_KEY is set and the key is wrong.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::error::ApiError;

pub async fn require_api_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let given = request.headers().get("x-api-key").map(|v| v.as_bytes());
    if key_accepted(state.config.api_key.as_deref(), given) {
        Ok(next.run(request).await)
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "Invalid API key"))
    }
}

/// Whether `given` matches the configured key; everything passes when no key is configured.
pub fn key_accepted(expected: Option<&str>, given: Option<&[u8]>) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    let Some(given) = given else { return false };
    constant_time_eq(expected.as_bytes(), given)
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::key_accepted;

    #[test]
    fn key_check() {
        assert!(key_accepted(None, None));
        assert!(key_accepted(Some("k"), Some(b"k")));
        assert!(!key_accepted(Some("k"), None));
        assert!(!key_accepted(Some("k"), Some(b"K")));
        assert!(!key_accepted(Some("key"), Some(b"key, key")));
    }
}
