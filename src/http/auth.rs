//! Who may call what. The admin key (API_KEY, header `x-api-key`, compared in constant time)
//! may call everything; a scoped key ([`super::key_store`]) only its sessions, and only the
//! getters when it is read-only ([`super::operation_access`]). 403
//! `{"success":false,"error":"Invalid API key"}` for an unknown key, as wwebjs-api.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, MatchedPath, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::error::ApiError;
use super::key_store::{KeyAccess, KeyInfo};
use super::operation_access::{Needs, needs};

/// Who is calling.
pub enum Caller {
    /// The admin key, or anyone when API_KEY is unset.
    Admin,
    Scoped(KeyInfo),
}

pub async fn require_api_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let given = request.headers().get("x-api-key").map(|v| v.as_bytes());
    let caller = identify(&state, given)?;
    if matches!(caller, Caller::Scoped(_)) {
        let (mut parts, body) = request.into_parts();
        let template = parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        let template = template
            .strip_prefix(state.config.base_path.as_str())
            .unwrap_or(&template)
            .to_owned();
        let session = Path::<HashMap<String, String>>::from_request_parts(&mut parts, &state)
            .await
            .ok()
            .and_then(|Path(mut params)| params.remove("sessionId"));
        authorize(
            &caller,
            needs(parts.method.as_str(), &template),
            session.as_deref(),
        )?;
        return Ok(next.run(Request::from_parts(parts, body)).await);
    }
    Ok(next.run(request).await)
}

/// The caller a key belongs to; 403 for an unknown one.
pub fn identify(state: &AppState, given: Option<&[u8]>) -> Result<Caller, ApiError> {
    let invalid = || ApiError::new(StatusCode::FORBIDDEN, "Invalid API key");
    if key_accepted(state.config.api_key.as_deref(), given) {
        return Ok(Caller::Admin);
    }
    let given = given.ok_or_else(invalid)?;
    state
        .keys
        .find(given)
        .map(Caller::Scoped)
        .ok_or_else(invalid)
}

/// Whether `caller` may run an operation that `needs` this on `session`.
pub fn authorize(caller: &Caller, needs: Needs, session: Option<&str>) -> Result<(), ApiError> {
    let Caller::Scoped(key) = caller else {
        return Ok(());
    };
    let refuse = |message: String| Err(ApiError::new(StatusCode::FORBIDDEN, message));
    let Some(session) = session.filter(|_| needs != Needs::Admin) else {
        return refuse("This operation needs the admin API key (API_KEY)".into());
    };
    if !key.sessions.iter().any(|s| s == session) {
        return refuse(format!("This API key may not use session {session}"));
    }
    if needs == Needs::Write && key.access == KeyAccess::Read {
        return refuse("This API key is read-only".into());
    }
    Ok(())
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
    use super::*;

    #[test]
    fn key_check() {
        assert!(key_accepted(None, None));
        assert!(key_accepted(Some("k"), Some(b"k")));
        assert!(!key_accepted(Some("k"), None));
        assert!(!key_accepted(Some("k"), Some(b"K")));
        assert!(!key_accepted(Some("key"), Some(b"key, key")));
    }

    fn scoped(access: KeyAccess) -> Caller {
        Caller::Scoped(KeyInfo {
            id: "k1".into(),
            name: None,
            sessions: vec!["s1".into()],
            access,
            created_at: 0,
        })
    }

    #[test]
    fn scoped_keys_stay_on_their_sessions_and_access() {
        let read = scoped(KeyAccess::Read);
        let full = scoped(KeyAccess::Full);
        assert!(authorize(&read, Needs::Read, Some("s1")).is_ok());
        assert!(authorize(&read, Needs::Write, Some("s1")).is_err());
        assert!(authorize(&full, Needs::Write, Some("s1")).is_ok());
        assert!(authorize(&full, Needs::Read, Some("s2")).is_err());
        assert!(authorize(&full, Needs::Admin, None).is_err());
        assert!(authorize(&Caller::Admin, Needs::Admin, None).is_ok());
    }
}
