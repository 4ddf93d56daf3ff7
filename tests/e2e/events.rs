//! Events raised by the simulated network reach the webhook and the WebSocket with
//! wwebjs-api's `dataType` and `data` shapes; media, DISABLED_CALLBACKS, and delivery that
//! survives a receiver outage without delaying other sessions.

use base64::Engine;
use serde_json::{Value, json};

use crate::support::*;

const ME: &str = "15550003001";
const FRIEND: &str = "15550003002";
const OTHER: &str = "15550003003";

fn assert_message_model(message: &Value) {
    for key in [
        "_data",
        "id",
        "ack",
        "hasMedia",
        "body",
        "type",
        "timestamp",
        "from",
        "to",
        "deviceType",
        "fromMe",
        "hasQuotedMsg",
        "mentionedIds",
        "links",
    ] {
        assert!(message.get(key).is_some(), "Message lacks {key}: {message}");
    }
    for key in ["fromMe", "remote", "id", "_serialized"] {
        assert!(
            message["id"].get(key).is_some(),
            "Message id lacks {key}: {message}"
        );
    }
    assert!(
        message["from"].is_string() && message["to"].is_string(),
        "event Wids are strings"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn network_events_reach_webhook_and_websocket() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("events");
    let mut env = Daemon::env_for(&sim, Some(&hook), &dir.0);
    env.insert("MAX_ATTACHMENT_SIZE".into(), "200000".into());
    env.insert("DISABLED_CALLBACKS".into(), "unread_count".into());
    let daemon = Daemon::start(env);
    let ws = WsClient::connect(&daemon, "ev").await;
    daemon.linked_session(&sim, "ev", ME, "Me").await;
    let my_chat = format!("{FRIEND}@c.us");

    // message + message_create, on the webhook and the WebSocket.
    sim.send(json!({"from": FRIEND, "to": ME, "body": "hello gateway"}))
        .await;
    let event = hook
        .wait_for("message", |b| {
            b["dataType"] == "message" && b["data"]["message"]["body"] == "hello gateway"
        })
        .await;
    assert_eq!(event["sessionId"], "ev");
    let message = &event["data"]["message"];
    assert_message_model(message);
    assert_eq!(message["from"], my_chat);
    assert_eq!(message["fromMe"], false);
    hook.wait_for("message_create", |b| {
        b["dataType"] == "message_create" && b["data"]["message"]["body"] == "hello gateway"
    })
    .await;
    eventually(WAIT, "message on the WebSocket", async || {
        ws.frames()
            .into_iter()
            .find(|f| f["dataType"] == "message" && f["data"]["message"]["body"] == "hello gateway")
    })
    .await;

    // Reaction, edit, revoke by the contact.
    let short_id = message["id"]["id"].as_str().unwrap().to_owned();
    sim.control(
        "POST",
        "reactions",
        Some(json!({"from": FRIEND, "messageId": short_id, "reaction": "👍"})),
    )
    .await;
    let reaction = hook.wait_event("ev", "message_reaction").await;
    assert_eq!(reaction["data"]["reaction"]["reaction"], "👍");
    for key in ["id", "timestamp", "msgId", "senderId"] {
        assert!(
            reaction["data"]["reaction"].get(key).is_some(),
            "Reaction lacks {key}: {reaction}"
        );
    }
    sim.control(
        "POST",
        "edit",
        Some(json!({"from": FRIEND, "messageId": short_id, "body": "hello again"})),
    )
    .await;
    let edit = hook.wait_event("ev", "message_edit").await;
    assert_eq!(edit["data"]["newBody"], "hello again");
    assert_eq!(edit["data"]["prevBody"], "hello gateway");
    sim.control(
        "POST",
        "revoke",
        Some(json!({"from": FRIEND, "messageId": short_id})),
    )
    .await;
    let revoke = hook.wait_event("ev", "message_revoke_everyone").await;
    assert_eq!(revoke["data"]["message"]["type"], "revoked");

    // Media: an image and a document below MAX_ATTACHMENT_SIZE come with `media`, same bytes.
    let image: Vec<u8> = (0..2000u32).map(|i| (i % 251) as u8).collect();
    let document = b"%PDF-1.4 small document".to_vec();
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    sim.send(json!({"from": FRIEND, "to": ME, "caption": "pic", "media": {"mimetype": "image/jpeg", "data": b64(&image), "filename": "pic.jpg"}})).await;
    sim.send(json!({"from": FRIEND, "to": ME, "media": {"mimetype": "application/pdf", "data": b64(&document), "filename": "doc.pdf"}})).await;
    for (mimetype, bytes) in [("image/jpeg", &image), ("application/pdf", &document)] {
        let media = hook
            .wait_for(&format!("media {mimetype}"), |b| {
                b["dataType"] == "media" && b["data"]["messageMedia"]["mimetype"] == mimetype
            })
            .await;
        let data = media["data"]["messageMedia"]["data"].as_str().unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap(),
            *bytes
        );
        assert_eq!(media["data"]["message"]["hasMedia"], true);
    }
    // Above MAX_ATTACHMENT_SIZE: `message`, but no `media`.
    let big = vec![7u8; 300_000];
    sim.send(json!({"from": FRIEND, "to": ME, "caption": "too big", "media": {"mimetype": "image/png", "data": b64(&big), "filename": "big.png"}})).await;
    hook.wait_for("big message", |b| {
        b["dataType"] == "message" && b["data"]["message"]["body"] == "too big"
    })
    .await;
    // The small ones' media came well before; give the big one the same time to (not) show.
    sim.send(json!({"from": FRIEND, "to": ME, "body": "after big"}))
        .await;
    hook.wait_for("message after big", |b| {
        b["dataType"] == "message" && b["data"]["message"]["body"] == "after big"
    })
    .await;
    assert_eq!(
        hook.of_type("media").len(),
        2,
        "no media event above MAX_ATTACHMENT_SIZE"
    );

    // A call.
    sim.control(
        "POST",
        "calls",
        Some(json!({"from": FRIEND, "to": ME, "isVideo": true})),
    )
    .await;
    let call = hook.wait_event("ev", "call").await;
    assert_eq!(call["data"]["call"]["from"], my_chat);
    assert_eq!(call["data"]["call"]["isVideo"], true);

    // Group events from gp2 notifications: being added, promoted, a subject change, a removal.
    let (_, group) = sim
        .control(
            "POST",
            "groups",
            Some(json!({"owner": FRIEND, "subject": "Team", "participants": [OTHER]})),
        )
        .await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    let participants =
        |action: &str, who: &str| json!({"by": FRIEND, "action": action, "participants": [who]});
    sim.control(
        "POST",
        &format!("groups/{group_id}/participants"),
        Some(participants("add", ME)),
    )
    .await;
    let join = hook.wait_event("ev", "group_join").await;
    assert_eq!(join["data"]["notification"]["chatId"], group_id);
    for key in [
        "id",
        "body",
        "type",
        "timestamp",
        "chatId",
        "author",
        "recipientIds",
    ] {
        assert!(
            join["data"]["notification"].get(key).is_some(),
            "GroupNotification lacks {key}: {join}"
        );
    }
    sim.control(
        "POST",
        &format!("groups/{group_id}/participants"),
        Some(participants("promote", ME)),
    )
    .await;
    hook.wait_event("ev", "group_admin_changed").await;
    sim.control(
        "POST",
        &format!("groups/{group_id}"),
        Some(json!({"by": FRIEND, "subject": "Team 2"})),
    )
    .await;
    hook.wait_for("subject update", |b| {
        b["dataType"] == "group_update" && b["data"]["notification"]["type"] == "subject"
    })
    .await;
    sim.control(
        "POST",
        &format!("groups/{group_id}/participants"),
        Some(participants("remove", OTHER)),
    )
    .await;
    hook.wait_event("ev", "group_leave").await;

    // DISABLED_CALLBACKS: none of the disabled type, on either channel.
    assert!(hook.of_type("unread_count").is_empty());
    assert!(ws.frames().iter().all(|f| f["dataType"] != "unread_count"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_outage_loses_nothing_and_a_hung_receiver_delays_no_one_else() {
    let sim = Sim::start().await;
    let flaky = WebhookReceiver::start().await;
    let hung = WebhookReceiver::start().await;
    let dir = TempDir::new("delivery");
    let mut env = Daemon::env_for(&sim, Some(&flaky), &dir.0);
    env.insert("SLOW_WEBHOOK_URL".into(), hung.url.clone());
    env.insert("WEBHOOK_TIMEOUT_MS".into(), "60000".into());
    let daemon = Daemon::start(env);
    hung.set_mode(Mode::Hang);
    daemon.start_session_for_qr("slow").await;
    daemon
        .linked_session(&sim, "fast", "15550003101", "Fast")
        .await;

    // The receiver is down while messages arrive, then comes back: all arrive, in order.
    flaky.set_mode(Mode::Fail);
    for i in 0..5 {
        sim.send(json!({"from": FRIEND, "to": "15550003101", "body": format!("m{i}")}))
            .await;
    }
    // Let deliveries fail, and be retried, for a while.
    eventually(WAIT, "refused deliveries", async || {
        (flaky.refused() >= 3).then_some(())
    })
    .await;
    flaky.set_mode(Mode::Accept);
    flaky
        .wait_for("the last message", |b| {
            b["dataType"] == "message" && b["data"]["message"]["body"] == "m4"
        })
        .await;
    let bodies: Vec<String> = flaky
        .of_type("message")
        .iter()
        .map(|b| {
            b["data"]["message"]["body"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        bodies,
        ["m0", "m1", "m2", "m3", "m4"],
        "every event, in order"
    );
    // Meanwhile the hung receiver of the other session got nothing through, and held no one up.
    assert!(hung.bodies().is_empty());
}
