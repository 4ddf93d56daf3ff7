//! The `/contact` operations against the simulated network: profile, about, blocking (seen in
//! the account's block list), the chat, number formatting, picture and common groups; unknown
//! contacts and bad bodies.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const ALICE: &str = "15550001111";
const BOB: &str = "15550002222";
const CAROL: &str = "15550003333";

fn jid(phone: &str) -> String {
    format!("{phone}@c.us")
}

#[tokio::test(flavor = "multi_thread")]
async fn contact_operations() {
    let sim = Sim::start().await;
    let dir = TempDir::new("contact");
    let daemon = Daemon::start(Daemon::env_for(&sim, None, &dir.0));
    let (status, _) = sim
        .control(
            "POST",
            "accounts",
            Some(json!({"phone": BOB, "pushname": "Bob", "about": "At the gym"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Bob wrote before the link, so the device syncs his profile with the chat.
    sim.send(json!({"from": BOB, "to": ALICE, "body": "hi Alice"}))
        .await;
    daemon.linked_session(&sim, "s1", ALICE, "Alice").await;
    let post = async |op: &str, contact: &str| {
        daemon
            .post(&format!("/contact/{op}/s1"), json!({"contactId": contact}))
            .await
    };

    // getClassInfo: the whatsapp-web.js Contact.
    let (status, body) = post("getClassInfo", &jid(BOB)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let contact = &body["contact"];
    assert_eq!(contact["id"]["_serialized"], jid(BOB));
    assert_eq!(contact["number"], BOB);
    assert_eq!(contact["pushname"], "Bob", "{body}");
    assert_eq!(
        (
            contact["isUser"].clone(),
            contact["isGroup"].clone(),
            contact["isMe"].clone()
        ),
        (json!(true), json!(false), json!(false))
    );
    assert_eq!(contact["isBlocked"], false);

    // block / unblock: the account's block list on the network, and the contact's flag.
    let (status, body) = post("block", &jid(BOB)).await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({"success": true, "result": true}))
    );
    let (_, account) = sim.control("GET", &format!("accounts/{ALICE}"), None).await;
    assert_eq!(account["blocked"], json!([BOB]), "{account}");
    eventually(WAIT, "isBlocked after block", async || {
        let (_, body) = post("getClassInfo", &jid(BOB)).await;
        (body["contact"]["isBlocked"] == true).then_some(())
    })
    .await;
    let (status, body) = post("unblock", &jid(BOB)).await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({"success": true, "result": true}))
    );
    let (_, account) = sim.control("GET", &format!("accounts/{ALICE}"), None).await;
    assert_eq!(account["blocked"], json!([]), "{account}");

    // getAbout: the about text Bob set on the network.
    let (status, body) = post("getAbout", &jid(BOB)).await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::OK,
            &json!({"success": true, "result": "At the gym"})
        )
    );

    // getChat: the chat with Bob; the account's own contact has none (null is kept).
    let (status, body) = post("getChat", &jid(BOB)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"]["id"]["_serialized"], jid(BOB));
    assert_eq!(body["result"]["isGroup"], false);
    let (status, body) = post("getChat", &jid(ALICE)).await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({"success": true, "result": null}))
    );

    // Number helpers.
    let (_, body) = post("getFormattedNumber", &jid(BOB)).await;
    assert_eq!(body, json!({"success": true, "result": format!("+{BOB}")}));
    let (_, body) = post("getCountryCode", &jid(BOB)).await;
    assert_eq!(body, json!({"success": true, "result": "1"}));

    // getProfilePicUrl: Bob has no picture, which answers null (not an absent key).
    let (status, body) = post("getProfilePicUrl", &jid(BOB)).await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({"success": true, "result": null}))
    );

    // getCommonGroups: a group Bob creates with Alice and Carol in it.
    let (status, group) = sim
        .control(
            "POST",
            "groups",
            Some(json!({"owner": BOB, "subject": "Climbing", "participants": [ALICE, CAROL]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    eventually(WAIT, "the group reaches the device", async || {
        let (status, _) = daemon
            .post("/groupChat/getClassInfo/s1", json!({"chatId": gid}))
            .await;
        (status == StatusCode::OK).then_some(())
    })
    .await;
    let (status, body) = post("getCommonGroups", &jid(BOB)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ids: Vec<Value> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["_serialized"].clone())
        .collect();
    assert_eq!(ids, vec![json!(gid)]);

    // Unknown contacts and bad bodies.
    for op in [
        "getClassInfo",
        "block",
        "getAbout",
        "getChat",
        "getCommonGroups",
    ] {
        let (status, body) = post(op, "not-a-number@c.us").await;
        assert_eq!(
            (status, &body),
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"success": false, "error": "Contact not found"})
            ),
            "{op}"
        );
    }
    let (status, body) = daemon.post("/contact/getClassInfo/s1", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("contactId"),
        "{body}"
    );
    let (status, _) = daemon
        .post("/contact/block/s1", json!({"contactId": 15550002222u64}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, body) = daemon
        .post(
            "/contact/getClassInfo/nobody",
            json!({"contactId": jid(BOB)}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("session_not_found"))
    );
}
