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

fn browser_mains(dir: &Path, id: &str) -> usize {
    let flag = format!(
        "--user-data-dir={}",
        dir.join(format!("session-{id}")).display()
    );
    pids_mentioning(&flag, |cmd| !cmd.contains("--type=")).len()
}

/// Chromium processes on that session's profile (main, zygote, renderers).
fn on_profile(dir: &Path, id: &str) -> usize {
    chromium_processes(&dir.join(format!("session-{id}"))).len()
}

#[tokio::test(flavor = "multi_thread")]
async fn max_sessions_and_failed_starts_leave_nothing() {
    let sim = Sim::start().await;
    let dir = TempDir::new("limits");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("MAX_SESSIONS".into(), "1".into());
    let daemon = Daemon::start(env);

    let (status, _) = daemon.get("/session/start/m1").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = daemon.get("/session/start/m2").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["error"], "Session limit reached (MAX_SESSIONS=1)");
    assert!(
        !dir.0.join("session-m2").exists(),
        "a refused start creates no folder"
    );
    assert_eq!(
        on_profile(&dir.0, "m2"),
        0,
        "a refused start launches nothing"
    );
    let (_, body) = daemon.get("/session/getSessions").await;
    assert_eq!(body["result"], serde_json::json!(["m1"]));
    // The place frees up with a stop.
    daemon.get("/session/stop/m1").await;
    let (status, _) = daemon.get("/session/start/m2").await;
    assert_eq!(status, StatusCode::OK);
    daemon.get("/session/stop/m2").await;
    wait_no_chromium(&dir.0).await;
    drop(daemon);

    // WhatsApp Web unreachable: the start fails, and leaves no folder and no process.
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("WHATSAPP_WEB_URL".into(), "http://127.0.0.1:9/".into());
    // The folders m1 and m2 of the first part stay on disk: restoring them at boot would race
    // with the starts below (and fail the same way), so this daemon restores nothing.
    env.insert("AUTO_START_SESSIONS".into(), "false".into());
    let daemon = Daemon::start(env);
    let (status, body) = daemon.get("/session/start/nowhere").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["success"], false);
    assert!(
        body["error"].as_str().unwrap().contains("127.0.0.1:9"),
        "the error says where: {body}"
    );
    assert!(!dir.0.join("session-nowhere").exists(), "no folder left");
    assert_eq!(on_profile(&dir.0, "nowhere"), 0, "no process left");
    let (_, body) = daemon.get("/session/getSessions").await;
    assert_eq!(body["result"], serde_json::json!([]));
    // A failed start of a folder that held a login keeps the folder.
    std::fs::create_dir_all(dir.0.join("session-m1")).unwrap();
    let (status, _) = daemon.get("/session/start/m1").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        dir.0.join("session-m1").exists(),
        "an existing folder is kept"
    );
    wait_no_chromium(&dir.0).await;
}

/// A small deterministic generator, so a failing run can be replayed from its seed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn interleaved_lifecycle_requests_end_in_the_last_asked_state() {
    let sim = Sim::start().await;
    let dir = TempDir::new("chaos");
    let daemon = std::sync::Arc::new(Daemon::start(Daemon::env_for(&sim, None, &dir.0)));
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("chaos seed {seed}");
    let mut rng = Lcg(seed);
    let ids = ["c1", "c2", "c3"];
    let ops = ["start", "stop", "restart", "terminate"];
    let impatient = reqwest::Client::new();

    let mut requests = Vec::new();
    for _ in 0..18 {
        let id = ids[rng.next(3) as usize];
        let op = ops[rng.next(4) as usize];
        let hang_up_after = (rng.next(3) == 0).then(|| Duration::from_millis(50 + rng.next(400)));
        let url = daemon.url(&format!("/session/{op}/{id}"));
        let client = impatient.clone();
        requests.push(tokio::spawn(async move {
            let mut request = client.get(url).header("x-api-key", API_KEY);
            if let Some(after) = hang_up_after {
                // The client goes away mid-request: axum drops the handler future.
                request = request.timeout(after);
            }
            let _ = request.send().await;
        }));
        tokio::time::sleep(Duration::from_millis(rng.next(250))).await;
    }
    // The last word per id, well after the others arrived.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let last: Vec<(&str, &str)> = ids
        .iter()
        .map(|id| (*id, ["start", "stop", "terminate"][rng.next(3) as usize]))
        .collect();
    eprintln!("last requests: {last:?}");
    let finals = last.iter().map(|(id, op)| {
        let daemon = daemon.clone();
        async move { daemon.get(&format!("/session/{op}/{id}")).await }
    });
    let answers = futures::future::join_all(finals).await;
    for handle in requests {
        handle.await.unwrap();
    }

    let (_, sessions) = daemon.get("/session/getSessions").await;
    let listed: Vec<String> = serde_json::from_value(sessions["result"].clone()).unwrap();
    for ((id, op), (status, body)) in last.iter().zip(&answers) {
        let folder = dir.0.join(format!("session-{id}"));
        match *op {
            "start" => {
                // Started now, or by an earlier request: running either way.
                let already = format!("Session already exists for: {id}");
                assert!(
                    *status == StatusCode::OK
                        || (*status == StatusCode::UNPROCESSABLE_ENTITY
                            && body["error"] == already),
                    "{id} start: {status} {body}"
                );
                assert!(listed.contains(&id.to_string()), "{id} runs: {listed:?}");
                assert_eq!(browser_mains(&dir.0, id), 1, "{id}: exactly one browser");
            }
            "stop" => {
                assert!(
                    !listed.contains(&id.to_string()),
                    "{id} stopped: {listed:?}"
                );
                eventually(
                    Duration::from_secs(15),
                    "no browser of a stopped id",
                    async || (on_profile(&dir.0, id) == 0).then_some(()),
                )
                .await;
            }
            _ => {
                assert!(
                    !listed.contains(&id.to_string()),
                    "{id} terminated: {listed:?}"
                );
                assert!(!folder.exists(), "{id}: terminate removed the folder");
                eventually(
                    Duration::from_secs(15),
                    "no browser of a terminated id",
                    async || (on_profile(&dir.0, id) == 0).then_some(()),
                )
                .await;
            }
        }
    }
    // No id is stuck: each can be started and stopped again right away.
    for id in ids {
        daemon.get(&format!("/session/stop/{id}")).await;
        let (status, body) = daemon.get(&format!("/session/start/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{id} starts again: {body}");
        assert_eq!(browser_mains(&dir.0, id), 1);
        daemon.get(&format!("/session/stop/{id}")).await;
    }
    wait_no_chromium(&dir.0).await;
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill").args([sig, &pid.to_string()]).status();
}

/// Renderers of the session's pages (not extensions or utility processes).
fn renderers(dir: &Path, id: &str) -> Vec<u32> {
    chromium_processes(Path::new(&profile_of(dir, id)))
        .into_iter()
        .filter(|(_, cmd)| cmd.contains("--type=renderer") && !cmd.contains("--extension-process"))
        .map(|(pid, _)| pid)
        .collect()
}

/// Waits for a webhook of `data_type` arriving after the first `after` bodies.
async fn wait_event_after(
    hook: &WebhookReceiver,
    after: usize,
    session: &str,
    data_type: &str,
) -> serde_json::Value {
    hook.wait_for(&format!("{data_type} of {session}"), |_| {
        hook.bodies()[after..]
            .iter()
            .any(|b| b["dataType"] == data_type && b["sessionId"] == session)
    })
    .await;
    hook.bodies()[after..]
        .iter()
        .find(|b| b["dataType"] == data_type && b["sessionId"] == session)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn watchdog_recovers_hung_and_killed_browsers_and_metrics_tell() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("watchdog");
    let mut env = Daemon::env_for(&sim, Some(&hook), &dir.0);
    env.insert("RECOVER_SESSIONS".into(), "true".into());
    env.insert("WATCHDOG_INTERVAL_MS".into(), "1000".into());
    // Generous: a loaded CI box must not read as a hung page before the SIGSTOP.
    env.insert("WATCHDOG_TIMEOUT_MS".into(), "5000".into());
    let daemon = Daemon::start(env);
    daemon
        .linked_session(&sim, "dog", "15550004001", "Dog")
        .await;
    wait_login_on_disk(&dir.0, "dog").await;

    // A hung renderer (SIGSTOP): no crash event, no CDP error; only the heartbeat sees it.
    let before = hook.bodies().len();
    let stopped = renderers(&dir.0, "dog");
    assert!(!stopped.is_empty(), "a renderer runs");
    for &pid in &stopped {
        signal(pid, "-STOP");
    }
    // /session/status answers from the state the page pushed only while the page is heard
    // from: a hung page stops reading as CONNECTED once a watchdog interval passes in silence.
    eventually(WAIT, "status to stop saying CONNECTED", async || {
        let (_, body) = daemon.get("/session/status/dog").await;
        (body["success"] == false).then_some(())
    })
    .await;
    let lost = wait_event_after(&hook, before, "dog", "disconnected").await;
    assert_eq!(lost["data"]["reason"], "PAGE_UNRESPONSIVE", "{lost}");
    wait_event_after(&hook, before, "dog", "ready").await;
    daemon.wait_connected("dog").await;
    for &pid in &stopped {
        signal(pid, "-CONT"); // in case one survived (it should not have)
    }
    assert!(
        hook.bodies()[before..]
            .iter()
            .all(|b| b["dataType"] != "qr"),
        "recovered without a QR"
    );

    // The browser process itself is killed: the CDP connection drops, the session is relaunched.
    let before = hook.bodies().len();
    let flag = format!("--user-data-dir={}", profile_of(&dir.0, "dog"));
    let mains = pids_mentioning(&flag, |cmd| !cmd.contains("--type="));
    assert_eq!(mains.len(), 1, "one browser");
    signal(mains[0], "-KILL");
    let lost = wait_event_after(&hook, before, "dog", "disconnected").await;
    assert_eq!(lost["data"]["reason"], "BROWSER_EXITED", "{lost}");
    wait_event_after(&hook, before, "dog", "ready").await;
    daemon.wait_connected("dog").await;
    assert_eq!(
        browser_mains(&dir.0, "dog"),
        1,
        "exactly one browser after recovery"
    );

    // /metrics, read by a Prometheus text-format parser, agrees with /session/getSessions.
    let (status, _) = daemon
        .request("GET", "/metrics", None, Some("wrong-key"))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "/metrics is under the API key"
    );
    let (status, headers, body) = daemon.get_raw("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = String::from_utf8(body).unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    let value = |s: &prometheus_parse::Sample| match s.value {
        prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Untyped(v) => v,
        _ => f64::NAN,
    };
    let samples = |name: &str| -> Vec<&prometheus_parse::Sample> {
        scrape.samples.iter().filter(|s| s.metric == name).collect()
    };
    let (_, listed) = daemon.get("/session/getSessions").await;
    let listed: Vec<String> = serde_json::from_value(listed["result"].clone()).unwrap();
    let total: f64 = samples("wagw_sessions").iter().map(|s| value(s)).sum();
    assert_eq!(
        total as usize,
        listed.len(),
        "sessions gauge = getSessions:\n{text}"
    );
    let mut info: Vec<String> = samples("wagw_session_info")
        .iter()
        .map(|s| s.labels.get("session").unwrap().to_owned())
        .collect();
    info.sort();
    assert_eq!(info, listed);
    let connected = samples("wagw_sessions")
        .into_iter()
        .find(|s| s.labels.get("state") == Some("CONNECTED"))
        .map(value);
    assert_eq!(connected, Some(1.0));
    let recoveries = |action: &str| {
        samples("wagw_watchdog_recoveries_total")
            .into_iter()
            .filter(|s| {
                s.labels.get("session") == Some("dog") && s.labels.get("action") == Some(action)
            })
            .map(value)
            .sum::<f64>()
    };
    assert!(
        recoveries("relaunch") >= 2.0,
        "two relaunches counted:\n{text}"
    );
    let memory = samples("wagw_chromium_memory_bytes")
        .into_iter()
        .find(|s| s.labels.get("session") == Some("dog"))
        .map(value)
        .unwrap();
    assert!(memory > 10e6, "Chromium uses some memory: {memory}");
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "wagw_http_requests_total"
                && s.labels.get("route") == Some("/session/status/:sessionId")
                && s.labels.get("status") == Some("200")),
        "requests by route template:\n{text}"
    );
    assert!(
        !text.contains("route=\"/session/status/dog\""),
        "raw paths stay out of labels"
    );
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "wagw_bridge_call_duration_seconds"
                && s.labels.get("operation") == Some("session.getState")),
        "bridge latency per operation:\n{text}"
    );
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "wagw_webhook_deliveries_total"
                && s.labels.get("session") == Some("dog")
                && value(s) > 0.0),
        "webhook deliveries per session:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watchdog_reloads_a_page_stuck_out_of_connected() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("stuck");
    let mut env = Daemon::env_for(&sim, Some(&hook), &dir.0);
    env.insert("WATCHDOG_INTERVAL_MS".into(), "500".into());
    env.insert("WATCHDOG_STUCK_MS".into(), "3000".into());
    let daemon = Daemon::start(env);
    daemon
        .linked_session(&sim, "stuck", "15550005001", "Stuck")
        .await;
    wait_login_on_disk(&dir.0, "stuck").await;
    let reloads = async || {
        let (_, _, body) = daemon.get_raw("/metrics").await;
        let text = String::from_utf8(body).unwrap();
        text.lines()
            .find(|l| {
                l.starts_with("wagw_watchdog_recoveries_total")
                    && l.contains("session=\"stuck\"")
                    && l.contains("action=\"reload\"")
            })
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    assert_eq!(reloads().await, 0.0);

    // The phone's connection drops: the page leaves CONNECTED and stays out.
    let before = hook.bodies().len();
    let (status, _) = sim
        .control(
            "POST",
            "accounts/15550005001/connection",
            Some(serde_json::json!({"online": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let change = wait_event_after(&hook, before, "stuck", "change_state").await;
    assert_ne!(change["data"]["state"], "CONNECTED");
    eventually(Duration::from_secs(30), "a watchdog reload", async || {
        (reloads().await >= 1.0).then_some(())
    })
    .await;
    // Back online: the reloaded page connects again, without a QR.
    sim.control(
        "POST",
        "accounts/15550005001/connection",
        Some(serde_json::json!({"online": true})),
    )
    .await;
    daemon.wait_connected("stuck").await;
    assert!(
        hook.bodies()[before..]
            .iter()
            .all(|b| b["dataType"] != "qr"),
        "no QR after the reload"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_cancels_a_start_in_progress() {
    // WhatsApp Web "loads" forever: the server accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let asked_for_page = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = asked_for_page.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            held.push(socket);
        }
    });
    let sim = Sim::start().await;
    let dir = TempDir::new("cancel");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("WHATSAPP_WEB_URL".into(), url);
    let daemon = std::sync::Arc::new(Daemon::start(env));

    let starting = {
        let daemon = daemon.clone();
        tokio::spawn(async move { daemon.get("/session/start/slow").await })
    };
    // Cancelled mid-navigation, with the browser and its page up.
    eventually(
        Duration::from_secs(30),
        "the browser to ask for the page",
        async || {
            asked_for_page
                .load(std::sync::atomic::Ordering::SeqCst)
                .then_some(())
        },
    )
    .await;
    assert!(on_profile(&dir.0, "slow") > 0, "a browser runs");
    let asked = Instant::now();
    let (status, body) = daemon.get("/session/stop/slow").await;
    eprintln!("stop answered after {:?}", asked.elapsed());
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "the stop did not wait for the navigation timeout: {:?}",
        asked.elapsed()
    );
    let (status, body) = starting.await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "session was stopped while starting");
    assert_eq!(on_profile(&dir.0, "slow"), 0, "no browser left");
    assert!(
        !dir.0.join("session-slow").exists(),
        "the folder it created is gone"
    );
    let (_, body) = daemon.get("/session/getSessions").await;
    assert_eq!(body["result"], serde_json::json!([]));
}
