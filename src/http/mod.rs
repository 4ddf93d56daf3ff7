//! HTTP: the axum router mounted under BASE_PATH, its layers, and the handlers per module.
//! Knows nothing of CDP: handlers validate their input and call the session's bridge.
//!
//! Layers, outermost first: request id + trace, CORS, body limit, request metrics, then on the
//! API and the WebSocket: rate limit per client IP (before the key check, so failed
//! authentications use quota), cross-site refusal, API key (the WebSocket checks the key
//! itself). /ping, the docs and the dashboard sit outside those three.

mod api_keys;
mod auth;
pub mod bodies;
mod cluster;
mod cross_site;
mod dashboard;
pub mod error;
pub mod extract;
mod health;
pub mod key_store;
mod metrics;
pub mod openapi;
mod operation_access;
mod ratelimit;
pub mod reply;
mod session;
mod simulator;
mod ws;

pub mod channel;
pub mod chat;
pub mod client;
pub mod contact;
pub mod group_chat;
pub mod media_fetch;
pub mod message;
pub mod webhooks;

use std::ops::Deref;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::cluster::Cluster;
use crate::config::Config;
use crate::events::EventBus;
use crate::session::SessionManager;
use error::ApiError;

/// The state every handler gets.
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

pub struct App {
    /// Parsed configuration.
    pub config: Arc<Config>,
    /// The sessions.
    pub sessions: Arc<SessionManager>,
    /// Event fan-out (webhooks, WebSockets).
    pub bus: Arc<EventBus>,
    /// Cluster mode (CLUSTER_REDIS_URL): leases, node registry, forwarding. `None` on a single
    /// node.
    pub cluster: Option<Arc<Cluster>>,
    /// Scoped API keys (besides the admin API_KEY).
    pub keys: Arc<key_store::KeyStore>,
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// The API routes (the 149 operations and /ping) with their OpenAPI description.
pub fn api_routes() -> OpenApiRouter<AppState> {
    let mut routes = documented_routes();
    openapi::declare_error_answers(routes.get_openapi_mut());
    routes
}

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base_document())
        .merge(health::routes())
        .merge(session::routes())
        .merge(client::routes())
        .merge(chat::routes())
        .merge(group_chat::routes())
        .merge(message::routes())
        .merge(contact::routes())
        .merge(channel::routes())
        .merge(metrics::routes())
        .merge(cluster::routes())
        .merge(webhooks::routes())
        .merge(api_keys::routes())
        .merge(simulator::routes())
}

/// The whole application router, mounted under BASE_PATH.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let (mut api, spec) = api_routes().split_for_parts();
    if config.enable_local_callback_example {
        api = api.merge(health::local_callback_route());
    }

    // One limiter for the API and the WebSocket upgrades; route_layer added last runs first.
    let rate_limit = ratelimit::layer(&config);
    let cross_site = middleware::from_fn_with_state(state.clone(), cross_site::refuse_cross_site);
    let mut app = api
        // Innermost: a request is forwarded to its session's node after the rate limit, the
        // cross-site check and the key were checked here.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            cluster::route_to_owner,
        ))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_key,
        ))
        .route_layer(cross_site.clone())
        .route_layer(rate_limit.clone())
        // The WebSocket checks the key itself: browsers cannot set headers on it.
        .merge(ws::routes().route_layer(cross_site).route_layer(rate_limit))
        // Outside the API-key guard, as in wwebjs-api.
        .merge(health::ping_route());
    if config.enable_swagger {
        app = app.merge(openapi::swagger_ui(spec));
    }
    if config.enable_web_ui {
        app = app.merge(dashboard::routes());
    }
    let app = app
        .fallback(not_found)
        // Innermost of the router-wide layers: it sees each route's matched template.
        .layer(middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(config.body_limit()))
        .layer(cors_layer(&config))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(HeaderName::from_static("x-request-id"), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                    let request_id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id)
                }))
                .layer(PropagateRequestIdLayer::new(HeaderName::from_static("x-request-id"))),
        )
        .with_state(state);

    if config.base_path.is_empty() {
        app
    } else {
        Router::new()
            .nest(&config.base_path, app)
            .fallback(not_found)
    }
}

/// Unknown paths get a JSON 404 (wwebjs-api answers Express's HTML page).
async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Cannot {method} {}", uri.path()),
    )
}

/// CORS: the origins of ALLOWED_ORIGINS, with credentials; with `*` or unset, `*` without
/// credentials (never an echo of whatever origin asked). Unlisted browser origins are refused
/// by [`cross_site`] anyway; this only tells allowed pages they may read the answers.
fn cors_layer(config: &Config) -> CorsLayer {
    let cors = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
        ])
        .allow_headers(tower_http::cors::AllowHeaders::mirror_request());
    match &config.allowed_origins {
        Some(list) if !config.any_origin_allowed() => cors
            .allow_origin(AllowOrigin::list(
                list.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
            ))
            .allow_credentials(true),
        _ => cors.allow_origin(AllowOrigin::any()),
    }
}
