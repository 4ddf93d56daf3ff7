//! Supervision: Chromium never outlives the daemon, orphans of an earlier run are ended at boot,
//! the watchdog brings hung or killed browsers back, the per-id state machine survives any
//! interleaving of requests, limits hold, and /metrics tells the truth.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::support::*;

/// Pids of processes whose command line names `needle`.
fn pids_mentioning(needle: &str, filter: impl Fn(&str) -> bool) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let cmd = String::from_utf8_lossy(&std::fs::read(e.path().join("cmdline")).ok()?)
                .replace('\0', " ");
            (cmd.contains(needle) && filter(&cmd)).then_some(pid)
        })
        .collect()
}

fn profile_of(dir: &Path, id: &str) -> String {
    dir.join(format!("session-{id}"))
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_leaves_no_chromium_and_orphans_are_ended_at_boot() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("sigkill");
    let mut daemon = Daemon::start(Daemon::env_for(&sim, Some(&hook), &dir.0));
    daemon.linked_session(&sim, "ka", "15550003001", "Ka").await;
    daemon.linked_session(&sim, "kb", "15550003002", "Kb").await;
    assert!(chromium_processes_under(&dir.0) > 0, "browsers run");
    // Chromium writes localStorage to disk a few seconds after the page sets it; a login that
    // old is what a crash finds on a real deployment.
    for id in ["ka", "kb"] {
        wait_login_on_disk(&dir.0, id).await;
    }

    // SIGKILL: no shutdown code runs, yet within 5 s nothing uses SESSIONS_PATH.
    daemon.kill();
    let killed_at = Instant::now();
    eventually(
        Duration::from_secs(5),
        "no process on SESSIONS_PATH within 5 s of SIGKILL",
        async || (chromium_processes_under(&dir.0) == 0).then_some(()),
    )
    .await;
    eprintln!("Chromium gone {:?} after SIGKILL", killed_at.elapsed());

    // A Chromium of an earlier run (not ours) still holds profile "ka": boot must end it.
    let profile = profile_of(&dir.0, "ka");
    let mut stray = Command::new("/usr/bin/chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            &format!("--user-data-dir={profile}"),
            "about:blank",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("a stray Chromium starts");
    eventually(
        Duration::from_secs(20),
        "the stray to take the lock",
        async || {
            std::fs::read_link(Path::new(&profile).join("SingletonLock"))
                .ok()
                .map(|_| ())
        },
    )
    .await;

    let qrs_before = hook.of_type("qr").len();
    let daemon = daemon.start_again();
    daemon.wait_connected("ka").await;
    daemon.wait_connected("kb").await;
    assert_eq!(
        hook.of_type("qr").len(),
        qrs_before,
        "restored without a QR"
    );
    let status = eventually(
        Duration::from_secs(10),
        "the stray to be ended",
        async || stray.try_wait().unwrap(),
    )
    .await;
    assert!(!status.success(), "the stray was killed: {status:?}");
    drop(daemon);
    wait_no_chromium(&dir.0).await;
}

/// Waits until the simulator's device login of session `id` is in its profile on disk.
async fn wait_login_on_disk(dir: &Path, id: &str) {
    let leveldb = dir.join(format!("session-{id}/Default/Local Storage/leveldb"));
    eventually(Duration::from_secs(30), "the login on disk", async || {
        let files = std::fs::read_dir(&leveldb).ok()?;
        files
            .flatten()
            .filter_map(|f| std::fs::read(f.path()).ok())
            .any(|bytes| bytes.windows(17).any(|w| w == b"WASim.deviceLogin"))
            .then_some(())
    })
    .await;
}
