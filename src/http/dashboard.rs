//! The web dashboard at `/dashboard/` (ENABLE_WEB_UI): static files compiled into the binary.

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

const FILES: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../assets/dashboard/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/dashboard/app.js"),
    ),
    (
        "sim.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/dashboard/sim.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/dashboard/style.css"),
    ),
];

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/dashboard", get(to_slash))
        .route("/dashboard/", get(|| async { file("index.html") }));
    for (name, _, _) in FILES {
        router = router.route(
            &format!("/dashboard/{name}"),
            get(move || async move { file(name) }),
        );
    }
    router
}

/// `/dashboard` answers 301 to `/dashboard/` (relative links need the slash), keeping BASE_PATH.
async fn to_slash(OriginalUri(uri): OriginalUri) -> Response {
    let location = format!("{}/", uri.path());
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, location)],
    )
        .into_response()
}

fn file(name: &str) -> Response {
    let (_, content_type, body) = FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .expect("only known files are routed");
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        *body,
    )
        .into_response()
}
