//! Rate limit per client IP on every API route: RATE_LIMIT_MAX requests per
//! RATE_LIMIT_WINDOW_MS, answered with a JSON 429 and `Retry-After`.
//!
//! With TRUST_PROXY the client IP is the right-most `X-Forwarded-For` entry over all of the
//! header's lines, the one our own proxy appended; anything left of it is whatever the client
//! chose to send. One limiter serves the API and the WebSocket upgrades, and it runs before the
//! API-key check so that failed authentications use quota too (key guessing is limited).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, Response, StatusCode, header};
use governor::middleware::NoOpMiddleware;
use tower_governor::GovernorLayer;
use tower_governor::errors::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

use crate::config::Config;

#[derive(Clone, Copy)]
pub struct ClientIp {
    trust_proxy: bool,
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        if self.trust_proxy
            && let Some(ip) = forwarded_client(req.headers())
        {
            return Ok(ip);
        }
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// The right-most entry of `X-Forwarded-For`, reading every line of the header (a client may
/// send its own line before the one our proxy appends). None when that entry is not an address
/// (`ip` or `ip:port`): then the peer address counts, never an entry further left.
pub fn forwarded_client(headers: &HeaderMap) -> Option<IpAddr> {
    let last_line = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last_line.to_str().ok()?.rsplit(',').next()?.trim();
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

pub type RateLimitLayer =
    GovernorLayer<ClientIp, NoOpMiddleware<governor::clock::QuantaInstant>, Body>;

pub fn layer(config: &Config) -> RateLimitLayer {
    let max = config.rate_limit_max.max(1);
    let period = (config.rate_limit_window / max).max(Duration::from_nanos(1));
    let governor = GovernorConfigBuilder::default()
        .period(period)
        .burst_size(max)
        .key_extractor(ClientIp {
            trust_proxy: config.trust_proxy,
        })
        .finish()
        .expect("period and burst size are positive");
    let governor = Arc::new(governor);
    // Forget idle clients now and then, or the limiter keeps one entry per IP ever seen.
    let limiter = governor.limiter().clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limiter.retain_recent();
        }
    });
    GovernorLayer::new(governor).error_handler(too_many_requests)
}

fn too_many_requests(err: GovernorError) -> Response<Body> {
    let (status, wait, message) = match err {
        GovernorError::TooManyRequests { wait_time, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(wait_time.max(1)),
            "You can't make any more requests at the moment. Try again later".to_owned(),
        ),
        GovernorError::UnableToExtractKey => (
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Unable to tell the client address".into(),
        ),
        GovernorError::Other { code, msg, .. } => {
            (code, None, msg.unwrap_or_else(|| "Rate limit error".into()))
        }
    };
    let body = serde_json::json!({ "success": false, "error": message }).to_string();
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(wait) = wait {
        response = response.header(header::RETRY_AFTER, wait.to_string());
    }
    response
        .body(Body::from(body))
        .expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
        }
        map
    }

    #[test]
    fn right_most_entry_of_the_last_line_wins() {
        let ip = |lines: &[&str]| forwarded_client(&headers(lines)).map(|ip| ip.to_string());
        assert_eq!(ip(&["1.1.1.1, 2.2.2.2"]).as_deref(), Some("2.2.2.2"));
        assert_eq!(
            ip(&["6.6.6.6", "9.9.9.9"]).as_deref(),
            Some("9.9.9.9"),
            "a spoofed first line does not count"
        );
        assert_eq!(
            ip(&["6.6.6.6", "7.7.7.7, 9.9.9.9"]).as_deref(),
            Some("9.9.9.9")
        );
        assert_eq!(ip(&["2001:db8::1"]).as_deref(), Some("2001:db8::1"));
        assert_eq!(ip(&["5.5.5.5:4711"]).as_deref(), Some("5.5.5.5"));
        assert_eq!(ip(&["[2001:db8::2]:80"]).as_deref(), Some("2001:db8::2"));
        assert_eq!(
            ip(&["1.1.1.1, garbage"]),
            None,
            "never an entry further left"
        );
        assert_eq!(ip(&["1.1.1.1,"]), None);
        assert_eq!(ip(&[]), None);
    }
}
