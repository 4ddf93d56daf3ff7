//! The demo of scripts/demo.sh, in a real browser: the gateway on the simulator with the same
//! settings as the script, the dashboard's simulator panel starts a session, scans it with a
//! simulated phone, a simulated contact writes, and the answer typed in the dashboard reaches
//! the contact's phone in the simulated network. Screenshot: target/test-artifacts/demo.png.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use axum::http::StatusCode;
use chromiumoxide::page::Page;
use futures::FutureExt;
use serde_json::{Value, json};

use crate::dashboard::{TestBrowser, click, eval, save_screenshot, type_into};
use crate::support::*;

const PHONE: &str = "15550001111";
const CONTACT: &str = "15550002222";
const HELLO: &str = "Hi! Is this the gateway demo?";
const ANSWER: &str = "Yes, answered from the dashboard";

/// The settings scripts/demo.sh gives the gateway.
fn demo_env(sim: &Sim, sessions: &std::path::Path) -> std::collections::HashMap<String, String> {
    let port = std::net::TcpListener::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    [
        ("ENV_PATH", "/dev/null".to_owned()),
        ("PORT", port.to_string()),
        ("API_KEY", API_KEY.to_owned()),
        ("WHATSAPP_WEB_URL", sim.url()),
        ("SESSIONS_PATH", sessions.display().to_string()),
        ("ENABLE_WEB_UI", "TRUE".to_owned()),
        ("ENABLE_SWAGGER_ENDPOINT", "TRUE".to_owned()),
        ("ENABLE_WEBSOCKET", "TRUE".to_owned()),
        ("ENABLE_LOCAL_CALLBACK_EXAMPLE", "TRUE".to_owned()),
        (
            "BASE_WEBHOOK_URL",
            format!("http://localhost:{port}/localCallbackExample"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_flow_in_the_dashboard() {
    let sim = Sim::start().await;
    let dir = TempDir::new("demo");
    let daemon = Daemon::start(demo_env(&sim, &dir.0));
    let browser = TestBrowser::launch().await;
    let outcome = AssertUnwindSafe(demo(&daemon, &sim, &browser.page))
        .catch_unwind()
        .await;
    browser.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

const PANEL_STATE: &str = r#"() => {
    const $ = (s) => document.querySelector(s);
    const items = (s) => Array.from(document.querySelectorAll(s + ' li'))
        .map((li) => ({ body: li.dataset.body, fromMe: li.dataset.fromMe === 'true' }));
    const row = document.querySelector('#sessions li[data-session-id="demo"] .state');
    return {
        simulator: document.body.dataset.simulator || null,
        panelVisible: !$('#sim-card').hidden,
        auth: document.body.dataset.auth,
        state: row ? row.textContent : null,
        qrVisible: !$('#qr-image').hidden,
        wid: $('#info-wid').textContent,
        message: $('#sim-message').textContent,
        chat: items('#sim-chat'),
        inbox: items('#sim-inbox'),
    };
}"#;

async fn wait_panel(page: &Page, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    let found = tokio::time::timeout(WAIT, async {
        loop {
            last = eval(page, PANEL_STATE).await;
            if done(&last) {
                return last.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("timed out waiting for {what}; the page shows {last}"))
}

async fn demo(daemon: &Daemon, sim: &Sim, page: &Page) {
    crate::dashboard::cdp(page.goto(daemon.url("/dashboard/"))).await;
    type_into(page, "#api-key", API_KEY).await;
    click(page, "#save-key").await;
    wait_panel(page, "the simulator panel", |s| {
        s["simulator"] == "true" && s["panelVisible"] == true && s["auth"] == "ok"
    })
    .await;

    type_into(page, "#new-session-id", "demo").await;
    click(page, "#start-session").await;
    wait_panel(page, "the QR code", |s| s["qrVisible"] == true).await;

    click(page, "#sim-scan").await;
    wait_panel(page, "the session CONNECTED", |s| {
        s["state"] == "CONNECTED" && s["wid"] == format!("{PHONE}@c.us")
    })
    .await;

    click(page, "#sim-send-incoming").await;
    wait_panel(page, "the contact's message in the chat", |s| {
        s["chat"]
            .as_array()
            .is_some_and(|c| c.iter().any(|m| m["body"] == HELLO && m["fromMe"] == false))
    })
    .await;

    type_into(page, "#sim-reply", ANSWER).await;
    click(page, "#sim-send-reply").await;
    let shown = wait_panel(page, "the answer on the contact's phone", |s| {
        s["inbox"]
            .as_array()
            .is_some_and(|i| i.iter().any(|m| m["body"] == ANSWER))
            && s["chat"]
                .as_array()
                .is_some_and(|c| c.iter().any(|m| m["body"] == ANSWER && m["fromMe"] == true))
    })
    .await;
    save_screenshot(page, "demo.png").await;

    // The simulated network agrees: the linked phone sent it to the contact.
    let sent = sim.sent(PHONE).await;
    assert!(
        sent.iter().any(
            |m| m["body"] == ANSWER && m["to"].as_str().is_some_and(|t| t.starts_with(CONTACT))
        ),
        "sent by {PHONE}: {sent:?}; page: {shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_routes_answer_only_against_a_simulator() {
    let not_a_sim = WebhookReceiver::start().await;
    let sim = Sim::start().await;
    let dir = TempDir::new("no-sim");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("WHATSAPP_WEB_URL".into(), not_a_sim.url.clone());
    let daemon = Daemon::start(env);
    let (status, body) = daemon.get("/simulator").await;
    assert_eq!(
        (status, body["simulator"].clone()),
        (StatusCode::OK, json!(false))
    );
    let (status, body) = daemon
        .post(
            "/simulator/messages",
            json!({"from": CONTACT, "to": PHONE, "body": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = daemon
        .get(&format!("/simulator/accounts/{CONTACT}/inbox"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Against the simulator: bad phones are named, and the call goes through.
    let env = Daemon::env_for(&sim, None, &dir.0);
    let daemon = Daemon::start(env);
    let (status, body) = daemon
        .post(
            "/simulator/messages",
            json!({"from": "12ab", "to": PHONE, "body": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = daemon
        .post(
            "/simulator/messages",
            json!({"from": CONTACT, "to": PHONE, "body": "hello"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = daemon
        .get(&format!("/simulator/accounts/{PHONE}/inbox"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["body"] == "hello"),
        "{body}"
    );
    let (status, body) = daemon
        .post("/simulator/scan/nosuch", json!({"phone": PHONE}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
