//! Outbox benchmark (not a test): the gateway's event bus, with its SQLite outbox in a scratch
//! SESSIONS_PATH, posting to a webhook receiver on loopback.
//!
//! 1. Throughput: publishes `EVENTS` events over `SESSIONS` sessions (one delivery queue each)
//!    and prints deliveries per second, how many were lost (must be 0), and publish -> receipt
//!    latency p50/p99.
//! 2. Memory: with the receiver dead, publishes 200 media events of 1 MB each and prints the
//!    process RSS before and after; payloads wait on disk, not in RAM.
//!
//! `cargo run --release --example outbox_bench` (env: EVENTS=20000 SESSIONS=8).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};
use wa_gateway::config::Config;
use wa_gateway::events::{Event, EventBus};

#[derive(Clone, Default)]
struct Inbox {
    /// (event number, latency) per delivery.
    got: Arc<Mutex<Vec<(u64, Duration)>>>,
    start: Arc<Mutex<Option<Instant>>>,
}

async fn record(State(inbox): State<Inbox>, body: Bytes) -> StatusCode {
    let now = Instant::now();
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let n = value["data"]["n"].as_u64().unwrap_or(u64::MAX);
    let sent_ns = value["data"]["sentNs"].as_u64().unwrap_or(0);
    let start = inbox.start.lock().unwrap().expect("started");
    let sent = start + Duration::from_nanos(sent_ns);
    inbox
        .got
        .lock()
        .unwrap()
        .push((n, now.saturating_duration_since(sent)));
    StatusCode::OK
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn config(dir: &std::path::Path, webhook: &str) -> Config {
    Config::from_map(&HashMap::from([
        ("SESSIONS_PATH".to_owned(), dir.display().to_string()),
        ("BASE_WEBHOOK_URL".to_owned(), webhook.to_owned()),
        ("WEBHOOK_RETRY_BASE_MS".to_owned(), "200".to_owned()),
        ("WEBHOOK_RETRY_MAX_MS".to_owned(), "2000".to_owned()),
    ]))
    .expect("valid configuration")
}

#[tokio::main]
async fn main() {
    let events: u64 = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let sessions: u64 = std::env::var("SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
        .max(1);
    let scratch = std::env::temp_dir().join(format!("wagw-outbox-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);

    // ---- 1. throughput and latency to a live loopback receiver ------------------------------
    let inbox = Inbox::default();
    let app = Router::new()
        .route("/hook", post(record))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let bus = EventBus::new(Arc::new(config(&scratch.join("live"), &url))).expect("outbox opens");
    let start = Instant::now();
    *inbox.start.lock().unwrap() = Some(start);
    for n in 0..events {
        let session = format!("bench{}", n % sessions);
        let sent_ns = start.elapsed().as_nanos() as u64;
        bus.publish(Event::new(
            &session,
            "message",
            Some(json!({"n": n, "sentNs": sent_ns, "message": {"body": "benchmark message"}})),
        ));
        // Let the workers run between bursts, as events arrive from pages in reality.
        if n % 256 == 255 {
            tokio::task::yield_now().await;
        }
    }
    let published = start.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    while (inbox.got.lock().unwrap().len() as u64) < events && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed();
    let got = inbox.got.lock().unwrap().clone();
    let mut distinct: Vec<u64> = got.iter().map(|(n, _)| *n).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut latencies: Vec<Duration> = got.iter().map(|(_, l)| *l).collect();
    latencies.sort_unstable();
    println!("throughput: {events} events over {sessions} sessions (one queue each)");
    println!(
        "  published in {:.2} s ({:.0} events/s stored)",
        published.as_secs_f64(),
        events as f64 / published.as_secs_f64()
    );
    println!(
        "  delivered {} in {:.2} s: {:.0} deliveries/s, lost {}",
        got.len(),
        elapsed.as_secs_f64(),
        got.len() as f64 / elapsed.as_secs_f64(),
        events - distinct.len() as u64
    );
    println!(
        "  publish -> webhook in the burst (mostly queueing) p50 {:.1} ms, p99 {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );
    // Latency at a steady pace well under capacity (the burst above measures queueing).
    let paced: u64 = 2000;
    let rate_per_s: u64 = 1000;
    inbox.got.lock().unwrap().clear();
    let pace_start = Instant::now();
    for n in 0..paced {
        let due = pace_start + Duration::from_micros(n * 1_000_000 / rate_per_s);
        tokio::time::sleep_until(due.into()).await;
        let sent_ns = start.elapsed().as_nanos() as u64;
        bus.publish(Event::new(
            &format!("paced{}", n % sessions),
            "message",
            Some(json!({"n": n, "sentNs": sent_ns, "message": {"body": "paced message"}})),
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while (inbox.got.lock().unwrap().len() as u64) < paced && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = inbox.got.lock().unwrap().clone();
    let mut latencies: Vec<Duration> = got.iter().map(|(_, l)| *l).collect();
    latencies.sort_unstable();
    println!(
        "paced: {paced} events at {rate_per_s}/s: delivered {}, publish -> webhook p50 {:.2} ms, p99 {:.2} ms",
        got.len(),
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );
    drop(bus);

    // ---- 2. memory while 200 one-MB media events wait for a dead receiver -------------------
    let dead = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", probe.local_addr().unwrap())
    };
    let bus = EventBus::new(Arc::new(config(&scratch.join("dead"), &dead))).expect("outbox opens");
    let before = rss_mb();
    let media = "A".repeat(1024 * 1024);
    for n in 0..200 {
        bus.publish(Event::new(
            "media-bench",
            "media",
            Some(json!({"messageMedia": {"mimetype": "application/octet-stream", "data": media}, "n": n})),
        ));
    }
    drop(media);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stats = bus.webhook_stats_of("media-bench");
    println!("memory: 200 media events of 1 MB waiting for a dead receiver");
    println!(
        "  queue depth {}, RSS before {:.1} MB, after {:.1} MB",
        stats.queue_depth,
        before,
        rss_mb()
    );
    drop(bus);
    let _ = std::fs::remove_dir_all(&scratch);
}
