//! The HTTP edge: auth, session-name check, body errors, unknown sessions, ping, CORS,
//! rate limit; the daemon keeps serving after each.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_their_documented_answers() {
    let sim = Sim::start().await;
    let dir = TempDir::new("edge");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("MAX_ATTACHMENT_SIZE".into(), "1000".into());
    let daemon = Daemon::start(env);

    // /ping needs no key.
    let (status, body) = daemon.request("GET", "/ping", None, None).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"success": true, "message": "pong"}))
    );

    // Wrong or missing key.
    let forbidden = json!({"success": false, "error": "Invalid API key"});
    for key in [None, Some("wrong")] {
        let (status, body) = daemon
            .request("GET", "/session/getSessions", None, key)
            .await;
        assert_eq!((status, body), (StatusCode::FORBIDDEN, forbidden.clone()));
        let (status, _) = daemon
            .request("GET", "/client/getClassInfo/x", None, key)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    // Bad session names, including path-like ones.
    let unprocessable = json!({"success": false, "error": "Session should be alphanumerical or -"});
    for id in ["ABCD1@", "a.b", "..%2F..%2Fetc", "a%2Fb", "%2E%2E%2Fx"] {
        let (status, body) = daemon.get(&format!("/session/start/{id}")).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNPROCESSABLE_ENTITY, unprocessable.clone()),
            "{id}"
        );
    }
    // (The webhook outbox's SQLite files live there from boot; they are not a session.)
    assert!(
        std::fs::read_dir(&dir.0).unwrap().flatten().all(|e| e
            .file_name()
            .to_string_lossy()
            .starts_with("wa-gateway-outbox.")),
        "nothing was created for bad ids"
    );

    // Unknown sessions.
    let (status, body) = daemon.get("/session/status/ghost").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"success": false, "state": null, "message": "session_not_found"})
        )
    );
    for path in [
        "/session/qr/ghost",
        "/session/qr/ghost/image",
        "/session/getPageScreenshot/ghost",
    ] {
        let (status, body) = daemon.get(path).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::OK,
                json!({"success": false, "message": "session_not_found"})
            ),
            "{path}"
        );
    }
    for path in ["/session/restart/ghost", "/session/terminate/ghost"] {
        let (_, body) = daemon.get(path).await;
        assert_eq!(
            body,
            json!({"success": false, "state": null, "message": "session_not_found"}),
            "{path}"
        );
    }
    let (status, body) = daemon.get("/client/getClassInfo/ghost").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "session_not_found"})
        )
    );
    let (_, body) = daemon.get("/session/stop/ghost").await;
    assert_eq!(body["message"], "Session stopped successfully");
    let (_, body) = daemon.get("/session/terminateAll").await;
    assert_eq!(body["message"], "Flush completed successfully");

    // Malformed JSON and oversized bodies: JSON errors.
    let raw = reqwest::Client::new();
    let response = raw
        .post(daemon.url("/session/requestPairingCode/ghost"))
        .header("x-api-key", API_KEY)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.expect("a JSON error");
    assert_eq!(body["success"], false);
    let big = "x".repeat(1_002_000);
    let response = raw
        .post(daemon.url("/session/requestPairingCode/ghost"))
        .header("x-api-key", API_KEY)
        .header("content-type", "application/json")
        .body(format!("{{\"phoneNumber\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    let body: serde_json::Value = response.json().await.expect("a JSON error");
    assert_eq!(body["success"], false);
    // A missing field names the field (wwebjs-api would crash into a 500).
    let (status, body) = daemon
        .post("/session/requestPairingCode/ghost", json!({}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("phoneNumber"),
        "{body}"
    );

    // Unknown routes: JSON 404.
    let (status, body) = daemon.get("/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["success"], false);

    // Still serving.
    let (status, _) = daemon.request("GET", "/ping", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_base_path_and_cors() {
    let sim = Sim::start().await;
    let dir = TempDir::new("limits");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("RATE_LIMIT_MAX".into(), "3".into());
    env.insert("RATE_LIMIT_WINDOW_MS".into(), "60000".into());
    env.insert("BASE_PATH".into(), "/api/v1/".into());
    env.insert("ALLOWED_ORIGINS".into(), "https://ok.example".into());
    let daemon = Daemon::start(env);

    for _ in 0..3 {
        let (status, _) = daemon.get("/session/getSessions").await;
        assert_eq!(status, StatusCode::OK);
    }
    let response = reqwest::Client::new()
        .get(daemon.url("/session/getSessions"))
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["success"], false);
    // /ping is not limited, and lives under BASE_PATH.
    for _ in 0..5 {
        let (status, _) = daemon.request("GET", "/ping", None, None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let root = daemon.base.replace("/api/v1", "");
    let status = reqwest::get(format!("{root}/ping")).await.unwrap().status();
    assert_eq!(status.as_u16(), 404, "outside BASE_PATH");

    // CORS: listed origin echoed, others not.
    let client = reqwest::Client::new();
    let ok = client
        .get(daemon.url("/ping"))
        .header("origin", "https://ok.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://ok.example"
    );
    let other = client
        .get(daemon.url("/ping"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(!other.headers().contains_key("access-control-allow-origin"));
}
