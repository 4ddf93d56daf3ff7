//! The `/client` operations against the simulator: answers shaped like wwebjs-api's and their
//! effect on the simulated network (chat state, labels, profile, groups).

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};

use crate::support::*;

const ALICE: &str = "15550001111";
const BOB: &str = "15550002222";
const CAROL: &str = "15550003333";
/// Has more history with Alice than a new device gets (the sim sends the latest 200).
const DAVE: &str = "15550004444";
const BOB_ID: &str = "15550002222@c.us";

/// A small PNG, as base64.
fn png_base64() -> String {
    let image = image::RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 10) as u8, 128])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).unwrap();
    base64::engine::general_purpose::STANDARD.encode(png.into_inner())
}

async fn account(sim: &Sim, phone: &str) -> Value {
    sim.control("GET", &format!("accounts/{phone}"), None)
        .await
        .1
}

async fn chat_state(sim: &Sim, phone: &str, chat_id: &str) -> Value {
    account(sim, phone).await["chats"][chat_id].clone()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|item| {
            item["id"]["_serialized"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn client_operations() {
    let sim = Sim::start().await;
    let dir = TempDir::new("client");
    let daemon = Daemon::start(Daemon::env_for(&sim, None, &dir.0));

    // Alice runs WhatsApp Business with two labels; Bob and Carol write to her before she links.
    let (status, _) = sim
        .control(
            "POST",
            "accounts",
            Some(json!({"phone": ALICE, "pushname": "Alice", "business": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    sim.control(
        "POST",
        "accounts",
        Some(json!({"phone": BOB, "pushname": "Bob"})),
    )
    .await;
    sim.control(
        "POST",
        "accounts",
        Some(json!({"phone": CAROL, "pushname": "Carol"})),
    )
    .await;
    let (_, label) = sim
        .control(
            "POST",
            &format!("accounts/{ALICE}/labels"),
            Some(json!({"name": "New customer"})),
        )
        .await;
    let new_customer = label["id"].as_str().expect("label id").to_owned();
    let (_, label) = sim
        .control(
            "POST",
            &format!("accounts/{ALICE}/labels"),
            Some(json!({"name": "Paid", "color": 5})),
        )
        .await;
    let paid = label["id"].as_str().expect("label id").to_owned();
    let sent = sim
        .send(json!({"from": BOB, "to": ALICE, "body": "Here is the Invoice for May"}))
        .await;
    sim.send(json!({"from": CAROL, "to": ALICE, "body": "hi Alice"}))
        .await;
    for n in 0..205 {
        sim.send(json!({"from": DAVE, "to": ALICE, "body": format!("note {n}")}))
            .await;
    }
    let (_, group) = sim
        .control(
            "POST",
            "groups",
            Some(json!({"owner": BOB, "subject": "Team", "participants": [ALICE, CAROL]})),
        )
        .await;
    let team = group["id"].as_str().expect("group id").to_owned();
    daemon.linked_session(&sim, "s1", ALICE, "Alice").await;
    let path = |op: &str| format!("/client/{op}/s1");

    // The account and its page.
    let (_, body) = daemon.get(&path("getClassInfo")).await;
    assert_eq!(body["sessionInfo"]["platform"], "smba");
    assert_eq!(
        body["sessionInfo"]["wid"]["_serialized"],
        format!("{ALICE}@c.us")
    );
    let (_, body) = daemon.get(&path("getWWebVersion")).await;
    assert!(
        body["result"].as_str().is_some_and(|v| v.starts_with("2.")),
        "{body}"
    );
    let (status, body) = daemon.get(&path("getState")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"success": true, "state": "CONNECTED"})
        )
    );
    let (status, body) = daemon.get("/client/getState/nobody").await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "session_not_found"})
        )
    );
    let (status, _) = daemon.get("/client/getState/bad@name").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = daemon
        .post("/client/archiveChat/nobody", json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("session_not_found"))
    );

    // Chats: all of them, the unread ones, none since the future, one by id.
    let (_, body) = daemon.get(&path("getChats")).await;
    let chats = ids(&body["chats"]);
    for expected in [BOB_ID.to_owned(), format!("{CAROL}@c.us"), team.clone()] {
        assert!(chats.contains(&expected), "{expected} in {chats:?}");
    }
    let (_, body) = daemon
        .post(
            &path("getChats"),
            json!({"searchOptions": {"unread": true}}),
        )
        .await;
    assert!(ids(&body["chats"]).contains(&BOB_ID.to_owned()), "{body}");
    assert!(
        body["chats"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["unreadCount"] != 0),
        "{body}"
    );
    let (_, body) = daemon
        .post(
            &path("getChats"),
            json!({"searchOptions": {"since": 4102444800u64}}),
        )
        .await;
    assert_eq!(body["chats"], json!([]));
    let (status, _) = daemon
        .post(
            &path("getChats"),
            json!({"searchOptions": {"unread": "yes"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, body) = daemon
        .post(&path("getChatById"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body["chat"]["id"]["_serialized"], BOB_ID);
    assert_eq!(body["chat"]["isGroup"], false);
    assert_eq!(
        body["chat"]["lastMessage"]["body"],
        "Here is the Invoice for May"
    );
    let (_, body) = daemon
        .post(&path("getChatById"), json!({"chatId": team}))
        .await;
    assert_eq!(body["chat"]["groupMetadata"]["subject"], "Team");
    let (status, body) = daemon
        .post(&path("getChatById"), json!({"chatId": "999999@g.us"}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"success": false, "error": "Chat not found"})
        )
    );
    let (status, body) = daemon.post(&path("getChatById"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("chatId"), "{body}");

    // Archive, pin, mute: the answers and the account's chat state on the network.
    let (_, body) = daemon
        .post(&path("archiveChat"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(chat_state(&sim, ALICE, BOB_ID).await["archived"], true);
    let (_, body) = daemon
        .post(&path("getChatById"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body["chat"]["archived"], true);
    let (_, body) = daemon
        .post(&path("unarchiveChat"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body, json!({"success": true, "result": false}));
    assert_eq!(chat_state(&sim, ALICE, BOB_ID).await["archived"], false);
    let (status, body) = daemon
        .post(&path("archiveChat"), json!({"chatId": "999999@g.us"}))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::INTERNAL_SERVER_ERROR, &json!("Chat not found"))
    );

    let (_, body) = daemon
        .post(&path("pinChat"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body["result"], true);
    assert_eq!(chat_state(&sim, ALICE, BOB_ID).await["pinned"], true);
    let (_, body) = daemon
        .post(&path("unpinChat"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body, json!({"success": true, "result": false}));
    assert_eq!(chat_state(&sim, ALICE, BOB_ID).await["pinned"], false);
    // At most 3 pinned chats: the 4th is refused.
    let dave_id = format!("{DAVE}@c.us");
    let first_three = [BOB_ID.to_owned(), format!("{CAROL}@c.us"), team.clone()];
    for chat in &first_three {
        let (_, body) = daemon.post(&path("pinChat"), json!({"chatId": chat})).await;
        assert_eq!(body["result"], true, "{chat}");
    }
    let (_, body) = daemon
        .post(&path("pinChat"), json!({"chatId": dave_id}))
        .await;
    assert_eq!(body, json!({"success": true, "result": false}));
    assert_eq!(chat_state(&sim, ALICE, &dave_id).await["pinned"], false);
    for chat in &first_three {
        daemon
            .post(&path("unpinChat"), json!({"chatId": chat}))
            .await;
    }

    let until = 4102444800i64;
    let (_, body) = daemon
        .post(
            &path("muteChat"),
            json!({"chatId": BOB_ID, "unmuteDate": until.to_string()}),
        )
        .await;
    assert_eq!(body, json!({"success": true}));
    assert_eq!(
        chat_state(&sim, ALICE, BOB_ID).await["muteExpiration"],
        until
    );
    let (_, body) = daemon
        .post(&path("getChatById"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(
        (&body["chat"]["isMuted"], &body["chat"]["muteExpiration"]),
        (&json!(true), &json!(until))
    );
    let (_, body) = daemon
        .post(&path("unmuteChat"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(
        body,
        json!({"success": true, "result": {"isMuted": false, "muteExpiration": 0}})
    );
    assert_eq!(chat_state(&sim, ALICE, BOB_ID).await["muteExpiration"], 0);
    daemon
        .post(&path("muteChat"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(
        chat_state(&sim, ALICE, BOB_ID).await["muteExpiration"],
        -1,
        "no date mutes forever"
    );
    daemon
        .post(&path("unmuteChat"), json!({"chatId": BOB_ID}))
        .await;
    let (status, _) = daemon
        .post(
            &path("muteChat"),
            json!({"chatId": BOB_ID, "unmuteDate": "soon"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Unread and seen.
    let (_, body) = daemon
        .post(&path("sendSeen"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(chat_state(&sim, ALICE, BOB_ID).await["unreadCount"], 0);
    let (_, body) = daemon
        .post(&path("markChatUnread"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body, json!({"success": true}));
    assert_ne!(chat_state(&sim, ALICE, BOB_ID).await["unreadCount"], 0);
    let (_, body) = daemon
        .post(&path("sendSeen"), json!({"chatId": "999999@g.us"}))
        .await;
    assert_eq!(body["result"], false);

    // Labels (a business account): list, one, tag chats, chats by label, the chat's labels.
    let (_, body) = daemon.post(&path("getLabels"), json!({})).await;
    assert_eq!(
        body["labels"],
        json!([
            {"id": new_customer, "name": "New customer", "hexColor": "#ff9485"},
            {"id": paid, "name": "Paid", "hexColor": "#55ccb3"},
        ])
    );
    let (_, body) = daemon
        .post(&path("getLabelById"), json!({"labelId": paid}))
        .await;
    assert_eq!(body["label"]["name"], "Paid");
    let (status, body) = daemon
        .post(&path("getLabelById"), json!({"labelId": 999}))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::INTERNAL_SERVER_ERROR, &json!("Label not found"))
    );
    let (_, body) = daemon
        .post(
            &path("addOrRemoveLabels"),
            json!({"labelIds": [new_customer, paid], "chatIds": [BOB_ID]}),
        )
        .await;
    assert_eq!(body, json!({"success": true}));
    assert_eq!(
        chat_state(&sim, ALICE, BOB_ID).await["labels"],
        json!([new_customer, paid])
    );
    let (_, body) = daemon
        .post(&path("getChatLabels"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body["chatLabels"].as_array().unwrap().len(), 2, "{body}");
    let (_, body) = daemon
        .post(&path("getChatsByLabelId"), json!({"labelId": paid}))
        .await;
    assert_eq!(ids(&body["chats"]), vec![BOB_ID.to_owned()]);
    // The given labels stay, every other one goes; numeric ids are accepted.
    let numeric: i64 = new_customer.parse().unwrap();
    daemon
        .post(
            &path("addOrRemoveLabels"),
            json!({"labelIds": [numeric], "chatIds": [BOB_ID]}),
        )
        .await;
    assert_eq!(
        chat_state(&sim, ALICE, BOB_ID).await["labels"],
        json!([new_customer])
    );
    let (_, body) = daemon
        .post(&path("getChatsByLabelId"), json!({"labelId": paid}))
        .await;
    assert_eq!(body["chats"], json!([]));
    let (status, _) = daemon
        .post(
            &path("addOrRemoveLabels"),
            json!({"labelIds": "1", "chatIds": [BOB_ID]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Contacts, numbers and the blocklist.
    let (_, body) = daemon.get(&path("getContacts")).await;
    assert!(
        ids(&body["contacts"]).contains(&BOB_ID.to_owned()),
        "{body}"
    );
    let (_, body) = daemon
        .post(&path("getContactById"), json!({"contactId": BOB_ID}))
        .await;
    assert_eq!(
        (&body["contact"]["pushname"], &body["contact"]["number"]),
        (&json!("Bob"), &json!(BOB))
    );
    let (_, body) = daemon.post(&path("getBlockedContacts"), json!({})).await;
    assert_eq!(body["blockedContacts"], json!([]));
    sim.control(
        "POST",
        &format!("accounts/{ALICE}/block"),
        Some(json!({"phone": CAROL})),
    )
    .await;
    let blocked = eventually(WAIT, "Carol in the blocklist", async || {
        let (_, body) = daemon.post(&path("getBlockedContacts"), json!({})).await;
        let list = body["blockedContacts"].clone();
        (list.as_array().is_some_and(|l| !l.is_empty())).then_some(list)
    })
    .await;
    assert_eq!(ids(&blocked), vec![format!("{CAROL}@c.us")]);
    assert_eq!(blocked[0]["isBlocked"], true);
    let (_, body) = daemon
        .post(&path("getCommonGroups"), json!({"contactId": BOB_ID}))
        .await;
    assert_eq!(
        body["groups"],
        json!([{"server": "g.us", "user": team.trim_end_matches("@g.us"), "_serialized": team}])
    );
    let (_, body) = daemon
        .post(&path("getNumberId"), json!({"number": BOB}))
        .await;
    assert_eq!(body["result"]["_serialized"], BOB_ID);
    let (_, body) = daemon
        .post(&path("getNumberId"), json!({"number": "not-a-number"}))
        .await;
    assert_eq!(body, json!({"success": true, "result": null}));
    let (_, body) = daemon
        .post(&path("isRegisteredUser"), json!({"number": BOB_ID}))
        .await;
    assert_eq!(body["result"], true);
    let (_, body) = daemon
        .post(&path("isRegisteredUser"), json!({"number": "not-a-number"}))
        .await;
    assert_eq!(body["result"], false);
    let (status, _) = daemon
        .post(&path("isRegisteredUser"), json!({"number": 15550002222u64}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, body) = daemon
        .post(&path("getContactDeviceCount"), json!({"userId": BOB_ID}))
        .await;
    assert_eq!(body["result"], 1, "Bob has only his phone");
    let (_, body) = daemon
        .post(
            &path("getContactDeviceCount"),
            json!({"userId": format!("{ALICE}@c.us")}),
        )
        .await;
    assert_eq!(body["result"], 2, "Alice's phone and this linked device");
    let (_, body) = daemon
        .post(&path("getCountryCode"), json!({"number": "+15550002222"}))
        .await;
    assert_eq!(body["result"], "1");
    let (_, body) = daemon
        .post(&path("getFormattedNumber"), json!({"number": BOB_ID}))
        .await;
    assert!(
        body["result"]
            .as_str()
            .is_some_and(|n| n.starts_with('+') && n.contains("555")),
        "{body}"
    );
    let (_, body) = daemon
        .post(&path("getContactLidAndPhone"), json!({"userIds": [BOB_ID]}))
        .await;
    assert_eq!(body["data"][0]["pn"], BOB_ID);
    assert!(
        body["data"][0]["lid"]
            .as_str()
            .is_some_and(|l| l.ends_with("@lid")),
        "{body}"
    );
    let lid = body["data"][0]["lid"].as_str().unwrap().to_owned();
    let (_, body) = daemon
        .post(&path("getContactLidAndPhone"), json!({"userIds": lid}))
        .await;
    assert_eq!(body["data"], json!([{"lid": lid, "pn": BOB_ID}]));

    // The profile: display name, status, picture.
    let (_, body) = daemon
        .post(
            &path("setDisplayName"),
            json!({"displayName": "Alice Shop"}),
        )
        .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(account(&sim, ALICE).await["pushname"], "Alice Shop");
    let (_, body) = daemon.get(&path("getClassInfo")).await;
    assert_eq!(body["sessionInfo"]["pushname"], "Alice Shop");
    let (_, body) = daemon
        .post(&path("setStatus"), json!({"status": "Open 9-17"}))
        .await;
    assert_eq!(body, json!({"success": true}));
    assert_eq!(account(&sim, ALICE).await["about"], "Open 9-17");
    let (_, body) = daemon
        .post(
            &path("getProfilePicUrl"),
            json!({"contactId": format!("{ALICE}@c.us")}),
        )
        .await;
    assert_eq!(body, json!({"success": true}), "no picture, no result");
    let picture = json!({"pictureMimetype": "image/png", "pictureData": png_base64()});
    let (_, body) = daemon.post(&path("setProfilePicture"), picture).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(account(&sim, ALICE).await["profilePicture"], true);
    let (_, body) = daemon
        .post(
            &path("getProfilePicUrl"),
            json!({"contactId": format!("{ALICE}@c.us")}),
        )
        .await;
    assert!(
        body["result"]
            .as_str()
            .is_some_and(|url| url.starts_with("http")),
        "{body}"
    );
    let (status, _) = daemon
        .post(
            &path("setProfilePicture"),
            json!({"pictureMimetype": "text/plain", "pictureData": "aGk="}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, body) = daemon
        .request("DELETE", &path("deleteProfilePicture"), None, Some(API_KEY))
        .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    assert_eq!(account(&sim, ALICE).await["profilePicture"], false);

    // Groups: create one, look at an invite and accept it.
    let (_, body) = daemon
        .post(
            &path("createGroup"),
            json!({"title": "Shop", "participants": BOB_ID}),
        )
        .await;
    let created = body["response"]["gid"]["_serialized"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert_eq!(body["response"]["title"], "Shop");
    assert_eq!(body["response"]["participants"][BOB_ID]["statusCode"], 200);
    let (_, group) = sim.control("GET", &format!("groups/{created}"), None).await;
    assert_eq!(group["subject"], "Shop");
    let members: Vec<&str> = group["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["phone"].as_str())
        .collect();
    assert!(
        members.contains(&BOB) && members.contains(&ALICE),
        "{group}"
    );
    let (_, club) = sim
        .control(
            "POST",
            "groups",
            Some(json!({"owner": CAROL, "subject": "Club", "participants": [BOB]})),
        )
        .await;
    let club = club["id"].as_str().unwrap().to_owned();
    let (_, details) = sim.control("GET", &format!("groups/{club}"), None).await;
    let code = details["inviteCode"]
        .as_str()
        .expect("invite code")
        .to_owned();
    let (_, body) = daemon
        .post(&path("getInviteInfo"), json!({"inviteCode": code}))
        .await;
    assert_eq!(
        (
            &body["inviteInfo"]["subject"],
            &body["inviteInfo"]["id"]["_serialized"]
        ),
        (&json!("Club"), &json!(club))
    );
    let (status, _) = daemon
        .post(&path("getInviteInfo"), json!({"inviteCode": "nope"}))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (_, body) = daemon
        .post(&path("acceptInvite"), json!({"inviteCode": code}))
        .await;
    assert_eq!(body, json!({"success": true, "acceptInvite": club}));
    let (_, details) = sim.control("GET", &format!("groups/{club}"), None).await;
    assert!(
        details["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["phone"] == ALICE),
        "{details}"
    );

    // Messages: search, open the chat at one.
    let (_, body) = daemon
        .post(&path("searchMessages"), json!({"query": "invoice"}))
        .await;
    let found = body["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(found.len(), 1, "{body}");
    assert_eq!(found[0]["body"], "Here is the Invoice for May");
    assert_eq!(found[0]["id"]["id"], sent["shortId"]);
    let (_, body) = daemon
        .post(
            &path("searchMessages"),
            json!({"query": "hi", "options": {"chatId": BOB_ID}}),
        )
        .await;
    assert_eq!(body["messages"], json!([]), "Carol's hi is in another chat");
    let message_id = found[0]["id"]["_serialized"].as_str().unwrap().to_owned();
    let (_, body) = daemon
        .post(&path("openChatWindowAt"), json!({"messageId": message_id}))
        .await;
    assert_eq!(body, json!({"success": true}));
    let (status, body) = daemon
        .post(
            &path("openChatWindowAt"),
            json!({"messageId": "false_1@c.us_NOPE"}),
        )
        .await;
    assert_eq!(
        (status, &body["error"]),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!("Message not found")
        )
    );
    let (_, body) = daemon
        .post(&path("openChatWindow"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(body, json!({"success": true}));
    let (_, body) = daemon
        .post(&path("syncHistory"), json!({"chatId": BOB_ID}))
        .await;
    assert_eq!(
        body,
        json!({"success": true, "result": false}),
        "the device already has the whole chat"
    );
    let (_, body) = daemon
        .post(&path("syncHistory"), json!({"chatId": dave_id}))
        .await;
    assert_eq!(
        body,
        json!({"success": true, "result": true}),
        "the phone holds older notes"
    );
    let (_, body) = daemon
        .post(&path("syncHistory"), json!({"chatId": dave_id}))
        .await;
    assert_eq!(body["result"], false, "now the device has them all");

    // Presence and settings.
    for op in ["sendPresenceAvailable", "sendPresenceUnavailable"] {
        let (_, body) = daemon.post(&path(op), json!({})).await;
        assert_eq!(body, json!({"success": true}), "{op}");
    }
    for op in [
        "setAutoDownloadAudio",
        "setAutoDownloadDocuments",
        "setAutoDownloadPhotos",
        "setAutoDownloadVideos",
    ] {
        let (_, body) = daemon.post(&path(op), json!({"flag": false})).await;
        assert_eq!(body, json!({"success": true}), "{op}");
        let (status, _) = daemon.post(&path(op), json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{op} needs a flag");
    }
    let (_, body) = daemon.post(&path("setBackgroundSync"), json!({})).await;
    assert_eq!(body, json!({"success": true}));

    // runMethod: whitelisted library methods only.
    let (_, body) = daemon
        .post(
            &path("runMethod"),
            json!({"method": "getChatById", "options": BOB_ID}),
        )
        .await;
    assert_eq!(body["data"]["id"]["_serialized"], BOB_ID);
    let (_, body) = daemon
        .post(
            &path("runMethod"),
            json!({"method": "isRegisteredUser", "options": BOB}),
        )
        .await;
    assert_eq!(body, json!({"success": true, "data": true}));
    let (_, body) = daemon
        .post(&path("runMethod"), json!({"method": "getState"}))
        .await;
    assert_eq!(body, json!({"success": true, "data": "CONNECTED"}));
    let (status, body) = daemon
        .post(&path("runMethod"), json!({"method": "logout"}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"success": false, "error": "Method logout is not implemented"})
        )
    );
    let (status, _) = daemon
        .post(&path("runMethod"), json!({"method": "getChatById"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // resetState: WhatsApp Web reconnects and comes back CONNECTED.
    let (_, body) = daemon.post(&path("resetState"), json!({})).await;
    assert_eq!(body, json!({"success": true}));
    daemon.wait_connected("s1").await;

    // A personal account has no labels and cannot tag chats.
    daemon.linked_session(&sim, "s2", BOB, "Bob").await;
    let (_, body) = daemon.post("/client/getLabels/s2", json!({})).await;
    assert_eq!(body, json!({"success": true, "labels": []}));
    let (status, body) = daemon
        .post(
            "/client/addOrRemoveLabels/s2",
            json!({"labelIds": ["1"], "chatIds": [format!("{ALICE}@c.us")]}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"success": false, "error": "[LT01] Only Whatsapp business"})
        )
    );
}
