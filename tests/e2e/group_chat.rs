//! The `/groupChat` operations against the simulated network: participants (with the legacy
//! `contactIds`), invite codes, subject, description, settings, picture, membership requests and
//! leaving, each seen in `GET /_sim/groups/<id>` and as the group webhook it raises; runMethod,
//! non-groups, unknown chats and bad bodies.

use std::io::Cursor;

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};

use crate::support::*;

const ALICE: &str = "15550001111";
const BOB: &str = "15550002222";
const CAROL: &str = "15550003333";
const DAVE: &str = "15550004444";
const ERIN: &str = "15550005555";

fn jid(phone: &str) -> String {
    format!("{phone}@c.us")
}

/// A small PNG, as base64.
fn picture() -> String {
    let image = image::RgbImage::from_fn(40, 30, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 8) as u8, 128])
    });
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(png)
}

/// Waits for the group webhook `data_type` of `subtype` in group `gid`; returns its notification.
async fn group_event(hook: &WebhookReceiver, data_type: &str, subtype: &str, gid: &str) -> Value {
    let event = hook
        .wait_for(&format!("{data_type} {subtype}"), |b| {
            b["dataType"] == data_type
                && b["data"]["notification"]["type"] == subtype
                && b["data"]["notification"]["chatId"] == gid
        })
        .await;
    event["data"]["notification"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn group_chat_operations() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("group");
    let daemon = Daemon::start(Daemon::env_for(&sim, Some(&hook), &dir.0));
    daemon.linked_session(&sim, "s1", ALICE, "Alice").await;
    let (status, group) = sim
        .control(
            "POST",
            "groups",
            Some(json!({"owner": ALICE, "subject": "Team", "participants": [BOB]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let group_state = async || sim.control("GET", &format!("groups/{gid}"), None).await.1;
    let post =
        async |op: &str, body: Value| daemon.post(&format!("/groupChat/{op}/s1"), body).await;
    let chat_only = json!({"chatId": gid});

    // getClassInfo: the whatsapp-web.js GroupChat, once the device knows the group.
    let body = eventually(WAIT, "the group reaches the device", async || {
        let (status, body) = post("getClassInfo", chat_only.clone()).await;
        (status == StatusCode::OK).then_some(body)
    })
    .await;
    let chat = &body["chat"];
    assert_eq!(
        (chat["isGroup"].clone(), chat["name"].clone()),
        (json!(true), json!("Team")),
        "{body}"
    );
    assert_eq!(
        chat["groupMetadata"]["participants"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{body}"
    );
    assert_eq!(chat["groupMetadata"]["owner"]["_serialized"], jid(ALICE));

    // addParticipants: one id as a string; an existing member answers 409 (legacy contactIds).
    let (status, body) = post(
        "addParticipants",
        json!({"chatId": gid, "participantIds": jid(CAROL)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["result"][jid(CAROL)],
        json!({"code": 200, "message": "The participant was added successfully", "isInviteV4Sent": false})
    );
    let members: Vec<Value> = group_state().await["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["phone"].clone())
        .collect();
    assert_eq!(members, [json!(ALICE), json!(BOB), json!(CAROL)]);
    let joined = group_event(&hook, "group_join", "add", &gid).await;
    assert_eq!(joined["recipientIds"], json!([jid(CAROL)]));
    assert_eq!(joined["author"], jid(ALICE));
    let (_, body) = post(
        "addParticipants",
        json!({"chatId": gid, "contactIds": [jid(BOB)], "options": {"sleep": 0}}),
    )
    .await;
    assert_eq!(body["result"][jid(BOB)]["code"], 409, "{body}");
    assert_eq!(
        body["result"][jid(BOB)]["message"],
        "The participant is already a group member"
    );

    // promote / demote: admin flags on the network and group_admin_changed.
    let (_, body) = post(
        "promoteParticipants",
        json!({"chatId": gid, "participantIds": [jid(CAROL)]}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "result": {"status": 200}}));
    assert_eq!(group_state().await["participants"][2]["isAdmin"], true);
    let promoted = group_event(&hook, "group_admin_changed", "promote", &gid).await;
    assert_eq!(promoted["recipientIds"], json!([jid(CAROL)]));
    let (_, body) = post(
        "demoteParticipants",
        json!({"chatId": gid, "contactIds": jid(CAROL)}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "result": {"status": 200}}));
    assert_eq!(group_state().await["participants"][2]["isAdmin"], false);
    group_event(&hook, "group_admin_changed", "demote", &gid).await;

    // removeParticipants: Carol is out; group_leave.
    let (_, body) = post(
        "removeParticipants",
        json!({"chatId": gid, "participantIds": [jid(CAROL)]}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "result": {"status": 200}}));
    assert_eq!(
        group_state().await["participants"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let removed = group_event(&hook, "group_leave", "remove", &gid).await;
    assert_eq!(removed["recipientIds"], json!([jid(CAROL)]));

    // Invite code, then a revoked one.
    let (_, body) = post("getInviteCode", chat_only.clone()).await;
    let code = body["inviteCode"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_eq!(group_state().await["inviteCode"], code);
    let (_, body) = post("revokeInvite", chat_only.clone()).await;
    let new_code = body["result"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_ne!(new_code, code);
    assert_eq!(group_state().await["inviteCode"], new_code);

    // Subject and description: group_update.
    let (_, body) = post("setSubject", json!({"chatId": gid, "subject": "Team 2"})).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(group_state().await["subject"], "Team 2");
    assert_eq!(
        group_event(&hook, "group_update", "subject", &gid).await["body"],
        "Team 2"
    );
    let (_, body) = post(
        "setDescription",
        json!({"chatId": gid, "description": "Plans for the week"}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(group_state().await["desc"], "Plans for the week");
    group_event(&hook, "group_update", "description", &gid).await;

    // Settings: adminsOnly defaults to true.
    let (_, body) = post("setMessagesAdminsOnly", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(group_state().await["announce"], true);
    group_event(&hook, "group_update", "announce", &gid).await;
    let (_, body) = post(
        "setMessagesAdminsOnly",
        json!({"chatId": gid, "adminsOnly": false}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(group_state().await["announce"], false);
    let (_, body) = post(
        "setInfoAdminsOnly",
        json!({"chatId": gid, "adminsOnly": true}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(group_state().await["restrict"], true);
    group_event(&hook, "group_update", "restrict", &gid).await;

    // Picture: set (an admin may, even with restricted info), then deleted.
    let (status, body) = post(
        "setPicture",
        json!({"chatId": gid, "pictureMimeType": "image/png", "pictureData": picture()}),
    )
    .await;
    assert_eq!(
        (status, &body),
        (StatusCode::OK, &json!({"success": true, "result": true}))
    );
    assert_eq!(group_state().await["picture"], true);
    group_event(&hook, "group_update", "picture", &gid).await;
    let (_, body) = post("deletePicture", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(group_state().await["picture"], false);
    let (status, body) = post(
        "setPicture",
        json!({"chatId": gid, "pictureMimeType": "image/png"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("pictureData"),
        "{body}"
    );

    // Membership requests: Dave and Erin ask; Dave is approved by id, the rest rejected.
    for phone in [DAVE, ERIN] {
        let (status, answer) = sim
            .control(
                "POST",
                &format!("groups/{gid}/participants"),
                Some(json!({"by": phone, "action": "request"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    hook.wait_for("group_membership_request", |b| {
        b["dataType"] == "group_membership_request"
    })
    .await;
    let requests = eventually(WAIT, "two membership requests on the device", async || {
        let (_, body) = post("getGroupMembershipRequests", chat_only.clone()).await;
        (body["result"].as_array().map(Vec::len) == Some(2)).then_some(body["result"].clone())
    })
    .await;
    assert_eq!(requests[0]["id"]["_serialized"], jid(DAVE));
    let (_, body) = post(
        "approveGroupMembershipRequests",
        json!({"chatId": gid, "options": {"requesterIds": [jid(DAVE)]}}),
    )
    .await;
    assert_eq!(
        body,
        json!({"success": true, "result": [{"requesterId": jid(DAVE), "message": "Approved successfully"}]})
    );
    let state = group_state().await;
    assert!(
        state["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["phone"] == DAVE),
        "{state}"
    );
    assert_eq!(state["membershipRequests"], json!([ERIN]));
    hook.wait_for("Dave joins", |b| {
        b["dataType"] == "group_join"
            && b["data"]["notification"]["recipientIds"] == json!([jid(DAVE)])
    })
    .await;
    eventually(WAIT, "Erin's request alone on the device", async || {
        let (_, body) = post("getGroupMembershipRequests", chat_only.clone()).await;
        (body["result"].as_array().map(Vec::len) == Some(1)).then_some(())
    })
    .await;
    let (_, body) = post(
        "rejectGroupMembershipRequests",
        json!({"chatId": gid, "options": {"sleep": 0}}),
    )
    .await;
    assert_eq!(
        body,
        json!({"success": true, "result": [{"requesterId": jid(ERIN), "message": "Rejected successfully"}]})
    );
    let state = group_state().await;
    assert_eq!(state["membershipRequests"], json!([]));
    assert!(
        !state["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["phone"] == ERIN),
        "{state}"
    );

    // runMethod: whitelisted GroupChat methods only.
    let (_, body) = post(
        "runMethod",
        json!({"chatId": gid, "method": "getInviteCode"}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "data": new_code}));
    let (_, body) = post(
        "runMethod",
        json!({"chatId": gid, "method": "setSubject", "options": "Team 3"}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "data": true}));
    assert_eq!(group_state().await["subject"], "Team 3");
    let (status, body) = post("runMethod", json!({"chatId": gid, "method": "destroy"})).await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"success": false, "error": "Method is not implemented"})
        )
    );

    // Not a group, unknown chats, bad bodies.
    let (status, body) = post("getClassInfo", json!({"chatId": jid(BOB)})).await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"success": false, "error": "The chat is not a group"})
        )
    );
    let (status, body) = post("setSubject", json!({"chatId": jid(BOB), "subject": "x"})).await;
    assert_eq!(
        (status, &body["error"]),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!("The chat is not a group")
        )
    );
    for op in ["getClassInfo", "leave", "getInviteCode"] {
        let (status, body) = post(op, json!({"chatId": "999999999@g.us"})).await;
        assert_eq!(
            (status, &body),
            (
                StatusCode::NOT_FOUND,
                &json!({"success": false, "error": "Chat not Found"})
            ),
            "{op}"
        );
    }
    let (status, body) = post("addParticipants", chat_only.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"].as_str().unwrap().contains("participantIds"),
        "{body}"
    );
    let (status, _) = post(
        "setInfoAdminsOnly",
        json!({"chatId": gid, "adminsOnly": "yes"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // leave: no result (whatsapp-web.js returns nothing); Alice is out; group_leave.
    let (_, body) = post("leave", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true}));
    let state = group_state().await;
    assert!(
        !state["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["phone"] == ALICE),
        "{state}"
    );
    let left = group_event(&hook, "group_leave", "leave", &gid).await;
    assert_eq!(left["recipientIds"], json!([jid(ALICE)]));
}
