//! A first run without any .env: the embedded defaults give a working gateway whose events go
//! to the local callback example, with the dashboard and the API docs, and what it writes under
//! SESSIONS_PATH is private.

use std::os::unix::fs::PermissionsExt;

use axum::http::StatusCode;

use crate::support::*;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn no_env_file_starts_a_working_gateway() {
    let sim = Sim::start().await;
    let dir = TempDir::new("first-run");
    // The callback URL of the defaults names the port, so it cannot be 0 here.
    let port = std::net::TcpListener::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sessions = dir.0.join("sessions");
    let env = [
        ("PORT", port.to_string()),
        ("SESSIONS_PATH", sessions.display().to_string()),
        ("ENV_PATH", dir.0.join(".env").display().to_string()),
        ("WHATSAPP_WEB_URL", sim.url()),
        ("LOG_LEVEL", "info".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let daemon = Daemon::start(env);

    let printed = eventually(WAIT, "the next steps", async || {
        let lines = daemon.stdout();
        lines
            .iter()
            .any(|l| l.contains("webhooks:"))
            .then_some(lines)
    })
    .await
    .join("\n");
    assert!(printed.contains("first run"), "{printed}");
    assert!(
        printed.contains(&format!("http://localhost:{port}/dashboard/")),
        "{printed}"
    );
    assert!(printed.contains(&format!("http://localhost:{port}/api-docs/")));
    assert!(printed.contains("API key:   NOT SET"), "{printed}");
    assert!(printed.contains(&format!("http://localhost:{port}/localCallbackExample")));

    let (status, body) = daemon.request("GET", "/ping", None, None).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (StatusCode::OK, Some("pong"))
    );
    for page in ["/dashboard/", "/api-docs/"] {
        let response = reqwest::get(daemon.url(page)).await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{page}");
        assert!(
            response.text().await.unwrap().contains("<html"),
            "{page} is a page"
        );
    }

    // Events reach the local callback example, which logs them.
    let (status, body) = daemon
        .request("GET", "/session/start/first", None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let log = sessions.join("message_log.txt");
    eventually(WAIT, "the qr event in message_log.txt", async || {
        let text = std::fs::read_to_string(&log).ok()?;
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| {
                v["dataType"] == "qr" && v["sessionId"] == "first" && v["data"]["qr"].is_string()
            })
    })
    .await;
    assert_eq!(mode(&log), 0o600, "message_log.txt is private");
    assert_eq!(mode(&sessions), 0o700);
    assert_eq!(mode(&sessions.join("session-first")), 0o700);
    for outbox in ["wa-gateway-outbox.sqlite3", "wa-gateway-outbox.sqlite3-wal"] {
        assert_eq!(mode(&sessions.join(outbox)), 0o600, "{outbox} is private");
    }

    let (status, _) = daemon
        .request("GET", "/session/terminate/first", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn webhooks_switched_on_without_a_url_still_stop_the_daemon() {
    let dir = TempDir::new("first-run-explicit");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wa-gateway"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", "0")
        .env("SESSIONS_PATH", dir.0.join("sessions"))
        .env("ENV_PATH", dir.0.join(".env"))
        .env("ENABLE_WEBHOOK", "TRUE")
        .output()
        .expect("the daemon runs");
    assert!(!output.status.success(), "as wwebjs-api, it exits");
    let printed = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(printed.contains("BASE_WEBHOOK_URL"), "{printed}");
    assert!(!printed.contains("listening on"), "{printed}");
}
