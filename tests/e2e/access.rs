//! Access rules at the HTTP edge: cross-site browser requests, CORS, the rate limit counting
//! failed authentications and WebSocket upgrades, X-Forwarded-For behind a trusted proxy.

use axum::http::StatusCode;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::support::*;

/// The status of a WebSocket upgrade (101 when it succeeded).
async fn ws_status(daemon: &Daemon, session: &str, headers: &[(&str, &str)]) -> u16 {
    let url = format!(
        "{}/ws/{session}?apiKey={API_KEY}",
        daemon.base.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        let name = axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("WebSocket handshake failed: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn browsers_on_other_sites_are_refused_and_servers_are_not() {
    let sim = Sim::start().await;
    let dir = TempDir::new("cross-site");
    let daemon = Daemon::start(Daemon::env_for(&sim, None, &dir.0));
    let http = reqwest::Client::new();
    let get = |headers: &[(&'static str, &'static str)]| {
        let mut request = http
            .get(daemon.url("/session/getSessions"))
            .header("x-api-key", API_KEY);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request.send()
    };

    // A wwebjs-api client: server-side, no Origin.
    assert_eq!(get(&[]).await.unwrap().status().as_u16(), 200);
    // The dashboard / Swagger UI: same origin.
    assert_eq!(
        get(&[("sec-fetch-site", "same-origin")])
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let own = daemon.base.clone();
    let own_origin = http
        .get(daemon.url("/session/getSessions"))
        .header("x-api-key", API_KEY)
        .header("origin", own)
        .send()
        .await
        .unwrap();
    assert_eq!(own_origin.status().as_u16(), 200, "Origin naming the Host");

    // Another site's page, with or without an Origin (an <img src> sends none).
    let evil = get(&[
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ])
    .await
    .unwrap();
    assert_eq!(evil.status().as_u16(), 403);
    assert_eq!(
        evil.headers()["access-control-allow-origin"],
        "*",
        "CORS never echoes an arbitrary origin"
    );
    assert!(
        !evil
            .headers()
            .contains_key("access-control-allow-credentials")
    );
    let body: serde_json::Value = evil.json().await.unwrap();
    assert_eq!(body["success"], false);
    assert!(
        body["error"].as_str().unwrap().contains("ALLOWED_ORIGINS"),
        "{body}"
    );
    assert_eq!(
        get(&[("sec-fetch-site", "cross-site")])
            .await
            .unwrap()
            .status()
            .as_u16(),
        403
    );
    // Without an API key the page must not start a browser either.
    let (status, _) = daemon.request("GET", "/ping", None, None).await;
    assert_eq!(status, StatusCode::OK);

    // A browser body must be JSON (a form post is not).
    let form = http
        .post(daemon.url("/session/requestPairingCode/x"))
        .header("x-api-key", API_KEY)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "text/plain")
        .body(r#"{"phoneNumber":"1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 415);

    // The WebSocket: other sites refused, same origin and servers accepted.
    assert_eq!(ws_status(&daemon, "s1", &[]).await, 101);
    assert_eq!(
        ws_status(&daemon, "s1", &[("origin", "https://evil.example")]).await,
        403
    );
    let host_origin = daemon.base.clone();
    assert_eq!(
        ws_status(&daemon, "s1", &[("origin", host_origin.as_str())]).await,
        101
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn allowed_origins_open_the_gate_for_listed_sites_only() {
    let sim = Sim::start().await;
    let dir = TempDir::new("allowed-origins");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("ALLOWED_ORIGINS".into(), "https://app.example".into());
    let daemon = Daemon::start(env);
    let http = reqwest::Client::new();
    let from = |origin: &'static str| {
        http.get(daemon.url("/session/getSessions"))
            .header("x-api-key", API_KEY)
            .header("origin", origin)
            .header("sec-fetch-site", "cross-site")
            .send()
    };
    let ok = from("https://app.example").await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    let other = from("https://evil.example").await.unwrap();
    assert_eq!(other.status().as_u16(), 403);
    assert!(!other.headers().contains_key("access-control-allow-origin"));

    assert_eq!(
        ws_status(&daemon, "s1", &[("origin", "https://app.example")]).await,
        101
    );
    assert_eq!(
        ws_status(&daemon, "s1", &[("origin", "https://evil.example")]).await,
        403
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_keys_and_websocket_upgrades_use_the_rate_limit() {
    let sim = Sim::start().await;
    let dir = TempDir::new("limit-auth");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("RATE_LIMIT_MAX".into(), "3".into());
    env.insert("RATE_LIMIT_WINDOW_MS".into(), "600000".into());
    env.insert("TRUST_PROXY".into(), "TRUE".into());
    let daemon = Daemon::start(env);
    let http = reqwest::Client::new();
    // The trusted proxy appends its own X-Forwarded-For line after whatever the client sent.
    let guess = |client_line: &'static str, proxy_line: &'static str, key: &'static str| {
        http.get(daemon.url("/session/getSessions"))
            .header("x-api-key", key)
            .header("x-forwarded-for", client_line)
            .header("x-forwarded-for", proxy_line)
            .send()
    };

    // Client 9.9.9.9 guesses keys, claiming a new address each time in its own line.
    let spoofed = ["1.1.1.1", "2.2.2.2", "3.3.3.3"];
    for fake in spoofed {
        let answer = guess(fake, "9.9.9.9", "wrong").await.unwrap();
        assert_eq!(answer.status().as_u16(), 403);
    }
    let limited = guess("4.4.4.4", "9.9.9.9", "wrong").await.unwrap();
    assert_eq!(limited.status().as_u16(), 429, "guessing is limited");
    assert!(limited.headers().contains_key("retry-after"));
    let right_key = guess("5.5.5.5", "9.9.9.9", API_KEY).await.unwrap();
    assert_eq!(right_key.status().as_u16(), 429, "the quota is spent");
    // Another client behind the same proxy is not affected.
    let other = guess("9.9.9.9", "8.8.8.8", API_KEY).await.unwrap();
    assert_eq!(other.status().as_u16(), 200);

    // WebSocket upgrades share the limiter: 8.8.8.8 has two left, then 429.
    let via_proxy = [("x-forwarded-for", "8.8.8.8")];
    assert_eq!(ws_status(&daemon, "s1", &via_proxy).await, 101);
    assert_eq!(ws_status(&daemon, "s1", &via_proxy).await, 101);
    assert_eq!(ws_status(&daemon, "s1", &via_proxy).await, 429);
}
