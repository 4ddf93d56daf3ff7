//! Rate limit per client IP on every API route: RATE_LIMIT_MAX requests per
//! RATE_LIMIT_WINDOW_MS, answered with a JSON 429 and `Retry-After`.
//!
//! With TRUST_PROXY the client IP is the right-most `X-Forwarded-For` entry, the one our own
//! proxy appended; the left-most one is whatever the client chose to send.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
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
        if self.trust_proxy {
            let forwarded = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|s| {
                    s.rsplit(',')
                        .find_map(|part| part.trim().parse::<IpAddr>().ok())
                });
            if let Some(ip) = forwarded {
                return Ok(ip);
            }
        }
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or(GovernorError::UnableToExtractKey)
    }
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
