//! A session's whole life: QR (text, PNG, webhook, WebSocket), scan, ready, SIGTERM with no
//! Chromium left, restore without a QR after a restart, terminate; plus a concurrent double
//! start and recovery of a killed renderer.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::*;

fn decode_qr(png: &[u8]) -> String {
    let image = image::load_from_memory(png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("the QR decodes").1
}

#[tokio::test(flavor = "multi_thread")]
async fn qr_scan_ready_sigterm_restore_terminate() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("lifecycle");
    let env = Daemon::env_for(&sim, Some(&hook), &dir.0);
    let mut daemon = Daemon::start(env.clone());

    let ws = WsClient::connect(&daemon, "alice").await;
    let (status, body) = daemon.get("/session/start/alice").await;
    assert_eq!(
        (status, &body["message"]),
        (
            StatusCode::OK,
            &Value::from("Session initiated successfully")
        )
    );

    // The QR as webhook, WebSocket frame, text and PNG: all the same string.
    let qr_event = hook.wait_event("alice", "qr").await;
    let qr = qr_event["data"]["qr"]
        .as_str()
        .expect("qr string")
        .to_owned();
    assert_eq!(
        qr.split(',').count(),
        5,
        "ref,noiseKey,identityKey,advSecret,platform: {qr}"
    );
    assert_eq!(
        ws.wait_event("qr").await["data"]["qr"],
        qr_event["data"]["qr"]
    );
    let (_, body) = daemon.get("/session/qr/alice").await;
    assert_eq!(body["qr"].as_str(), Some(qr.as_str()));
    let (status, headers, png) = daemon.get_raw("/session/qr/alice/image").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        headers["cache-control"],
        "no-cache, no-store, must-revalidate"
    );
    assert_eq!(decode_qr(&png), qr);
    assert_eq!(
        hook.headers()[0].get("x-api-key").map(String::as_str),
        Some(API_KEY)
    );

    // The phone scans: authenticated, ready, CONNECTED, no more QR.
    sim.scan(&qr, "15550001111", "Alice").await;
    hook.wait_event("alice", "authenticated").await;
    let ready = hook.wait_event("alice", "ready").await;
    assert!(
        ready.get("data").is_none(),
        "ready carries no data: {ready}"
    );
    ws.wait_event("ready").await;
    daemon.wait_connected("alice").await;
    let (_, body) = daemon.get("/session/status/alice").await;
    assert_eq!(
        body,
        serde_json::json!({"success": true, "state": "CONNECTED", "message": "session_connected"})
    );
    let (_, body) = daemon.get("/session/qr/alice").await;
    assert_eq!(body["message"], "qr code not ready or already scanned");
    let (_, body) = daemon.get("/session/getSessions").await;
    assert_eq!(body["result"], serde_json::json!(["alice"]));

    // SIGTERM: the daemon exits cleanly and leaves no Chromium behind.
    assert!(chromium_processes_under(&dir.0) > 0, "a browser ran");
    let exit = daemon.stop();
    assert!(exit.success(), "clean exit: {exit:?}");
    wait_no_chromium(&dir.0).await;

    // Start again: the session comes back by itself, CONNECTED, without a QR.
    let qrs_before = hook.of_type("qr").len();
    // Counted before the start: the restored session's `ready` may arrive before CONNECTED is seen.
    let events_before = hook.bodies().len();
    let daemon = Daemon::start(env);
    daemon.wait_connected("alice").await;
    hook.wait_for("ready after restore", |_| {
        hook.bodies()[events_before..]
            .iter()
            .any(|b| b["dataType"] == "ready")
    })
    .await;
    assert_eq!(hook.of_type("qr").len(), qrs_before, "no QR on restore");

    // Terminate: logged out and the folder is gone.
    let profile = dir.0.join("session-alice");
    assert!(profile.exists());
    let (_, body) = daemon.get("/session/terminate/alice").await;
    assert_eq!(body["message"], "Logged out successfully");
    assert!(!profile.exists(), "terminate removes the session folder");
    wait_no_chromium(&dir.0).await;
    let (_, body) = daemon.get("/session/status/alice").await;
    assert_eq!(body["message"], "session_not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_double_start_makes_one_browser() {
    let sim = Sim::start().await;
    let dir = TempDir::new("double");
    let daemon = Daemon::start(Daemon::env_for(&sim, None, &dir.0));
    let (a, b) = tokio::join!(
        daemon.get("/session/start/twin"),
        daemon.get("/session/start/twin")
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        "{a:?} {b:?}"
    );
    let refused = if a.0 == StatusCode::OK { b.1 } else { a.1 };
    assert_eq!(refused["error"], "Session already exists for: twin");
    // One browser process tree: exactly one main process with this profile as user-data-dir.
    let mains = count_browser_mains(&dir.0.join("session-twin"));
    assert_eq!(mains, 1, "one browser for one session");
    let (_, body) = daemon.get("/session/stop/twin").await;
    assert_eq!(body["message"], "Session stopped successfully");
    wait_no_chromium(&dir.0).await;
}

/// Main browser processes (not zygotes or renderers) using `profile`.
fn count_browser_mains(profile: &std::path::Path) -> usize {
    let needle = format!(
        "--user-data-dir={}",
        profile.canonicalize().unwrap().display()
    );
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .filter(|cmd| cmd.contains(&needle) && !cmd.contains("--type="))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_renderer_is_recovered() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("recover");
    let mut env = Daemon::env_for(&sim, Some(&hook), &dir.0);
    env.insert("RECOVER_SESSIONS".into(), "true".into());
    let daemon = Daemon::start(env);
    daemon
        .linked_session(&sim, "phoenix", "15550002222", "Phoenix")
        .await;
    let readies = hook.of_type("ready").len();

    // Kill the renderer of the WhatsApp page.
    let renderers = renderer_pids(&dir.0.join("session-phoenix"));
    assert!(!renderers.is_empty(), "a renderer runs");
    for pid in renderers {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    // Recovered: a new ready without a QR, CONNECTED again.
    eventually(
        Duration::from_secs(60),
        "ready after recovery",
        async || (hook.of_type("ready").len() > readies).then_some(()),
    )
    .await;
    daemon.wait_connected("phoenix").await;
    let (status, _) = daemon.get("/session/getSessions").await;
    assert_eq!(status, StatusCode::OK);
}

fn renderer_pids(profile: &std::path::Path) -> Vec<u32> {
    chromium_processes(&profile.canonicalize().unwrap())
        .into_iter()
        .filter(|(_, cmd)| cmd.contains("--type=renderer") && !cmd.contains("--extension-process"))
        .map(|(pid, _)| pid)
        .collect()
}
