//! One bad item never fails a whole list: after lookups of garbage contact ids (which leave
//! models behind in WhatsApp Web's Contact collection), the contact lists still answer.
//! Fuzzing the API once made `GET /client/getContacts` answer 500 `no user <id>` (issue 13);
//! these lookups are a regression check of the lists, which now leave an unreadable item out.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn contact_lists_survive_garbage_lookups() {
    let sim = Sim::start().await;
    let dir = TempDir::new("lists");
    let daemon = Daemon::start(Daemon::env_for(&sim, None, &dir.0));
    daemon
        .linked_session(&sim, "lists", "15550001111", "Alice")
        .await;
    sim.send(json!({"from": "15550002222", "to": "15550001111", "body": "hi"}))
        .await;

    for garbage in [
        "0@c.us",
        "garbage@c.us",
        "x",
        "12345",
        "@c.us",
        "1@g.us",
        "ÿ@c.us",
        "abc@lid",
        "x@broadcast",
        "A@C.US",
        " 1@c.us",
        "abc@s.whatsapp.net",
        "1@newsletter",
        "a@b@c.us",
        "_",
    ] {
        // Whatever each lookup answers, it must not spoil the lists.
        for (path, body) in [
            (
                "/client/getContactById/lists",
                json!({"contactId": garbage}),
            ),
            ("/contact/getAbout/lists", json!({"contactId": garbage})),
            ("/contact/getChat/lists", json!({"contactId": garbage})),
            ("/contact/block/lists", json!({"contactId": garbage})),
            (
                "/client/getCommonGroups/lists",
                json!({"contactId": garbage}),
            ),
            (
                "/client/getProfilePicUrl/lists",
                json!({"contactId": garbage}),
            ),
            ("/client/getChatById/lists", json!({"chatId": garbage})),
            ("/client/isRegisteredUser/lists", json!({"number": garbage})),
            (
                "/client/sendMessage/lists",
                json!({"chatId": garbage, "contentType": "string", "content": "x"}),
            ),
        ] {
            daemon.post(path, body).await;
        }
    }
    let (status, body) = daemon.get("/client/getContacts/lists").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let contacts = body["contacts"].as_array().expect("a list");
    assert!(
        contacts
            .iter()
            .any(|c| c["id"]["_serialized"] == "15550002222@c.us"),
        "the real contact is still listed: {body}"
    );
    let (status, body) = daemon
        .post("/client/getBlockedContacts/lists", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
