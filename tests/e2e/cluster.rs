//! Cluster mode end to end: three gateway processes on loopback sharing one SESSIONS_PATH, a
//! real redis-server and a stock nginx (round-robin) in front, the simulator behind. Skips with
//! a message only when redis-server or nginx is not installed (scripts/setup.sh installs both).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    API_KEY, Daemon, Mode, Sim, TempDir, WebhookReceiver, WsClient, eventually, wait_login_on_disk,
};

const NODES: usize = 3;
const SESSIONS: usize = 6;
const FRIEND: &str = "15559990000";
/// Short leases keep the test quick: renew every 1.3 s, give up after 2 s, expire after 4 s.
/// `WAGW_TEST_LEASE_TTL_MS=15000` measures with the default instead.
const LEASE_TTL_MS: u64 = 4000;

fn lease_ttl() -> Duration {
    Duration::from_millis(
        std::env::var("WAGW_TEST_LEASE_TTL_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(LEASE_TTL_MS),
    )
}
const TAKEOVER: Duration = Duration::from_secs(60);

fn id(i: usize) -> String {
    format!("c{i}")
}

fn phone(i: usize) -> String {
    format!("1555000{i:04}")
}

pub(crate) fn node_id(i: usize) -> String {
    format!("n{i}")
}

/// An executable on PATH or in the sbin folders (nginx lives in /usr/sbin).
pub(crate) fn find_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(PathBuf::from)
        .chain(["/usr/sbin", "/usr/local/sbin", "/usr/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (and reaped) on drop.
pub(crate) struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// redis-server on a port, without persistence: a restart loses every key.
pub(crate) async fn start_redis(binary: &Path, port: u16) -> Service {
    let child = Command::new(binary)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--protected-mode", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let service = Service(child);
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
    eventually(
        Duration::from_secs(15),
        "redis-server to answer",
        async || {
            let mut conn = client.get_multiplexed_async_connection().await.ok()?;
            redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .ok()
                .map(|_| ())
        },
    )
    .await;
    service
}

/// A stock nginx, round-robin over the nodes (WebSockets passed on as in
/// docker-compose.cluster.yml), with a config of its own in `dir`.
pub(crate) async fn start_nginx(
    binary: &Path,
    port: u16,
    upstreams: &[u16],
    dir: &Path,
) -> Service {
    let servers: String = upstreams
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p};\n"))
        .collect();
    let d = dir.display();
    let conf = format!(
        "daemon off;\nmaster_process on;\nworker_processes 1;\nuser root root;\npid {d}/nginx.pid;\n\
         error_log {d}/nginx-error.log warn;\nevents {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
           client_max_body_size 20m;\n  upstream gateway {{\n{servers}  }}\n\
           map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://gateway;\n\
               proxy_http_version 1.1;\n      proxy_read_timeout 120s;\n\
               proxy_set_header Upgrade $http_upgrade;\n\
               proxy_set_header Connection $connection_upgrade;\n\
               proxy_next_upstream error timeout;\n    }}\n  }}\n}}\n"
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("nginx-error.log"))
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx starts");
    let service = Service(child);
    let http = reqwest::Client::new();
    eventually(Duration::from_secs(15), "nginx to answer", async || {
        let answer = http
            .get(format!("http://127.0.0.1:{port}/ping"))
            .send()
            .await
            .ok()?;
        answer.status().is_success().then_some(())
    })
    .await;
    service
}

pub(crate) fn node_env(
    sim: &Sim,
    hook: &WebhookReceiver,
    sessions: &Path,
    i: usize,
    port: u16,
    redis_port: u16,
) -> std::collections::HashMap<String, String> {
    let mut env = Daemon::env_for(sim, Some(hook), sessions);
    env.insert("PORT".into(), port.to_string());
    env.insert(
        "CLUSTER_REDIS_URL".into(),
        format!("redis://127.0.0.1:{redis_port}"),
    );
    env.insert("NODE_ID".into(), node_id(i));
    env.insert("NODE_URL".into(), format!("http://127.0.0.1:{port}"));
    env.insert(
        "CLUSTER_LEASE_TTL_MS".into(),
        lease_ttl().as_millis().to_string(),
    );
    // The receiver refuses for a while in the takeover phase: retries stay quick.
    env.insert("WEBHOOK_RETRY_BASE_MS".into(), "200".into());
    env.insert("WEBHOOK_RETRY_MAX_MS".into(), "1000".into());
    env
}

/// Owner of every session the cluster knows, as `GET /cluster/nodes` reports it.
async fn owners(lb: &Daemon) -> BTreeMap<String, Option<String>> {
    let (status, body) = lb.get("/cluster/nodes").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    owners_in(&body)
}

fn owners_in(body: &Value) -> BTreeMap<String, Option<String>> {
    body["sessions"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(id, owner)| (id.clone(), owner.as_str().map(str::to_owned)))
        .collect()
}

/// The session's state on one node, asked so that the node answers itself (no forwarding).
pub(crate) async fn local_state(node: &Daemon, session: &str) -> Value {
    let response = reqwest::Client::new()
        .get(node.url(&format!("/session/status/{session}")))
        .header("x-api-key", API_KEY)
        .header("x-wagw-forwarded-by", "test")
        .send()
        .await
        .expect("node answers");
    response.json().await.unwrap()
}

/// Each session is CONNECTED on exactly one live node, the one Redis says owns it.
async fn assert_each_runs_once(nodes: &[Daemon], ids: &[String]) -> BTreeMap<String, String> {
    let mut running_on = BTreeMap::new();
    for session in ids {
        let mut on = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            if !node.is_running() {
                continue;
            }
            let state = local_state(node, session).await;
            if state["message"] != "session_not_found" {
                on.push((node_id(i), state));
            }
        }
        assert_eq!(
            on.len(),
            1,
            "{session} in memory on exactly one node: {on:?}"
        );
        assert_eq!(on[0].1["state"], "CONNECTED", "{session}: {on:?}");
        running_on.insert(session.clone(), on[0].0.clone());
    }
    running_on
}

async fn conflicts(sim: &Sim) -> u64 {
    let mut total = 0;
    for i in 0..SESSIONS {
        let (_, account) = sim
            .control("GET", &format!("accounts/{}", phone(i)), None)
            .await;
        total += account["conflicts"]
            .as_u64()
            .expect("the simulator counts conflicts");
    }
    total
}

/// QR events of these sessions received after the first `since` webhooks.
fn qrs_of(hook: &WebhookReceiver, since: usize, ids: &BTreeSet<String>) -> Vec<Value> {
    hook.bodies()
        .into_iter()
        .skip(since)
        .filter(|b| b["dataType"] == "qr" && ids.contains(b["sessionId"].as_str().unwrap_or("")))
        .collect()
}

/// Waits until every session in `ids` is CONNECTED (through the load balancer) on a node
/// other than `away_from`, and answers how long that took.
async fn wait_moved(lb: &Daemon, ids: &BTreeSet<String>, away_from: &str) -> Duration {
    let started = Instant::now();
    eventually(TAKEOVER, "the sessions to be taken over", async || {
        // While Redis comes back the nodes may answer 503: keep asking.
        let (status, body) = lb.get("/cluster/nodes").await;
        if status != StatusCode::OK {
            return None;
        }
        let owners = owners_in(&body);
        for session in ids {
            match owners.get(session) {
                Some(Some(owner)) if owner != away_from => {}
                _ => return None,
            }
            let (_, state) = lb.get(&format!("/session/status/{session}")).await;
            if state["state"] != "CONNECTED" {
                return None;
            }
        }
        Some(())
    })
    .await;
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_nodes_place_forward_take_over_drain_and_survive_a_redis_restart() {
    let (Some(redis_bin), Some(nginx_bin)) = (find_binary("redis-server"), find_binary("nginx"))
    else {
        eprintln!(
            "SKIPPED cluster test: redis-server or nginx not found (scripts/setup.sh installs them)"
        );
        return;
    };
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("cluster");
    let sessions = dir.0.join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    let redis_port = free_port();
    let mut redis = start_redis(&redis_bin, redis_port).await;
    let ports: Vec<u16> = (0..NODES).map(|_| free_port()).collect();
    let mut nodes: Vec<Daemon> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| Daemon::start(node_env(&sim, &hook, &sessions, i, *port, redis_port)))
        .collect();
    let _nginx = start_nginx(&nginx_bin, free_port(), &ports, &dir.0).await;
    let nginx_port = std::fs::read_to_string(dir.0.join("nginx.conf"))
        .unwrap()
        .split("listen 127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(';').next().map(str::to_owned))
        .unwrap();
    let lb = Daemon::remote(format!("http://127.0.0.1:{nginx_port}"), sessions.clone());
    let ids: Vec<String> = (0..SESSIONS).map(id).collect();

    // Six sessions started and linked through nginx, one after the other: each lands on the
    // least loaded node, and runs on exactly one.
    for i in 0..SESSIONS {
        lb.linked_session(&sim, &id(i), &phone(i), &format!("User {i}"))
            .await;
    }
    for session in &ids {
        wait_login_on_disk(&sessions, session).await;
    }
    let placed = assert_each_runs_once(&nodes, &ids).await;
    let owned = owners(&lb).await;
    for (session, node) in &placed {
        assert_eq!(
            owned[session].as_deref(),
            Some(node.as_str()),
            "Redis agrees"
        );
    }
    let per_node: BTreeMap<&String, usize> = placed.values().fold(BTreeMap::new(), |mut m, n| {
        *m.entry(n).or_default() += 1;
        m
    });
    assert_eq!(
        per_node.len(),
        NODES,
        "every node got sessions: {per_node:?}"
    );
    assert!(
        per_node.values().all(|n| *n == SESSIONS / NODES),
        "{per_node:?}"
    );

    // Any node answers for any session (forwarding to the owner), and says who owns it.
    for (i, session) in ids.iter().enumerate() {
        for node in &nodes {
            let (status, headers, body) =
                node.get_raw(&format!("/client/getState/{session}")).await;
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body, json!({"success": true, "state": "CONNECTED"}));
            assert_eq!(headers["x-wagw-node"], placed[session].as_str());
        }
        let (status, body) = lb
            .post(
                &format!("/client/sendMessage/{session}"),
                json!({"chatId": format!("{FRIEND}@c.us"), "contentType": "string", "content": format!("hello from {session}")}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let sent = sim.sent(&phone(i)).await;
        assert!(
            sent.iter()
                .any(|m| m["body"] == format!("hello from {session}")),
            "{sent:?}"
        );
    }
    // Every operation of a session, asked of a node that does not run it, is answered by the
    // node that does: none of the routes misses the forwarding.
    let asked = every_operation_answered_by_its_owner(&nodes, &ids[0], &placed[&ids[0]]).await;
    eprintln!("{asked} session operations answered by their owner through another node");
    assert!(
        asked > 140,
        "the document lists the session operations: {asked}"
    );
    // A WebSocket opened on a node that does not run the session gets its events (the node
    // joins it to the owner's).
    let watched = &ids[0];
    let elsewhere = nodes
        .iter()
        .enumerate()
        .find(|(i, _)| node_id(*i) != placed[watched])
        .map(|(_, n)| n)
        .unwrap();
    let ws = WsClient::connect(elsewhere, watched).await;
    sim.send(json!({"from": FRIEND, "to": phone(0), "body": "over the forwarded socket"}))
        .await;
    eventually(
        Duration::from_secs(30),
        "the event over the forwarded WebSocket",
        async || {
            ws.frames().into_iter().find(|f| {
                f["dataType"] == "message"
                    && f["sessionId"] == watched.as_str()
                    && f["data"]["message"]["body"] == "over the forwarded socket"
            })
        },
    )
    .await;

    let (status, body) = lb.get("/session/getSessions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["result"],
        json!(ids),
        "every node lists the whole cluster"
    );
    let (status, body) = lb.post("/cluster/drain/nobody", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // SIGKILL one node while the webhook receiver refuses: its sessions come back on the others
    // from the same profiles, without a QR; what its outbox held is delivered by the others,
    // with the same event ids, and with the webhook set through the API for the session; what
    // their contacts sent meanwhile reaches the webhook; a WebSocket resumes where it was.
    let victim = 0;
    let victims: BTreeSet<String> = placed
        .iter()
        .filter(|(_, n)| **n == node_id(victim))
        .map(|(s, _)| s.clone())
        .collect();
    // One of them is stopped before the kill (nobody takes it over): its queue is carried on
    // by the sweep of the dead node's outbox.
    let stopped = victims.iter().next().unwrap().clone();
    let taken: BTreeSet<String> = victims.iter().skip(1).cloned().collect();
    let watched_taken = taken.iter().next().unwrap().clone();
    let (status, body) = lb
        .request(
            "PUT",
            &format!("/session/webhook/{watched_taken}"),
            Some(json!({"url": hook.url, "headers": {"x-tenant": watched_taken}})),
            Some(API_KEY),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ws = WsClient::connect_with(&lb, &watched_taken, "eventIds=true").await;
    let seen = hook.bodies().len();
    hook.set_mode(Mode::Fail);
    for session in &victims {
        let i: usize = session[1..].parse().unwrap();
        sim.send(json!({"from": FRIEND, "to": phone(i), "body": format!("queued on {session}")}))
            .await;
    }
    let queued_id = eventually(
        Duration::from_secs(30),
        "the queued message on the WebSocket",
        async || {
            ws.frames()
                .into_iter()
                .find(|f| {
                    f["dataType"] == "message"
                        && f["data"]["message"]["body"] == format!("queued on {watched_taken}")
                })
                .and_then(|f| f["eventId"].as_str().map(str::to_owned))
        },
    )
    .await;
    for session in &victims {
        eventually(
            Duration::from_secs(30),
            "the refused message to wait in the outbox",
            async || {
                let (_, body) = lb.get(&format!("/session/webhookStatus/{session}")).await;
                (body["status"]["queueDepth"].as_u64()? > 0).then_some(())
            },
        )
        .await;
    }
    let (status, body) = lb.get(&format!("/session/stop/{stopped}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    nodes[victim].kill();
    hook.set_mode(Mode::Accept);
    // Its browsers die with it (PDEATHSIG); what is sent once their sockets are closed waits
    // for the device, as WhatsApp's server keeps it.
    for session in &taken {
        let i: usize = session[1..].parse().unwrap();
        eventually(
            Duration::from_secs(15),
            "the dead node's socket to close",
            async || {
                let (_, account) = sim
                    .control("GET", &format!("accounts/{}", phone(i)), None)
                    .await;
                (account["connectedDevices"] == 0).then_some(())
            },
        )
        .await;
    }
    for session in &taken {
        let i: usize = session[1..].parse().unwrap();
        sim.send(json!({"from": FRIEND, "to": phone(i), "body": format!("while {session} moved")}))
            .await;
    }
    let took = wait_moved(&lb, &taken, &node_id(victim)).await;
    eprintln!(
        "takeover of {} sessions after SIGKILL: {took:?}",
        taken.len()
    );
    let delivered_by_others = |body: &str| {
        let bodies = hook.bodies();
        let at = bodies
            .iter()
            .position(|b| b["dataType"] == "message" && b["data"]["message"]["body"] == body)
            .unwrap();
        let headers = hook.headers()[at].clone();
        assert_ne!(headers["x-wagw-node"], node_id(victim), "{body}");
        headers
    };
    for session in &victims {
        let queued = format!("queued on {session}");
        hook.wait_for(&queued, |b| {
            b["dataType"] == "message"
                && b["sessionId"] == session.as_str()
                && b["data"]["message"]["body"] == queued
        })
        .await;
        let headers = delivered_by_others(&queued);
        if *session == watched_taken {
            assert_eq!(headers["webhook-id"], queued_id, "the event keeps its id");
            assert_eq!(
                headers["x-tenant"], watched_taken,
                "the webhook set through the API follows the session"
            );
        }
    }
    for session in &taken {
        let body = format!("while {session} moved");
        hook.wait_for(&body, |b| {
            b["dataType"] == "message"
                && b["sessionId"] == session.as_str()
                && b["data"]["message"]["body"] == body
        })
        .await;
        delivered_by_others(&body);
    }
    assert!(
        qrs_of(&hook, seen, &victims).is_empty(),
        "taken over without a QR"
    );
    // The WebSocket resumes on the new owner from an id the dead node gave.
    let resumed =
        WsClient::connect_with(&lb, &watched_taken, &format!("lastEventId={queued_id}")).await;
    let moved_body = format!("while {watched_taken} moved");
    eventually(
        Duration::from_secs(30),
        "the resumed WebSocket",
        async || {
            resumed
                .frames()
                .into_iter()
                .find(|f| f["data"]["message"]["body"] == moved_body)
        },
    )
    .await;
    assert!(
        !resumed
            .frames()
            .iter()
            .any(|f| f["eventId"] == queued_id.as_str()),
        "resumed after the given id"
    );
    // The stopped session starts again from its profile (on whatever node), without a QR.
    let (status, body) = lb.get(&format!("/session/start/{stopped}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    wait_moved(&lb, &BTreeSet::from([stopped.clone()]), &node_id(victim)).await;
    assert!(
        qrs_of(&hook, seen, &victims).is_empty(),
        "restarted without a QR"
    );
    let mut adopted = 0.0;
    for node in nodes.iter().filter(|n| n.is_running()) {
        let (_, _, text) = node.get_raw("/metrics").await;
        adopted += String::from_utf8(text)
            .unwrap()
            .lines()
            .find(|l| l.starts_with("wagw_cluster_outbox_adopted_total{kind=\"deliveries\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0);
    }
    assert!(
        adopted >= victims.len() as f64,
        "/metrics counts adopted deliveries: {adopted}"
    );
    let mut takeovers = 0.0;
    for node in nodes.iter().filter(|n| n.is_running()) {
        let (_, _, text) = node.get_raw("/metrics").await;
        let text = String::from_utf8(text).unwrap();
        takeovers += text
            .lines()
            .find(|l| l.starts_with("wagw_cluster_lease_events_total{event=\"takeover\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0);
    }
    assert_eq!(
        takeovers as usize,
        taken.len(),
        "/metrics counts the takeovers"
    );
    assert_eq!(conflicts(&sim).await, 0, "no device was ever opened twice");
    let placed = assert_each_runs_once(&nodes, &ids).await;

    // The node comes back (same NODE_ID and port) and takes new work again.
    nodes[victim] = nodes[victim].start_again();
    eventually(Duration::from_secs(20), "the node to rejoin", async || {
        let (_, body) = lb.get("/cluster/nodes").await;
        (body["nodes"].as_array()?.len() == NODES).then_some(())
    })
    .await;

    // Drain a node through nginx: its sessions move without a QR, and it keeps none.
    let drained = 1;
    let moving: BTreeSet<String> = placed
        .iter()
        .filter(|(_, n)| **n == node_id(drained))
        .map(|(s, _)| s.clone())
        .collect();
    assert!(!moving.is_empty(), "{placed:?}");
    let seen = hook.bodies().len();
    let (status, body) = lb
        .post(&format!("/cluster/drain/{}", node_id(drained)), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let handed: BTreeSet<String> = body["handedOff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(handed, moving);
    let took = wait_moved(&lb, &moving, &node_id(drained)).await;
    eprintln!("drain moved {} sessions in {took:?}", moving.len());
    assert!(
        qrs_of(&hook, seen, &moving).is_empty(),
        "moved without a QR"
    );
    assert_eq!(conflicts(&sim).await, 0);
    let placed = assert_each_runs_once(&nodes, &ids).await;
    assert!(!placed.values().any(|n| *n == node_id(drained)));
    assert!(
        placed.values().any(|n| *n == node_id(victim)),
        "the node that came back (empty) took its share: {placed:?}"
    );
    let (_, body) = lb.get("/cluster/nodes").await;
    let drained_info = body["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == node_id(drained).as_str())
        .cloned()
        .unwrap();
    assert_eq!(drained_info["draining"], true);
    assert_eq!(drained_info["sessions"], 0);

    // Redis restarts and forgets everything: no session runs twice, and all come back.
    let seen = hook.bodies().len();
    drop(std::mem::replace(
        &mut redis,
        Service(Command::new("true").spawn().unwrap()),
    ));
    redis = start_redis(&redis_bin, redis_port).await;
    let all: BTreeSet<String> = ids.iter().cloned().collect();
    let took = wait_moved(&lb, &all, &node_id(drained)).await;
    eprintln!("all sessions back {took:?} after the Redis restart");
    assert_eq!(conflicts(&sim).await, 0, "no session ran twice");
    assert!(
        qrs_of(&hook, seen, &all).is_empty(),
        "no QR after the Redis restart"
    );
    assert_each_runs_once(&nodes, &ids).await;

    // Redis gone for longer than the renew deadline (a partition, as the nodes see it): every
    // node stops its browsers on its own, before the leases could expire; once Redis is back,
    // every session comes back, once.
    let seen = hook.bodies().len();
    drop(std::mem::replace(
        &mut redis,
        Service(Command::new("true").spawn().unwrap()),
    ));
    let cut = Instant::now();
    eventually(
        Duration::from_secs(15),
        "every node to stop its browsers",
        async || {
            for (i, node) in nodes.iter().enumerate() {
                if i == drained || !node.is_running() {
                    continue;
                }
                for session in &ids {
                    if local_state(node, session).await["message"] != "session_not_found" {
                        return None;
                    }
                }
            }
            Some(())
        },
    )
    .await;
    let stopped = cut.elapsed();
    eprintln!("browsers stopped {stopped:?} after Redis went away");
    assert!(
        stopped < lease_ttl(),
        "stopped within the lease TTL: {stopped:?}"
    );
    redis = start_redis(&redis_bin, redis_port).await;
    let took = wait_moved(&lb, &all, &node_id(drained)).await;
    eprintln!("all sessions back {took:?} after a Redis outage");
    assert_eq!(conflicts(&sim).await, 0, "no session ran twice");
    assert!(
        qrs_of(&hook, seen, &all).is_empty(),
        "no QR after the outage"
    );
    assert_each_runs_once(&nodes, &ids).await;
    // Deliveries were held back while the outbox leases could not be renewed; they go on, and
    // every restarted page raises its messages (its bridge listens once the collections exist).
    for (i, session) in ids.iter().enumerate() {
        let body = format!("after the outage to {session}");
        sim.send(json!({"from": FRIEND, "to": phone(i), "body": body}))
            .await;
        let arrived = tokio::time::timeout(
            Duration::from_secs(30),
            hook.wait_for(&body, |b| {
                b["dataType"] == "message" && b["data"]["message"]["body"] == body
            }),
        )
        .await;
        if arrived.is_err() {
            explain_missing(&sim, &lb, &hook, &nodes, i).await;
            panic!("{body} was not delivered");
        }
    }
    drop(redis);
}

/// Operations the sweep below leaves out: they end or restart the session, or change its
/// profile (the start places a session, and is tested above).
const NOT_SWEPT: [&str; 6] = [
    "/session/start/",
    "/session/stop/",
    "/session/restart/",
    "/session/terminate/",
    "/client/deleteProfilePicture/",
    "/client/resetState/",
];

/// Sends every operation of the OpenAPI document that has a `{sessionId}` (but those of
/// [`NOT_SWEPT`]) with an empty JSON body to a node other than `owner`, and checks that the
/// owner answered, without a gateway error. Answers how many were asked.
async fn every_operation_answered_by_its_owner(
    nodes: &[Daemon],
    session: &str,
    owner: &str,
) -> usize {
    // The document the daemon serves, as tests/openapi.rs keeps it in step with the routes.
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/snapshots/openapi.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let caller = nodes
        .iter()
        .enumerate()
        .find(|(i, _)| node_id(*i) != owner)
        .map(|(_, n)| n)
        .unwrap();
    let http = reqwest::Client::new();
    let mut asked = 0;
    for (path, operations) in spec["paths"].as_object().unwrap() {
        if !path.contains("{sessionId}") || NOT_SWEPT.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        for method in operations.as_object().unwrap().keys() {
            let url = caller.url(&path.replace("{sessionId}", session));
            let answer = http
                .request(method.to_uppercase().parse().unwrap(), url)
                .header("x-api-key", API_KEY)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = answer.status().as_u16();
            assert!(
                !matches!(status, 502..=504),
                "{method} {path}: {status} {:?}",
                answer.text().await
            );
            assert_eq!(
                answer
                    .headers()
                    .get("x-wagw-node")
                    .and_then(|v| v.to_str().ok()),
                Some(owner),
                "{method} {path} is answered by the node that runs the session"
            );
            asked += 1;
        }
    }
    asked
}

/// What a message that reached the simulator but no webhook went through: the simulator's and
/// the page's view, what the receiver got of the session, and every node's log.
async fn explain_missing(
    sim: &Sim,
    lb: &Daemon,
    hook: &WebhookReceiver,
    nodes: &[Daemon],
    i: usize,
) {
    let session = id(i);
    let (_, account) = sim
        .control("GET", &format!("accounts/{}", phone(i)), None)
        .await;
    let (_, inbox) = sim
        .control("GET", &format!("accounts/{}/inbox", phone(i)), None)
        .await;
    let (_, state) = lb.get(&format!("/session/status/{session}")).await;
    let (_, fetched) = lb
        .post(
            &format!("/chat/fetchMessages/{session}"),
            json!({"chatId": format!("{FRIEND}@c.us"), "searchOptions": {"limit": 3}}),
        )
        .await;
    let received: Vec<Value> = hook
        .bodies()
        .into_iter()
        .filter(|b| b["sessionId"] == session.as_str())
        .map(|b| json!([b["dataType"], b["data"]["message"]["body"]]))
        .collect();
    eprintln!(
        "account: {account}\ninbox: {inbox}\nstate: {state}\nfetched: {fetched}\nreceived: {received:?}"
    );
    for (n, node) in nodes.iter().enumerate() {
        for line in node.stdout() {
            eprintln!("n{n}: {line}");
        }
    }
}

/// The lease primitives against a real redis-server: one holder at a time, fencing tokens that
/// grow with each holding, a renew only by the exact holding, a clean release that the next
/// holder sees, and a lease set again after Redis lost it (but not after a clean release).
#[tokio::test(flavor = "multi_thread")]
async fn leases_fence_their_holders() {
    use wa_gateway::cluster::lease::{Acquired, Renewal};
    use wa_gateway::cluster::store::Store;

    let Some(redis_bin) = find_binary("redis-server") else {
        eprintln!("SKIPPED lease test: redis-server not found (scripts/setup.sh installs it)");
        return;
    };
    let port = free_port();
    let redis = start_redis(&redis_bin, port).await;
    let url = format!("redis://127.0.0.1:{port}");
    let store = Store::connect(&url, Duration::from_secs(5)).await.unwrap();
    let ttl = Duration::from_millis(1500);

    let Acquired::Ours { value: a, clean } = store.acquire("s", "a", ttl).await.unwrap() else {
        panic!("a free lease is taken");
    };
    assert_eq!(
        (a.as_str(), clean),
        ("a:1", false),
        "token 1, no clean release before"
    );
    assert_eq!(store.acquire("s", "b", ttl).await.unwrap(), Acquired::Taken);
    assert_eq!(store.renew("s", "b:1", ttl).await.unwrap(), Renewal::Lost);
    assert_eq!(store.renew("s", &a, ttl).await.unwrap(), Renewal::Extended);
    assert_eq!(store.owner("s").await.unwrap().as_deref(), Some("a"));
    assert_eq!(
        store.wanted().await.unwrap(),
        vec!["s".to_string()],
        "a renew lists the session"
    );

    // a stops renewing: the lease expires and b takes it with the next token; a's renew fails.
    let b = eventually(
        Duration::from_secs(5),
        "the lease to expire",
        async || match store.acquire("s", "b", ttl).await.unwrap() {
            Acquired::Ours { value, clean } => Some((value, clean)),
            Acquired::Taken => None,
        },
    )
    .await;
    assert_eq!(b, ("b:2".to_string(), false));
    assert_eq!(store.renew("s", &a, ttl).await.unwrap(), Renewal::Lost);

    // b releases cleanly (a handoff): the next holder knows, and may start at once.
    store.release("s", &b.0, false).await.unwrap();
    assert_eq!(store.owner("s").await.unwrap(), None);
    assert_eq!(
        store.renew("s", &b.0, ttl).await.unwrap(),
        Renewal::Lost,
        "no renew after a release"
    );
    let Acquired::Ours { value: c, clean } = store.acquire("s", "c", ttl).await.unwrap() else {
        panic!("a released lease is free");
    };
    assert_eq!((c.as_str(), clean), ("c:3", true));

    // Redis loses everything: the holder's renew sets its lease again.
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    redis::cmd("FLUSHALL")
        .query_async::<()>(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        store.renew("s", &c, ttl).await.unwrap(),
        Renewal::Reasserted
    );
    assert_eq!(store.owner("s").await.unwrap().as_deref(), Some("c"));
    store.release("s", &c, true).await.unwrap();
    assert!(
        store.wanted().await.unwrap().is_empty(),
        "a stop forgets the session"
    );
    drop(redis);
}
