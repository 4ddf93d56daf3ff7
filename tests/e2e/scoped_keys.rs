//! Scoped API keys: the admin creates, lists and revokes them; each is limited to its sessions
//! and, read-only, to the getters. Checked at the auth layer against all 149 operations.

use std::os::unix::fs::PermissionsExt;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

/// The 149 operations of wwebjs-api, as (method, path template).
fn operations() -> Vec<(&'static str, &'static str)> {
    include_str!("../fixtures/wwebjs-api-operations.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once(' ').unwrap())
        .collect()
}

/// The getters: what a read-only key may call (the rest sends or changes something; the QR
/// links whoever scans it).
fn is_read(method: &str, path: &str) -> bool {
    let name = path.split('/').nth(2).unwrap_or("");
    let session_getter = matches!(name, "status" | "getPageScreenshot");
    let getter = name.starts_with("get")
        || name.starts_with("is")
        || name.starts_with("search")
        || name.starts_with("fetch")
        || name.starts_with("download");
    path.starts_with("/session/") && session_getter
        || !path.starts_with("/session/") && getter && !(method == "GET" && name == "getSessions")
}

async fn call(daemon: &Daemon, method: &str, path: &str, key: &str) -> (StatusCode, Value) {
    daemon
        .request(method, path, Some(json!({})), Some(key))
        .await
}

fn refused_by_scope(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::FORBIDDEN
        && body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("This API key") || e.contains("admin API key"))
}

async fn create(daemon: &Daemon, body: Value) -> (String, String) {
    let (status, answer) = daemon.post("/apiKeys", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let result = &answer["result"];
    (
        result["key"].as_str().unwrap().to_owned(),
        result["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn scoped_keys_are_limited_to_their_sessions_and_access() {
    let sim = Sim::start().await;
    let dir = TempDir::new("scoped-keys");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("ENABLE_LOCAL_CALLBACK_EXAMPLE".into(), "TRUE".into());
    env.insert("RATE_LIMIT_MAX".into(), "100000".into());
    let mut daemon = Daemon::start(env);

    // Only the admin manages keys; bad bodies are named.
    let (status, _) = daemon
        .request(
            "POST",
            "/apiKeys",
            Some(json!({"sessions": ["s1"], "access": "read"})),
            Some("nope"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for bad in [
        json!({"sessions": [], "access": "read"}),
        json!({"sessions": ["s1"], "access": "write"}),
        json!({"sessions": ["a b"], "access": "full"}),
        json!({"access": "full"}),
    ] {
        let (status, body) = daemon.post("/apiKeys", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (read_key, read_id) = create(
        &daemon,
        json!({"sessions": ["s1"], "access": "read", "name": "dashboard"}),
    )
    .await;
    let (full_key, _) = create(&daemon, json!({"sessions": ["s1", "s3"], "access": "full"})).await;
    assert!(read_key.starts_with("wagw_") && read_key != full_key);

    let (status, listed) = daemon.get("/apiKeys").await;
    assert_eq!(status, StatusCode::OK);
    let listed = listed["result"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["name"], "dashboard");
    assert_eq!(listed[0]["access"], "read");
    assert!(
        listed
            .iter()
            .all(|k| k.get("key").is_none() && k.get("sha256").is_none())
    );
    let file = dir.0.join("api-keys.json");
    let stored = std::fs::read_to_string(&file).unwrap();
    assert!(!stored.contains(&read_key[5..]), "only hashes are stored");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Every operation, at the auth layer.
    let mut checked = 0;
    for (method, template) in operations() {
        if template == "/ping" {
            continue; // outside authentication, as in wwebjs-api
        }
        let on = |session: &str| template.replace("{sessionId}", session);
        let per_session = template.contains("{sessionId}");

        // Another session: refused to both keys.
        let (status, body) = call(&daemon, method, &on("s2"), &read_key).await;
        assert!(
            refused_by_scope(status, &body),
            "read key, {method} {template} on s2: {status} {body}"
        );
        let (status, body) = call(&daemon, method, &on("s2"), &full_key).await;
        assert!(
            refused_by_scope(status, &body),
            "full key, {method} {template} on s2: {status} {body}"
        );

        if !per_session {
            // Every session at once (or the local callback): the admin key only.
            let (status, body) = call(&daemon, method, template, &full_key).await;
            assert!(
                refused_by_scope(status, &body),
                "{method} {template}: {status} {body}"
            );
            checked += 1;
            continue;
        }
        let (status, body) = call(&daemon, method, &on("s1"), &read_key).await;
        if is_read(method, template) {
            assert!(
                !refused_by_scope(status, &body),
                "read key may {method} {template}: {body}"
            );
        } else {
            assert!(
                refused_by_scope(status, &body),
                "read key, {method} {template}: {status} {body}"
            );
            assert_eq!(body["error"], "This API key is read-only");
        }
        // The full key passes the auth layer (start and stop of s1 really run).
        let (status, body) = call(&daemon, method, &on("s1"), &full_key).await;
        assert!(
            !refused_by_scope(status, &body),
            "full key may {method} {template}: {body}"
        );
        checked += 1;
    }
    assert_eq!(checked, 148, "every operation but /ping");

    // The admin key still does everything.
    let (status, _) = daemon.get("/session/getSessions").await;
    assert_eq!(status, StatusCode::OK);
    // A scoped key cannot make keys.
    let (status, body) = daemon
        .request("GET", "/apiKeys", None, Some(&full_key))
        .await;
    assert!(refused_by_scope(status, &body), "{body}");

    // The WebSocket: read access to its own session only.
    let ws = |session: &str, key: &str| {
        format!(
            "{}/ws/{session}?apiKey={key}",
            daemon.base.replacen("http://", "ws://", 1)
        )
    };
    assert!(
        tokio_tungstenite::connect_async(ws("s1", &read_key))
            .await
            .is_ok()
    );
    match tokio_tungstenite::connect_async(ws("s2", &read_key)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403)
        }
        other => panic!("s2 must be refused: {:?}", other.map(|_| ())),
    }

    // Revoked keys stop working; the others survive a restart.
    let (status, _) = daemon
        .request(
            "DELETE",
            &format!("/apiKeys/{read_id}"),
            None,
            Some(API_KEY),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = daemon
        .request(
            "DELETE",
            &format!("/apiKeys/{read_id}"),
            None,
            Some(API_KEY),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("API key not found"))
    );
    let (status, body) = call(&daemon, "GET", "/session/status/s1", &read_key).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("Invalid API key"))
    );

    daemon.stop();
    let daemon = daemon.start_again();
    let (status, body) = call(&daemon, "GET", "/session/status/s3", &full_key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = call(&daemon, "GET", "/session/status/s1", &read_key).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn scoped_keys_need_an_admin_key() {
    let sim = Sim::start().await;
    let dir = TempDir::new("scoped-no-admin");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.remove("API_KEY");
    let daemon = Daemon::start(env);
    let (status, body) = daemon
        .post("/apiKeys", json!({"sessions": ["s1"], "access": "read"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}
