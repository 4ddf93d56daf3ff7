//! Cluster mode at the HTTP edge: the layer that answers a request on the node owning its
//! session (forwarding it there otherwise, and placing a new session on the least loaded node),
//! and the admin routes `/cluster/nodes` and `/cluster/drain/{nodeId}`.

use axum::Json;
use axum::extract::{FromRequestParts, MatchedPath, Path, RawPathParams, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::cluster::Route;
use crate::cluster::forward::{self, FORWARDED_BY, NODE_HEADER};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(cluster_nodes))
        .routes(routes!(drain_node))
}

/// Routes a request to the node that owns its `{sessionId}` (route layer of the API routes, so
/// the key and the rate limit were checked at the entry node). Single-node mode passes through.
pub async fn route_to_owner(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(cluster) = state.cluster.clone() else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let forwarded = parts.headers.contains_key(FORWARDED_BY);
    let session = RawPathParams::from_request_parts(&mut parts, &state)
        .await
        .ok()
        .and_then(|params| {
            params
                .iter()
                .find(|(name, _)| *name == "sessionId")
                .map(|(_, value)| value.to_owned())
        });
    let start = parts
        .extensions
        .get::<MatchedPath>()
        .is_some_and(|p| p.as_str().ends_with("/session/start/{sessionId}"));
    let request = Request::from_parts(parts, body);
    let route = match session {
        Some(id) if !forwarded => cluster.route(&id, start).await,
        _ => Route::Here,
    };
    let mut response = match route {
        Route::Here => next.run(request).await,
        Route::There(url) => {
            crate::metrics::cluster_forwarded("http");
            forward::forward(&cluster.http, &url, cluster.node_id(), request).await
        }
        Route::Unavailable(message) => forward::unavailable(message),
    };
    if !response.headers().contains_key(NODE_HEADER)
        && let Ok(node) = HeaderValue::from_str(cluster.node_id())
    {
        response.headers_mut().insert(NODE_HEADER, node);
    }
    response
}

fn cluster_off() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "cluster mode is off (CLUSTER_REDIS_URL is not set)",
    )
}

/// The live nodes and where each session runs
#[utoipa::path(get, path = "/cluster/nodes", tag = "Cluster",
    responses((status = 200, body = Value, example = json!({"success": true, "node": "gw-1",
        "nodes": [{"id": "gw-1", "url": "http://gw-1:3000", "sessions": 2, "draining": false}],
        "sessions": {"demo": "gw-1", "other": null}})),
        (status = 404, body = Value, example = json!({"success": false, "error": "cluster mode is off (CLUSTER_REDIS_URL is not set)"})),
        (status = 503, body = Value)))]
pub async fn cluster_nodes(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let cluster = state.cluster.as_ref().ok_or_else(cluster_off)?;
    let (nodes, owners) = cluster
        .overview()
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e))?;
    let sessions: serde_json::Map<String, Value> = owners
        .into_iter()
        .map(|(id, owner)| (id, json!(owner)))
        .collect();
    Ok(Json(json!({
        "success": true,
        "node": cluster.node_id(),
        "nodes": nodes,
        "sessions": sessions,
    })))
}

/// Drain a node: it stops taking sessions and hands its own to the other nodes (no QR needed)
#[utoipa::path(post, path = "/cluster/drain/{nodeId}", tag = "Cluster", params(("nodeId" = String, Path, description = "NODE_ID of the node to drain")),
    responses((status = 200, body = Value, example = json!({"success": true, "node": "gw-2", "handedOff": ["demo"]})),
              (status = 404, body = Value, example = json!({"success": false, "error": "no live node gw-9"})),
              (status = 503, body = Value)))]
pub async fn drain_node(
    State(state): State<AppState>,
    Path(node): Path<String>,
    request: Request,
) -> Response {
    let Some(cluster) = state.cluster.clone() else {
        return cluster_off().into_response();
    };
    if node == cluster.node_id() {
        let handed_off = cluster.drain().await;
        return Json(json!({ "success": true, "node": node, "handedOff": handed_off }))
            .into_response();
    }
    if request.headers().contains_key(FORWARDED_BY) {
        return ApiError::new(StatusCode::NOT_FOUND, format!("no live node {node}"))
            .into_response();
    }
    match cluster.node(&node).await {
        Ok(Some(info)) => {
            forward::forward(&cluster.http, &info.url, cluster.node_id(), request).await
        }
        Ok(None) => {
            ApiError::new(StatusCode::NOT_FOUND, format!("no live node {node}")).into_response()
        }
        Err(err) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, err).into_response(),
    }
}
