//! Refuses requests a web page on another site makes through a visitor's browser (CSRF, and
//! WebSocket hijacking). Session operations are GETs and a browser sends those cross-site without
//! asking (an `<img src>` starts a session), so CORS alone cannot protect them.
//!
//! wwebjs-api clients are server-side and send neither `Origin` nor `Sec-Fetch-Site`: they pass
//! untouched. A browser request passes when it is same-origin (the dashboard, Swagger UI) or its
//! `Origin` is in ALLOWED_ORIGINS (`*` there allows every origin, as wwebjs-api does). A body a
//! browser sends must be `application/json`: an HTML form cannot send that without a preflight.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::error::ApiError;
use crate::config::Config;

pub async fn refuse_cross_site(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    check(request.headers(), &state.config)?;
    Ok(next.run(request).await)
}

/// Why a request is refused, if it is.
pub fn check(headers: &HeaderMap, config: &Config) -> Result<(), ApiError> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let origin = text(header::ORIGIN);
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if origin.is_none() && fetch_site.is_none() {
        return Ok(()); // not a browser
    }
    // "none": the user typed the URL or used a bookmark.
    let same_origin = matches!(fetch_site, Some("same-origin" | "none"))
        || origin.is_some_and(|o| is_own_origin(o, text(header::HOST)));
    if !same_origin && !origin.is_some_and(|o| config.origin_allowed(o)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "Cross-site request refused: origin {} is not in ALLOWED_ORIGINS",
                origin.unwrap_or("(none)")
            ),
        ));
    }
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || text(header::CONTENT_LENGTH).is_some_and(|n| n.trim() != "0");
    let json = text(header::CONTENT_TYPE).is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    });
    if has_body && !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/json",
        ));
    }
    Ok(())
}

/// `Origin` (`scheme://host[:port]`) names the host the request was sent to.
fn is_own_origin(origin: &str, host: Option<&str>) -> bool {
    let Some(host) = host else { return false };
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(allowed: Option<&str>) -> Config {
        let mut vars = HashMap::new();
        if let Some(list) = allowed {
            vars.insert("ALLOWED_ORIGINS".to_owned(), list.to_owned());
        }
        Config::from_map(&vars).unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    fn status(pairs: &[(&str, &str)], allowed: Option<&str>) -> Option<u16> {
        check(&headers(pairs), &config(allowed)).err().map(|e| {
            axum::response::IntoResponse::into_response(e)
                .status()
                .as_u16()
        })
    }

    #[test]
    fn servers_and_same_origin_pages_pass() {
        assert_eq!(status(&[("host", "gw:3000")], None), None);
        assert_eq!(
            status(
                &[("content-length", "12"), ("content-type", "text/plain")],
                None
            ),
            None,
            "a server-side client's body is not checked"
        );
        assert_eq!(status(&[("sec-fetch-site", "same-origin")], None), None);
        assert_eq!(status(&[("sec-fetch-site", "none")], None), None);
        assert_eq!(
            status(&[("origin", "http://gw:3000"), ("host", "gw:3000")], None),
            None
        );
    }

    #[test]
    fn other_sites_are_refused_unless_allowed() {
        let evil = [("origin", "https://evil.example"), ("host", "gw:3000")];
        assert_eq!(status(&evil, None), Some(403));
        assert_eq!(status(&evil, Some("https://ok.example")), Some(403));
        assert_eq!(
            status(&evil, Some("https://ok.example, https://evil.example")),
            None
        );
        assert_eq!(status(&evil, Some("*")), None);
        assert_eq!(
            status(&[("sec-fetch-site", "cross-site")], Some("*")),
            Some(403),
            "no Origin to match (an <img> or a link)"
        );
        assert_eq!(status(&[("sec-fetch-site", "same-site")], None), Some(403));
        assert_eq!(
            status(&[("origin", "null"), ("host", "gw")], Some("https://a")),
            Some(403)
        );
    }

    #[test]
    fn browsers_send_json_bodies_only() {
        let form = [
            ("sec-fetch-site", "same-origin"),
            ("content-length", "10"),
            ("content-type", "application/x-www-form-urlencoded"),
        ];
        assert_eq!(status(&form, None), Some(415));
        let json = [
            ("sec-fetch-site", "same-origin"),
            ("content-length", "10"),
            ("content-type", "application/json; charset=utf-8"),
        ];
        assert_eq!(status(&json, None), None);
        assert_eq!(
            status(
                &[("sec-fetch-site", "same-origin"), ("content-length", "0")],
                None
            ),
            None
        );
    }
}
