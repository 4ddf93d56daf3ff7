//! Channels (newsletters): the 17 `/channel` operations and the six channel operations of
//! `/client`, against channels of the session's own account and of other simulated accounts,
//! checked in the answers and in the simulated network.

use axum::http::{StatusCode, header};
use base64::Engine;
use serde_json::{Value, json};

use crate::support::*;

const ALICE: &str = "15550001111";
const BOB: &str = "15550002222";
const CAROL: &str = "15550003333";

/// A 2x2 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==";

async fn channel_state(sim: &Sim, id: &str) -> Value {
    let (status, body) = sim.control("GET", &format!("channels/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "channel {id}: {body}");
    body
}

fn has_phone(list: &Value, phone: &str) -> bool {
    list.as_array()
        .is_some_and(|l| l.iter().any(|p| p == phone))
}

fn png_bytes() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(PNG)
        .unwrap()
}

/// Serves the PNG at `<url>/dot.png` on loopback; returns `<url>`.
async fn serve_png() -> String {
    let png = png_bytes();
    let files = axum::Router::new().route(
        "/files/dot.png",
        axum::routing::get(
            move || async move { ([(header::CONTENT_TYPE, "image/png")], png.clone()) },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/files", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, files).await });
    url
}

/// The channel's post of this message on the network, and the bytes of its media there.
async fn media_post(sim: &Sim, channel: &str, message: &Value) -> (Value, Vec<u8>) {
    let posts = channel_state(sim, channel).await["posts"].clone();
    let post = posts
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == message["id"]["id"])
        .unwrap_or_else(|| panic!("no post {} in {posts}", message["id"]))
        .clone();
    let path = post["directPath"]
        .as_str()
        .expect("a media post")
        .to_owned();
    let url = format!("{}{path}", sim.url().trim_end_matches('/'));
    let bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    (post, bytes.to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn channels_end_to_end() {
    let sim = Sim::start().await;
    let dir = TempDir::new("channel");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    // The picture URL below is served by the simulator on loopback.
    env.insert("MEDIA_FETCH_ALLOW_PRIVATE".into(), "true".into());
    let daemon = Daemon::start(env);

    // Bob is in Alice's address book; Carol runs a channel of her own with one post.
    sim.control(
        "POST",
        "accounts",
        Some(json!({"phone": BOB, "pushname": "Bob"})),
    )
    .await;
    sim.control(
        "POST",
        &format!("accounts/{ALICE}/contacts"),
        Some(json!({"phone": BOB, "name": "Bob"})),
    )
    .await;
    let (status, carol) = sim
        .control("POST", "channels", Some(json!({"owner": CAROL, "name": "Carol's Recipes", "description": "Cooking every day"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{carol}");
    let carol_id = carol["id"].as_str().unwrap().to_owned();
    let carol_code = carol["inviteCode"].as_str().unwrap().to_owned();
    let (status, _) = sim
        .control(
            "POST",
            &format!("channels/{carol_id}/messages"),
            Some(json!({"from": CAROL, "body": "Pancakes today"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    daemon.linked_session(&sim, "s1", ALICE, "Alice").await;

    // createChannel: whatsapp-web.js's result, and the channel on the network.
    let (status, body) = daemon
        .post(
            "/client/createChannel/s1",
            json!({"title": "Alice News", "options": {"description": "Daily", "picture": {"mimetype": "image/png", "data": PNG}}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let created = &body["result"];
    assert_eq!(created["title"], "Alice News");
    let id = created["nid"]["_serialized"]
        .as_str()
        .expect("nid")
        .to_owned();
    assert!(id.ends_with("@newsletter"), "{id}");
    assert_eq!(created["nid"]["server"], "newsletter");
    assert!(
        created["inviteLink"]
            .as_str()
            .unwrap()
            .starts_with("https://whatsapp.com/channel/")
    );
    assert!(created["createdAtTs"].as_u64().unwrap() > 0);
    let state = channel_state(&sim, &id).await;
    assert_eq!(
        (state["owner"].as_str(), state["name"].as_str()),
        (Some(ALICE), Some("Alice News"))
    );
    assert_eq!(state["description"], "Daily");
    let first_picture = state["picture"]
        .as_str()
        .expect("the picture was set")
        .to_owned();

    // getClassInfo: the Channel JSON.
    let channel = eventually(WAIT, "the new channel", async || {
        let (status, body) = daemon
            .post("/channel/getClassInfo/s1", json!({"chatId": id}))
            .await;
        (status == StatusCode::OK).then_some(body["channel"].clone())
    })
    .await;
    assert_eq!(channel["id"]["_serialized"], id.as_str());
    assert_eq!(
        (channel["name"].as_str(), channel["description"].as_str()),
        (Some("Alice News"), Some("Daily"))
    );
    assert_eq!(
        (channel["isChannel"].as_bool(), channel["isGroup"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(channel["channelMetadata"]["membershipType"], "owner");
    assert_eq!(
        channel["channelMetadata"]["inviteCode"],
        created["inviteLink"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
    );
    assert!(channel["channelMetadata"]["createdAtTs"].as_u64().is_some());
    assert_eq!(channel["isMuted"], false);

    // Subject, description, pictures (media, then a URL), reactions.
    let (_, body) = daemon
        .post(
            "/channel/setSubject/s1",
            json!({"chatId": id, "newSubject": "Alice Daily"}),
        )
        .await;
    assert_eq!(body, json!({"success": true, "result": true}));
    let (_, body) = daemon
        .post(
            "/channel/setDescription/s1",
            json!({"chatId": id, "newDescription": "News every day"}),
        )
        .await;
    assert_eq!(body["result"], true);
    let state = channel_state(&sim, &id).await;
    assert_eq!(
        (state["name"].as_str(), state["description"].as_str()),
        (Some("Alice Daily"), Some("News every day"))
    );
    let (_, body) = daemon
        .post(
            "/channel/setProfilePicture/s1",
            json!({"chatId": id, "newProfilePictureMedia": {"mimetype": "image/png", "data": PNG}}),
        )
        .await;
    assert_eq!(body["result"], true, "{body}");
    let second_picture = channel_state(&sim, &id).await["picture"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(second_picture, first_picture);
    let picture_url = format!("{}{}", sim.url().trim_end_matches('/'), second_picture);
    let (_, body) = daemon
        .post(
            "/channel/setProfilePicture/s1",
            json!({"chatId": id, "newProfilePictureUrl": picture_url}),
        )
        .await;
    assert_eq!(body["result"], true, "{body}");
    assert_ne!(
        channel_state(&sim, &id).await["picture"].as_str().unwrap(),
        second_picture
    );
    let (_, body) = daemon
        .post(
            "/channel/setReactionSetting/s1",
            json!({"chatId": id, "reactionCode": 1}),
        )
        .await;
    assert_eq!(body["result"], true);
    assert_eq!(channel_state(&sim, &id).await["reactionCodesSetting"], 1);
    let (_, body) = daemon
        .post(
            "/channel/setReactionSetting/s1",
            json!({"chatId": id, "reactionCode": 7}),
        )
        .await;
    assert_eq!(body["result"], false);
    let (_, body) = daemon
        .post("/channel/getClassInfo/s1", json!({"chatId": id}))
        .await;
    assert_eq!(body["channel"]["name"], "Alice Daily");
    assert_eq!(body["channel"]["description"], "News every day");

    // A post: the Message answer, the post on the network, then fetchMessages.
    let (status, body) = daemon
        .post(
            "/channel/sendMessage/s1",
            json!({"chatId": id, "contentType": "string", "content": "Hello subscribers"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let message = &body["message"];
    assert_eq!(
        (message["body"].as_str(), message["fromMe"].as_bool()),
        (Some("Hello subscribers"), Some(true))
    );
    assert_eq!(message["ack"], 1);
    assert!(message["_data"]["serverId"].as_u64().is_some(), "{message}");
    let posts = channel_state(&sim, &id).await["posts"].clone();
    assert_eq!(posts.as_array().unwrap().len(), 1);
    assert_eq!(
        (posts[0]["body"].as_str(), posts[0]["author"].as_str()),
        (Some("Hello subscribers"), Some(ALICE))
    );
    assert_eq!(posts[0]["id"], message["id"]["id"]);
    let (_, body) = daemon
        .post(
            "/channel/fetchMessages/s1",
            json!({"chatId": id, "searchOptions": {"limit": 10}}),
        )
        .await;
    let bodies: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(bodies, ["Hello subscribers"]);
    let (_, body) = daemon
        .post(
            "/channel/fetchMessages/s1",
            json!({"chatId": id, "searchOptions": {"fromMe": false}}),
        )
        .await;
    assert_eq!(body["messages"], json!([]));

    // Media posts: the file is uploaded unencrypted and posted by its handle; its bytes are
    // on the network. MessageMedia, a string with options.media, and MessageMediaFromURL
    // (fetched by the gateway from a loopback server, allowed by MEDIA_FETCH_ALLOW_PRIVATE).
    let png = png_bytes();
    let files_url = serve_png().await;
    for (request, caption, filename) in [
        (
            json!({"chatId": id, "contentType": "MessageMedia", "content": {"mimetype": "image/png", "data": PNG, "filename": "dot.png"}, "options": {"caption": "A dot"}}),
            "A dot",
            "dot.png",
        ),
        (
            json!({"chatId": id, "contentType": "string", "content": "Another dot", "options": {"media": {"mimetype": "image/png", "data": PNG, "filename": "other.png"}}}),
            "Another dot",
            "other.png",
        ),
        (
            json!({"chatId": id, "contentType": "MessageMediaFromURL", "content": format!("{files_url}/dot.png"), "options": {"caption": "From a URL"}}),
            "From a URL",
            "dot.png",
        ),
    ] {
        let (status, body) = daemon.post("/channel/sendMessage/s1", request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let message = &body["message"];
        assert_eq!(
            (
                message["type"].as_str(),
                message["body"].as_str(),
                message["hasMedia"].as_bool(),
                message["ack"].as_i64()
            ),
            (Some("image"), Some(caption), Some(true), Some(1)),
            "{message}"
        );
        let (post, bytes) = media_post(&sim, &id, message).await;
        assert_eq!(bytes, png, "{post}");
        assert_eq!(
            (
                post["type"].as_str(),
                post["caption"].as_str(),
                post["author"].as_str()
            ),
            (Some("image"), Some(caption), Some(ALICE))
        );
        let media = &post["media"];
        assert_eq!(
            (
                media["mimetype"].as_str(),
                media["filename"].as_str(),
                media["size"].as_u64()
            ),
            (Some("image/png"), Some(filename), Some(png.len() as u64)),
            "{post}"
        );
    }

    // Mute, unmute, seen.
    let (_, body) = daemon.post("/channel/mute/s1", json!({"chatId": id})).await;
    assert_eq!(body["result"], true);
    assert!(has_phone(&channel_state(&sim, &id).await["muted"], ALICE));
    let (_, body) = daemon
        .post("/channel/getClassInfo/s1", json!({"chatId": id}))
        .await;
    assert_eq!(
        (
            body["channel"]["isMuted"].as_bool(),
            body["channel"]["muteExpiration"].as_i64()
        ),
        (Some(true), Some(-1))
    );
    let (_, body) = daemon
        .post("/channel/unmute/s1", json!({"chatId": id}))
        .await;
    assert_eq!(body["result"], true);
    assert!(!has_phone(&channel_state(&sim, &id).await["muted"], ALICE));
    let (_, body) = daemon
        .post("/channel/sendSeen/s1", json!({"chatId": id}))
        .await;
    assert_eq!(body, json!({"success": true, "result": true}));

    // Carol's channel: found by invite code, in the directory, subscribed to and left.
    let (_, body) = daemon
        .post(
            "/client/getChannelByInviteCode/s1",
            json!({"inviteCode": carol_code}),
        )
        .await;
    let found = &body["result"];
    assert_eq!(
        (found["id"]["_serialized"].as_str(), found["name"].as_str()),
        (Some(carol_id.as_str()), Some("Carol's Recipes"))
    );
    assert_eq!(found["channelMetadata"]["membershipType"], "guest");
    assert_eq!(found["lastMessage"]["body"], "Pancakes today");
    let (status, body) = daemon
        .post(
            "/client/getChannelByInviteCode/s1",
            json!({"inviteCode": "NoSuchCode0000"}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"success": true})));
    let (_, body) = daemon
        .post(
            "/client/searchChannels/s1",
            json!({"searchOptions": {"searchText": "recipes"}}),
        )
        .await;
    let names: Vec<&str> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Carol's Recipes"], "{body}");
    let (_, body) = daemon
        .post(
            "/client/searchChannels/s1",
            json!({"searchOptions": {"searchText": "nothing like this"}}),
        )
        .await;
    assert_eq!(body["result"], json!([]));
    let (_, body) = daemon.post("/client/searchChannels/s1", json!({})).await;
    assert_eq!(
        body["result"].as_array().unwrap().len(),
        1,
        "own channels are not in the directory: {body}"
    );

    let (_, body) = daemon
        .post(
            "/client/subscribeToChannel/s1",
            json!({"channelId": carol_id}),
        )
        .await;
    assert_eq!(body["result"], true);
    assert!(has_phone(
        &channel_state(&sim, &carol_id).await["subscribers"],
        ALICE
    ));
    let (_, body) = daemon.get("/client/getChannels/s1").await;
    let mut kept: Vec<&str> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"]["_serialized"].as_str())
        .collect();
    kept.sort();
    let mut expected = vec![id.as_str(), carol_id.as_str()];
    expected.sort();
    assert_eq!(kept, expected);
    let (_, body) = daemon
        .post("/client/subscribeToChannel/s1", json!({"channelId": id}))
        .await;
    assert_eq!(body["result"], false, "the owner does not subscribe");
    let (_, body) = daemon
        .post(
            "/client/unsubscribeFromChannel/s1",
            json!({"channelId": carol_id}),
        )
        .await;
    assert_eq!(body["result"], true);
    assert!(!has_phone(
        &channel_state(&sim, &carol_id).await["subscribers"],
        ALICE
    ));
    let (_, body) = daemon.get("/client/getChannels/s1").await;
    assert_eq!(
        body["result"].as_array().unwrap().len(),
        1,
        "deleteLocalModels drops the channel: {body}"
    );

    // Admins: Bob follows Alice's channel, is invited (the invite reaches his chat), the
    // invite is revoked, he is invited again and accepts, then is demoted.
    sim.control(
        "POST",
        &format!("channels/{id}/subscribers"),
        Some(json!({"phone": BOB})),
    )
    .await;
    let (_, body) = daemon
        .post("/channel/getSubscribers/s1", json!({"chatId": id}))
        .await;
    assert_eq!(body["result"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(
        body["result"][0]["contact"]["id"]["_serialized"],
        format!("{BOB}@c.us")
    );
    assert_eq!(
        (
            body["result"][0]["role"].as_str(),
            body["result"][0]["contact"]["name"].as_str()
        ),
        (Some("subscriber"), Some("Bob"))
    );
    let (_, body) = daemon
        .post("/channel/sendChannelAdminInvite/s1", json!({"chatId": id, "userId": format!("{BOB}@c.us"), "options": {"comment": "Help me run it"}}))
        .await;
    assert_eq!(body["result"], true, "{body}");
    assert!(has_phone(
        &channel_state(&sim, &id).await["pendingAdmins"],
        BOB
    ));
    let (_, inbox) = sim
        .control("GET", &format!("accounts/{BOB}/inbox"), None)
        .await;
    let invite = inbox
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["type"] == "newsletter_admin_invite");
    assert_eq!(
        invite.expect("the invite message reaches Bob")["from"],
        format!("{ALICE}@c.us")
    );
    let (_, body) = daemon
        .post(
            "/channel/revokeChannelAdminInvite/s1",
            json!({"chatId": id, "userId": format!("{BOB}@c.us")}),
        )
        .await;
    assert_eq!(body["result"], true);
    assert_eq!(channel_state(&sim, &id).await["pendingAdmins"], json!([]));
    let (_, body) = daemon
        .post(
            "/channel/revokeChannelAdminInvite/s1",
            json!({"chatId": id, "userId": format!("{BOB}@c.us")}),
        )
        .await;
    assert_eq!(body["result"], false, "nothing left to revoke");
    daemon
        .post(
            "/channel/sendChannelAdminInvite/s1",
            json!({"chatId": id, "userId": format!("{BOB}@c.us")}),
        )
        .await;
    let (status, _) = sim
        .control(
            "POST",
            &format!("channels/{id}/admin-invites/accept"),
            Some(json!({"phone": BOB})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(has_phone(&channel_state(&sim, &id).await["admins"], BOB));
    let (_, body) = daemon
        .post(
            "/channel/getSubscribers/s1",
            json!({"chatId": id, "limit": 10}),
        )
        .await;
    assert_eq!(body["result"][0]["role"], "admin", "{body}");
    let (_, body) = daemon
        .post(
            "/channel/demoteChannelAdmin/s1",
            json!({"chatId": id, "userId": format!("{BOB}@c.us")}),
        )
        .await;
    assert_eq!(body["result"], true);
    let state = channel_state(&sim, &id).await;
    assert_eq!(state["admins"], json!([]));
    assert!(has_phone(&state["subscribers"], BOB));

    // Alice accepts Carol's invitation to administer her channel; a second accept fails.
    sim.control(
        "POST",
        &format!("channels/{carol_id}/admin-invites"),
        Some(json!({"by": CAROL, "invitee": ALICE})),
    )
    .await;
    let (_, body) = daemon
        .post(
            "/channel/acceptChannelAdminInvite/s1",
            json!({"chatId": carol_id}),
        )
        .await;
    assert_eq!(body["result"], true, "{body}");
    assert!(has_phone(
        &channel_state(&sim, &carol_id).await["admins"],
        ALICE
    ));
    let (_, body) = daemon
        .post(
            "/channel/acceptChannelAdminInvite/s1",
            json!({"chatId": carol_id}),
        )
        .await;
    assert_eq!(body["result"], false);

    // Ownership goes to an admin: Bob becomes admin again, then owner; Alice stays admin.
    daemon
        .post(
            "/channel/sendChannelAdminInvite/s1",
            json!({"chatId": id, "userId": format!("{BOB}@c.us")}),
        )
        .await;
    sim.control(
        "POST",
        &format!("channels/{id}/admin-invites/accept"),
        Some(json!({"phone": BOB})),
    )
    .await;
    let (_, body) = daemon
        .post("/channel/transferChannelOwnership/s1", json!({"chatId": id, "newOwnerId": format!("{BOB}@c.us"), "options": {"shouldDismissSelfAsAdmin": false}}))
        .await;
    assert_eq!(body["result"], true, "{body}");
    let state = channel_state(&sim, &id).await;
    assert_eq!(state["owner"], BOB);
    assert!(has_phone(&state["admins"], ALICE));
    let (_, body) = daemon
        .post(
            "/channel/transferChannelOwnership/s1",
            json!({"chatId": id, "newOwnerId": format!("{CAROL}@c.us")}),
        )
        .await;
    assert_eq!(body["result"], false, "no longer the owner");
    let (_, body) = daemon
        .post("/channel/deleteChannel/s1", json!({"chatId": id}))
        .await;
    assert_eq!(body["result"], false, "only the owner deletes");

    // Delete a channel Alice owns: gone from the network and from the session.
    let (_, body) = daemon
        .post("/client/createChannel/s1", json!({"title": "Short lived"}))
        .await;
    let doomed = body["result"]["nid"]["_serialized"]
        .as_str()
        .expect("created")
        .to_owned();
    let (_, body) = eventually(WAIT, "the second channel", async || {
        let answer = daemon
            .post("/channel/deleteChannel/s1", json!({"chatId": doomed}))
            .await;
        (answer.0 == StatusCode::OK).then_some(answer)
    })
    .await;
    assert_eq!(body["result"], true, "{body}");
    let (status, _) = sim
        .control("GET", &format!("channels/{doomed}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = daemon
        .post("/channel/getClassInfo/s1", json!({"chatId": doomed}))
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "Channel not Found"})
        )
    );

    // Bad input and unknown ids.
    let (status, body) = daemon.post("/channel/getClassInfo/s1", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("chatId"), "{body}");
    let (status, body) = daemon
        .post(
            "/channel/setSubject/s1",
            json!({"chatId": 5, "newSubject": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("chatId"), "{body}");
    let (status, body) = daemon
        .post(
            "/channel/mute/s1",
            json!({"chatId": "120363999999999999@newsletter"}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "Channel not Found"})
        )
    );
    let (status, body) = daemon
        .post(
            "/channel/getClassInfo/s1",
            json!({"chatId": format!("{BOB}@c.us")}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"success": false, "error": "The chat is not a channel"})
        )
    );
    let (status, body) = daemon
        .post(
            "/channel/sendMessage/s1",
            json!({"chatId": carol_id, "contentType": "Location", "content": {}}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"success": false, "error": "invalid contentType"})
        )
    );
    let (status, body) = daemon
        .post(
            "/channel/sendMessage/s1",
            json!({"chatId": carol_id, "contentType": "string"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    for (request, error) in [
        (
            json!({"chatId": id, "contentType": "MessageMedia", "content": {"mimetype": "image/png"}}),
            "content",
        ),
        (
            json!({"chatId": id, "contentType": "MessageMedia", "content": {"mimetype": "image/png", "data": "not base64!"}}),
            "content.data",
        ),
        (
            json!({"chatId": id, "contentType": "string", "content": "x", "options": {"media": {"data": PNG}}}),
            "invalid media options",
        ),
        (
            json!({"chatId": id, "contentType": "MessageMediaFromURL", "content": {"url": "x"}}),
            "content",
        ),
    ] {
        let (status, body) = daemon.post("/channel/sendMessage/s1", request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"].as_str().unwrap().contains(error), "{body}");
    }
    let (status, body) = daemon
        .post("/client/createChannel/s1", json!({"options": {}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("title"), "{body}");
    let (status, body) = daemon
        .post(
            "/client/getChannelByInviteCode/s1",
            json!({"inviteCode": 12}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, body) = daemon
        .post(
            "/client/subscribeToChannel/s1",
            json!({"channelId": "120363999999999999@newsletter"}),
        )
        .await;
    assert_eq!(body, json!({"success": true, "result": false}));
    let (status, body) = daemon
        .post("/channel/getSubscribers/s9", json!({"chatId": carol_id}))
        .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("session_not_found"))
    );
}

/// Without MEDIA_FETCH_ALLOW_PRIVATE the gateway fetches no media from its own network, for a
/// channel post as for a chat message: nothing is posted.
#[tokio::test(flavor = "multi_thread")]
async fn channel_media_from_a_private_url_is_refused() {
    let sim = Sim::start().await;
    let dir = TempDir::new("channel-private-url");
    let daemon = Daemon::start(Daemon::env_for(&sim, None, &dir.0));
    let (status, channel) = sim
        .control(
            "POST",
            "channels",
            Some(json!({"owner": ALICE, "name": "Alice News"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{channel}");
    let id = channel["id"].as_str().unwrap().to_owned();
    daemon.linked_session(&sim, "s1", ALICE, "Alice").await;
    let files_url = serve_png().await;

    let (status, body) = daemon
        .post(
            "/channel/sendMessage/s1",
            json!({"chatId": id, "contentType": "MessageMediaFromURL", "content": format!("{files_url}/dot.png")}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("non-public address"),
        "{body}"
    );
    assert_eq!(channel_state(&sim, &id).await["posts"], json!([]));
}
