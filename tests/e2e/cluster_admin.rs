//! Cluster mode, the admin side: scoped API keys created and revoked on one node count on every
//! node at once (one key file on the shared SESSIONS_PATH), and terminateInactive/terminateAll
//! act on the whole cluster without a node deleting the profile of a session another runs.
//! Three gateway processes, a real redis-server and nginx, as in [`crate::cluster`].

use std::collections::BTreeSet;
use std::path::Path;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::cluster::{
    find_binary, free_port, local_state, node_env, node_id, start_nginx, start_redis,
};
use crate::support::{
    API_KEY, Daemon, Sim, TempDir, WebhookReceiver, chromium_processes, eventually,
    wait_login_on_disk, wait_no_chromium,
};

const NODES: usize = 3;
/// Longer than a node takes to leave the registry (5 s) plus a renew interval, so a killed
/// node is gone from the registry while its leases are still there.
const LEASE_TTL_MS: u64 = 10_000;
const FLUSHED: &str = r#"{"success":true,"message":"Flush completed successfully"}"#;

fn phone(i: usize) -> String {
    format!("1555100{i:04}")
}

/// The session-* folders on the shared disk.
fn folders(sessions: &Path) -> BTreeSet<String> {
    std::fs::read_dir(sessions)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_prefix("session-")
                .map(str::to_owned)
        })
        .collect()
}

/// A GET answered as it came, body as text (to compare it byte for byte).
async fn get_text(base: &Daemon, path: &str) -> (StatusCode, String) {
    let answer = reqwest::Client::new()
        .get(base.url(path))
        .header("x-api-key", API_KEY)
        .timeout(std::time::Duration::from_secs(120))
        .send()
        .await
        .expect("answers");
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
    (status, answer.text().await.unwrap())
}

/// Session id → owning node, as Redis has it.
async fn owners(lb: &Daemon) -> serde_json::Map<String, Value> {
    let (status, body) = lb.get("/cluster/nodes").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["sessions"].as_object().unwrap().clone()
}

async fn create_key(node: &Daemon, session: &str) -> (String, String) {
    let (status, body) = node
        .post(
            "/apiKeys",
            json!({ "sessions": [session], "access": "full", "name": "crm" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (
        body["result"]["key"].as_str().unwrap().to_owned(),
        body["result"]["id"].as_str().unwrap().to_owned(),
    )
}

/// `GET /session/status/{session}` on one node with a scoped key.
async fn status_with_key(node: &Daemon, session: &str, key: &str) -> (StatusCode, Value) {
    node.request(
        "GET",
        &format!("/session/status/{session}"),
        None,
        Some(key),
    )
    .await
}

async fn key_ids(node: &Daemon) -> BTreeSet<String> {
    let (status, body) = node.get("/apiKeys").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_shared_live_and_flushes_are_cluster_wide() {
    let (Some(redis_bin), Some(nginx_bin)) = (find_binary("redis-server"), find_binary("nginx"))
    else {
        eprintln!(
            "SKIPPED cluster admin test: redis-server or nginx not found (scripts/setup.sh installs them)"
        );
        return;
    };
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("cluster-admin");
    let sessions = dir.0.join("sessions");
    std::fs::create_dir_all(&sessions).unwrap();
    let redis_port = free_port();
    let _redis = start_redis(&redis_bin, redis_port).await;
    let ports: Vec<u16> = (0..NODES).map(|_| free_port()).collect();
    let mut nodes: Vec<Daemon> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            let mut env = node_env(&sim, &hook, &sessions, i, *port, redis_port);
            env.insert("CLUSTER_LEASE_TTL_MS".into(), LEASE_TTL_MS.to_string());
            Daemon::start(env)
        })
        .collect();
    let nginx_port = free_port();
    let _nginx = start_nginx(&nginx_bin, nginx_port, &ports, &dir.0).await;
    let lb = Daemon::remote(format!("http://127.0.0.1:{nginx_port}"), sessions.clone());

    // Three linked sessions through nginx: one per node (each start goes to the least loaded).
    let linked: Vec<String> = (0..NODES).map(|i| format!("k{i}")).collect();
    for (i, id) in linked.iter().enumerate() {
        lb.linked_session(&sim, id, &phone(i), &format!("User {i}"))
            .await;
    }
    for id in &linked {
        wait_login_on_disk(&sessions, id).await;
    }
    let placed: BTreeSet<String> = owners(&lb)
        .await
        .values()
        .filter_map(|o| o.as_str().map(str::to_owned))
        .collect();
    assert_eq!(placed.len(), NODES, "a session on every node: {placed:?}");

    // --- Scoped keys: created on n0, used through n1, revoked on n2: refused everywhere at once.
    let (secret, key_id) = create_key(&nodes[0], &linked[0]).await;
    for node in &nodes {
        let (status, body) = status_with_key(node, &linked[0], &secret).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "CONNECTED", "{body}");
    }
    let (status, body) = status_with_key(&nodes[1], &linked[1], &secret).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "scoped to {}: {body}",
        linked[0]
    );
    assert!(key_ids(&nodes[2]).await.contains(&key_id));
    let (status, body) = nodes[2]
        .request("DELETE", &format!("/apiKeys/{key_id}"), None, Some(API_KEY))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for node in &nodes {
        let (status, body) = status_with_key(node, &linked[0], &secret).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(
            body,
            json!({ "success": false, "error": "Invalid API key" })
        );
    }

    // Keys created on all nodes at the same moment: none lost.
    let creates = (0..10)
        .flat_map(|_| nodes.iter())
        .map(|n| create_key(n, &linked[1]));
    let created: BTreeSet<String> = futures::future::join_all(creates)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(created.len(), 10 * NODES);
    for node in &nodes {
        assert_eq!(key_ids(node).await, created, "every node lists every key");
    }

    // --- terminateInactive: a session waiting for its QR, and a folder nobody holds, go; the
    // connected sessions on every node stay.
    let (status, body) = lb.get("/session/start/idle").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(crate::support::WAIT, "idle to show a QR", async || {
        let (_, body) = lb.get("/session/qr/idle").await;
        body["qr"].is_string().then_some(())
    })
    .await;
    let idle_profile = sessions.join("session-idle").canonicalize().unwrap();
    assert!(!chromium_processes(&idle_profile).is_empty());
    let orphan = sessions.join("session-orphan");
    std::fs::create_dir_all(orphan.join("Default")).unwrap();
    std::fs::write(orphan.join("Default/Preferences"), b"{}").unwrap();

    let (status, text) = get_text(&lb, "/session/terminateInactive").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, FLUSHED));
    assert_eq!(folders(&sessions), linked.iter().cloned().collect());
    eventually(
        std::time::Duration::from_secs(15),
        "idle's Chromium to exit",
        async || chromium_processes(&idle_profile).is_empty().then_some(()),
    )
    .await;
    let (_, body) = lb.get("/session/getSessions").await;
    assert_eq!(body["result"], json!(linked), "{body}");
    for (i, id) in linked.iter().enumerate() {
        let (_, state) = lb.get(&format!("/session/status/{id}")).await;
        assert_eq!(state["state"], "CONNECTED", "{id}: {state}");
        assert_eq!(linked_devices(&sim, i).await, 1, "{id} still linked");
    }

    // --- A node dies. While the registry still lists it, terminateAll says it failed, and the
    // live nodes' sessions are gone already.
    let owner_of = owners(&lb).await;
    let doomed = &linked[2];
    let victim = (0..NODES)
        .find(|i| owner_of[doomed] == node_id(*i).as_str())
        .unwrap();
    nodes[victim].kill();
    let entry = (victim + 1) % NODES;
    let (status, body) = nodes[entry].get("/session/terminateAll").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["success"], false);
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("node {} is not answering", node_id(victim))),
        "{error}"
    );
    assert_eq!(folders(&sessions), BTreeSet::from([doomed.clone()]));

    // Once the registry has dropped it (its lease still there), terminateAll through nginx
    // completes: the dead node's session is waited out rather than taken over afterwards.
    eventually(
        std::time::Duration::from_secs(20),
        "the dead node to leave the registry",
        async || {
            let (_, body) = lb.get("/cluster/nodes").await;
            let listed = body["nodes"]
                .as_array()?
                .iter()
                .any(|n| n["id"] == node_id(victim).as_str());
            assert_eq!(
                body["sessions"][doomed],
                node_id(victim).as_str(),
                "lease still held"
            );
            (!listed).then_some(())
        },
    )
    .await;
    std::fs::create_dir_all(orphan.join("Default")).unwrap();
    let (status, text) = get_text(&lb, "/session/terminateAll").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, FLUSHED));
    assert_eq!(folders(&sessions), BTreeSet::new());
    for (i, node) in nodes.iter().enumerate().filter(|(_, n)| n.is_running()) {
        let (_, body) = node.get("/session/getSessions").await;
        assert_eq!(body["result"], json!([]), "{}: {body}", node_id(i));
        for id in &linked {
            let state = local_state(node, id).await;
            assert_eq!(
                state["message"],
                "session_not_found",
                "{}: {state}",
                node_id(i)
            );
        }
    }
    assert!(owners(&lb).await.is_empty(), "nothing should run any more");
    wait_no_chromium(&sessions).await;
    // Each live node logged its connected session out of WhatsApp before deleting it.
    for (i, id) in linked.iter().enumerate().filter(|(_, id)| *id != doomed) {
        assert_eq!(linked_devices(&sim, i).await, 0, "{id} logged out");
    }
}

async fn linked_devices(sim: &Sim, i: usize) -> u64 {
    let (_, account) = sim
        .control("GET", &format!("accounts/{}", phone(i)), None)
        .await;
    account["linkedDevices"]
        .as_u64()
        .expect("the simulator counts devices")
}
