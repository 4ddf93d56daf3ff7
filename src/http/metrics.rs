//! `GET /metrics` (Prometheus text format, under the API key like the API) and the layer that
//! counts HTTP requests by matched route template (never the raw path: ids stay out of labels).

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::metrics::{self, SessionSample, WebhookSample};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_metrics))
}

/// Prometheus metrics (text format)
///
/// Sessions by state, restarts and watchdog recoveries, Chromium memory, bridge-call and HTTP
/// latency, webhook queues, WebSocket subscribers.
#[utoipa::path(get, path = "/metrics", tag = "Metrics",
    responses((status = 200, content_type = "text/plain; version=0.0.4", description = "Prometheus text exposition format"),
              (status = 403, body = serde_json::Value, example = json!({"success": false, "error": "Invalid API key"}))))]
pub async fn get_metrics(State(state): State<AppState>) -> Response {
    let running = state.sessions.running();
    let mut samples: Vec<SessionSample> = running
        .iter()
        .map(|session| SessionSample {
            id: session.id.clone(),
            state: session.status().state.unwrap_or_else(|| "UNKNOWN".into()),
            memory_bytes: Some(session.memory_bytes()),
            ws_subscribers: state.bus.sockets().subscriber_count(&session.id),
        })
        .collect();
    samples.extend(
        state
            .sessions
            .starting()
            .into_iter()
            .map(|id| SessionSample {
                ws_subscribers: state.bus.sockets().subscriber_count(&id),
                id,
                state: "STARTING".into(),
                memory_bytes: None,
            }),
    );
    let bus = state.bus.clone();
    // Reading /proc for every session and the outbox's figures is blocking work.
    let body = tokio::task::spawn_blocking(move || {
        let webhooks: Vec<WebhookSample> = bus
            .webhook_stats()
            .into_iter()
            .map(|s| WebhookSample {
                queue_depth: s.queue_depth,
                oldest_pending: s.oldest_pending_age_ms.map(Duration::from_millis),
                dead_letters: s.dead_letters,
                delivered: s.counters.delivered,
                failed_attempts: s.counters.failed_attempts,
                session: s.session_id,
            })
            .collect();
        metrics::render(&samples, &webhooks)
    })
    .await
    .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// Counts every request by route template, method and status, with its latency.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| express_style(p.as_str()));
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::http_request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `/session/status/{sessionId}` as `/session/status/:sessionId` (wwebjs-api's own spelling):
/// braces inside label values trip up simple text-format parsers.
fn express_style(template: &str) -> String {
    template.replace('{', ":").replace('}', "")
}

#[cfg(test)]
mod tests {
    #[test]
    fn route_labels_use_express_placeholders() {
        assert_eq!(
            super::express_style("/api/session/status/{sessionId}"),
            "/api/session/status/:sessionId"
        );
        assert_eq!(super::express_style("/ping"), "/ping");
    }
}
