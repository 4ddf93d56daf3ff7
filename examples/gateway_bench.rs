//! The gateway's benchmark (not a test; speed is never pass/fail): the simulator, the real daemon
//! and a webhook receiver on loopback, then one line per figure:
//!
//! - /ping and /session/status (a CONNECTED session): req/s, p50 and p99 (wrk when installed,
//!   else a built-in closed-loop client);
//! - the daemon's RSS idle and after the load;
//! - Chromium per session: processes and PSS (from /proc, every process on the profiles);
//! - message -> webhook latency p50/p99 and how many were lost;
//! - restore of every session to CONNECTED after a restart of the daemon;
//! - with `--capacity N`: sessions this machine holds with message -> webhook p99 under 100 ms,
//!   adding sessions until N or until p99 crosses it.
//!
//! `bench/run.sh [--sessions 3] [--messages 200] [--rate 20] [--seconds 10] [--connections 32] [--capacity 0]`
//! builds the release binaries and runs this. `--daemon PATH` picks the daemon binary (default:
//! `wa-gateway` beside this example's directory).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde_json::{Value, json};

const API_KEY: &str = "bench-key";

struct Args {
    sessions: usize,
    messages: usize,
    seconds: u64,
    connections: usize,
    capacity: usize,
    /// Messages per second the contact sends (latency is measured at this pace, not in a burst).
    rate: usize,
    daemon: PathBuf,
}

impl Args {
    fn parse() -> Args {
        let mut args = Args {
            sessions: 3,
            messages: 200,
            seconds: 10,
            connections: 32,
            capacity: 0,
            rate: 20,
            daemon: default_daemon(),
        };
        let raw: Vec<String> = std::env::args().skip(1).collect();
        let mut i = 0;
        while i < raw.len() {
            let value = raw.get(i + 1).cloned().unwrap_or_default();
            let number = || value.parse::<usize>().unwrap_or_else(|_| usage(&raw[i]));
            match raw[i].as_str() {
                "--sessions" => args.sessions = number().max(1),
                "--messages" => args.messages = number(),
                "--seconds" => args.seconds = number().max(1) as u64,
                "--connections" => args.connections = number().max(1),
                "--capacity" => args.capacity = number(),
                "--rate" => args.rate = number().max(1),
                "--daemon" => args.daemon = PathBuf::from(&value),
                other => usage(other),
            }
            i += 2;
        }
        args
    }
}

fn usage(flag: &str) -> ! {
    eprintln!(
        "gateway_bench: bad argument {flag}; flags: --sessions N --messages N --seconds N --connections N --capacity N --rate N --daemon PATH"
    );
    std::process::exit(2)
}

/// target/<profile>/examples/gateway_bench -> target/<profile>/wa-gateway
fn default_daemon() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("wa-gateway"))
        .expect("the example lives in target/<profile>/examples")
}

// ---- the webhook receiver -------------------------------------------------------------------

/// Arrival times of `message` webhooks by their body.
#[derive(Clone, Default)]
struct Receiver {
    arrivals: Arc<Mutex<HashMap<String, Instant>>>,
}

async fn hook(State(receiver): State<Receiver>, body: axum::body::Bytes) -> &'static str {
    let now = Instant::now();
    if let Ok(event) = serde_json::from_slice::<Value>(&body)
        && event["dataType"] == "message"
        && let Some(text) = event["data"]["message"]["body"].as_str()
    {
        receiver
            .arrivals
            .lock()
            .unwrap()
            .insert(text.to_owned(), now);
    }
    "{\"success\":true}"
}

async fn start_receiver() -> (Receiver, String) {
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, url)
}

// ---- the daemon -----------------------------------------------------------------------------

struct Daemon {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Daemon {
    fn start(binary: &Path, env: &HashMap<&str, String>) -> Daemon {
        let mut child = Command::new(binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "HOME",
                std::env::var("HOME").unwrap_or_else(|_| "/root".into()),
            )
            .envs(env)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the daemon prints its address");
        let port = addr.rsplit(':').next().unwrap().to_owned();
        Daemon {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(90))
                .build()
                .unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("x-api-key", API_KEY)
            .send()
            .await
            .expect("the daemon answers");
        response.json().await.unwrap_or(Value::Null)
    }

    async fn connected(&self, id: &str) -> bool {
        self.get(&format!("/session/status/{id}")).await["state"] == "CONNECTED"
    }

    /// SIGTERM and wait: the daemon closes its browsers first.
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

// ---- /proc readings -------------------------------------------------------------------------

fn proc_field_kib(path: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_mib(pid: u32) -> f64 {
    proc_field_kib(&format!("/proc/{pid}/status"), "VmRSS:").unwrap_or(0) as f64 / 1024.0
}

/// (processes, total PSS in MiB) of the processes whose command line names `dir` (the browsers
/// on those profiles) and all their descendants (zygotes and renderers need not name it).
fn chromium_under(dir: &Path) -> (usize, f64) {
    let needle = dir.display().to_string();
    let mut parent_of = HashMap::new();
    let mut roots = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so cut at ')'.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
            .unwrap_or(0);
        parent_of.insert(pid, ppid);
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(&needle) {
            roots.push(pid);
        }
    }
    let in_tree = |mut pid: u32| {
        while pid > 1 {
            if roots.contains(&pid) {
                return true;
            }
            pid = parent_of.get(&pid).copied().unwrap_or(0);
        }
        false
    };
    let members: Vec<u32> = parent_of
        .keys()
        .copied()
        .filter(|&pid| in_tree(pid))
        .collect();
    let pss_kib: u64 = members
        .iter()
        .map(|pid| proc_field_kib(&format!("/proc/{pid}/smaps_rollup"), "Pss:").unwrap_or(0))
        .sum();
    (members.len(), pss_kib as f64 / 1024.0)
}

// ---- load -----------------------------------------------------------------------------------

struct Load {
    requests_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    tool: &'static str,
}

/// wrk's figures when it is installed, else a closed-loop client of our own.
async fn load(url: &str, seconds: u64, connections: usize) -> Load {
    if let Some(load) = wrk(url, seconds, connections) {
        return load;
    }
    builtin_load(url, seconds, connections).await
}

fn wrk(url: &str, seconds: u64, connections: usize) -> Option<Load> {
    let output = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-H",
            &format!("x-api-key: {API_KEY}"),
            url,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let figure = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
    };
    Some(Load {
        requests_per_s: figure("Requests/sec:")?.parse().ok()?,
        p50_ms: wrk_ms(&figure("50%")?)?,
        p99_ms: wrk_ms(&figure("99%")?)?,
        tool: "wrk",
    })
}

/// wrk writes latencies as 812.00us, 1.23ms or 2.01s.
fn wrk_ms(value: &str) -> Option<f64> {
    let (number, factor) = if let Some(v) = value.strip_suffix("us") {
        (v, 0.001)
    } else if let Some(v) = value.strip_suffix("ms") {
        (v, 1.0)
    } else if let Some(v) = value.strip_suffix('s') {
        (v, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

async fn builtin_load(url: &str, seconds: u64, connections: usize) -> Load {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let client = client.clone();
            let url = url.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let ok = client
                        .get(&url)
                        .header("x-api-key", API_KEY)
                        .send()
                        .await
                        .is_ok();
                    if ok {
                        latencies.push(started.elapsed());
                    }
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap_or_default());
    }
    let (p50, p99) = percentiles(&mut all);
    Load {
        requests_per_s: all.len() as f64 / seconds as f64,
        p50_ms: p50,
        p99_ms: p99,
        tool: "built-in client",
    }
}

/// p50 and p99 in ms (0 when empty).
fn percentiles(latencies: &mut [Duration]) -> (f64, f64) {
    if latencies.is_empty() {
        return (0.0, 0.0);
    }
    latencies.sort();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99))
}

// ---- sessions and messages ------------------------------------------------------------------

fn phone(i: usize) -> String {
    format!("1555{:07}", 3_000_000 + i)
}

const CONTACT: &str = "15559990001";

async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts session `s<i>`, scans its QR with phone(i), waits until CONNECTED.
async fn link(daemon: &Daemon, sim: &wa_sim::SimHandle, http: &reqwest::Client, i: usize) {
    let id = format!("s{i}");
    daemon.get(&format!("/session/start/{id}")).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let qr = loop {
        if let Some(qr) = daemon.get(&format!("/session/qr/{id}")).await["qr"].as_str() {
            break qr.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for the QR of {id}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    http.post(format!("{}_sim/scan", sim.url()))
        .json(&json!({"qr": qr, "phone": phone(i), "pushname": format!("Bench {i}")}))
        .send()
        .await
        .expect("the simulator answers");
    wait_until("CONNECTED", Duration::from_secs(60), || {
        daemon.connected(&id)
    })
    .await;
}

/// Sends `count` messages from the contact to sessions 0..sessions in turn, `rate` a second;
/// returns (p50 ms, p99 ms, lost).
async fn message_latency(
    sim: &wa_sim::SimHandle,
    http: &reqwest::Client,
    receiver: &Receiver,
    sessions: usize,
    (count, rate): (usize, usize),
    tag: &str,
) -> (f64, f64, usize) {
    let mut sent = Vec::with_capacity(count);
    let mut pace = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    for n in 0..count {
        pace.tick().await;
        let body = format!("bench-{tag}-{n}");
        let started = Instant::now();
        http.post(format!("{}_sim/messages", sim.url()))
            .json(&json!({"from": CONTACT, "to": phone(n % sessions), "body": body}))
            .send()
            .await
            .expect("the simulator answers");
        sent.push((body, started));
    }
    let all_in = || async {
        let arrivals = receiver.arrivals.lock().unwrap();
        sent.iter().all(|(body, _)| arrivals.contains_key(body))
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !all_in().await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let arrivals = receiver.arrivals.lock().unwrap();
    let mut latencies: Vec<Duration> = sent
        .iter()
        .filter_map(|(body, started)| arrivals.get(body).map(|at| at.duration_since(*started)))
        .collect();
    let lost = count - latencies.len();
    let (p50, p99) = percentiles(&mut latencies);
    (p50, p99, lost)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let sim = wa_sim::start().await;
    let (receiver, hook_url) = start_receiver().await;
    let http = reqwest::Client::new();
    let scratch = std::env::temp_dir().join(format!("wagw-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let sessions_path = scratch.canonicalize().unwrap();
    let mut env: HashMap<&str, String> = HashMap::from([
        ("PORT", "0".to_owned()),
        ("API_KEY", API_KEY.to_owned()),
        ("SESSIONS_PATH", sessions_path.display().to_string()),
        ("WHATSAPP_WEB_URL", sim.url()),
        ("BASE_WEBHOOK_URL", hook_url),
        ("LOG_LEVEL", "warn".to_owned()),
        ("ENV_PATH", "/nonexistent/.env".to_owned()),
        // The load runs from one address: it must measure the daemon, not the rate limit.
        ("RATE_LIMIT_MAX", "100000000".to_owned()),
    ]);
    // The browser under test can be chosen as for the daemon.
    for name in ["CHROME_BIN", "HEADLESS", "SESSION_START_CONCURRENCY"] {
        if let Ok(value) = std::env::var(name) {
            env.insert(name, value);
        }
    }
    println!(
        "setup: {} sessions, {} messages, {} s per load with {} connections, daemon {}",
        args.sessions,
        args.messages,
        args.seconds,
        args.connections,
        args.daemon.display()
    );

    let mut daemon = Daemon::start(&args.daemon, &env);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = rss_mib(daemon.child.id());
    for i in 0..args.sessions {
        link(&daemon, &sim, &http, i).await;
    }

    let ping = load(
        &format!("{}/ping", daemon.base),
        args.seconds,
        args.connections,
    )
    .await;
    println!("ping req/s: {:.0} ({})", ping.requests_per_s, ping.tool);
    println!("ping p50/p99 ms: {:.2} / {:.2}", ping.p50_ms, ping.p99_ms);
    let status_url = format!("{}/session/status/s0", daemon.base);
    let status = load(&status_url, args.seconds, args.connections).await;
    println!(
        "status req/s: {:.0} ({})",
        status.requests_per_s, status.tool
    );
    println!(
        "status p50/p99 ms: {:.2} / {:.2}",
        status.p50_ms, status.p99_ms
    );
    println!(
        "status/ping throughput: {:.0} %",
        100.0 * status.requests_per_s / ping.requests_per_s.max(1.0)
    );

    let (p50, p99, lost) = message_latency(
        &sim,
        &http,
        &receiver,
        args.sessions,
        (args.messages, args.rate),
        "a",
    )
    .await;
    println!(
        "message -> webhook p50/p99 ms: {p50:.1} / {p99:.1} (at {} messages/s)",
        args.rate
    );
    println!("message -> webhook lost: {lost} of {}", args.messages);

    println!(
        "daemon RSS idle / loaded MiB: {idle_rss:.1} / {:.1}",
        rss_mib(daemon.child.id())
    );
    let (processes, pss) = chromium_under(&sessions_path);
    println!(
        "Chromium per session: {:.1} processes, {:.0} MiB PSS",
        processes as f64 / args.sessions as f64,
        pss / args.sessions as f64
    );

    daemon.stop();
    let restarted = Instant::now();
    let daemon = Daemon::start(&args.daemon, &env);
    for i in 0..args.sessions {
        let id = format!("s{i}");
        wait_until("a restored session", Duration::from_secs(120), || {
            daemon.connected(&id)
        })
        .await;
    }
    println!(
        "restore of {} sessions to CONNECTED: {:.2} s",
        args.sessions,
        restarted.elapsed().as_secs_f64()
    );

    let mut daemon = daemon;
    if args.capacity > args.sessions {
        // Add sessions in steps; after each, measure message -> webhook p99 over all of them.
        let mut held = args.sessions;
        let mut best = (args.sessions, f64::NAN);
        let step = (args.capacity / 10).max(2);
        while held < args.capacity {
            let next = (held + step).min(args.capacity);
            for i in held..next {
                link(&daemon, &sim, &http, i).await;
            }
            held = next;
            let (_, p99, lost) = message_latency(
                &sim,
                &http,
                &receiver,
                held,
                (held * 5, held),
                &format!("c{held}"),
            )
            .await;
            let (_, pss) = chromium_under(&sessions_path);
            println!(
                "  {held} sessions: message -> webhook p99 {p99:.1} ms, lost {lost}, Chromium {pss:.0} MiB"
            );
            if p99 >= 100.0 || lost > 0 {
                break;
            }
            best = (held, p99);
        }
        println!(
            "sessions per machine (p99 < 100 ms): {} (p99 {:.1} ms; stopped at {held} of --capacity {})",
            best.0, best.1, args.capacity
        );
    }

    daemon.stop();
    let _ = std::fs::remove_dir_all(&scratch);
}
