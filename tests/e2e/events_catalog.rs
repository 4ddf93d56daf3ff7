//! The rest of wwebjs-api's callback catalogue (events.rs and session_lifecycle.rs cover the
//! others), each raised by the simulated network or an API call and checked on a real webhook
//! receiver and a WebSocket client against wwebjs-api's `data` shapes.
//!
//! `auth_failure` (dataType `status`) has no test: whatsapp-web.js emits it only when the auth
//! strategy's `onAuthenticationNeeded()` answers `failed`, and none of its shipped strategies
//! (NoAuth, LocalAuth, RemoteAuth) ever does.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const ME: &str = "15550004001";
const FRIEND: &str = "15550004002";
const OTHER: &str = "15550004003";
const FRIEND_NEW_NUMBER: &str = "15550004004";
const REQUESTER: &str = "15550004005";

fn jid(phone: &str) -> String {
    format!("{phone}@c.us")
}

fn serialized_id(message: &Value) -> &str {
    message["id"]["_serialized"].as_str().unwrap_or_default()
}

/// Waits for an event matching `pred` on the webhook AND the WebSocket; returns the webhook body.
async fn both(
    hook: &WebhookReceiver,
    ws: &WsClient,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let body = hook.wait_for(what, &pred).await;
    let frame = eventually(WAIT, &format!("{what} on the WebSocket"), async || {
        ws.frames().into_iter().find(|f| pred(f))
    })
    .await;
    assert_eq!(
        frame, body,
        "{what}: the WebSocket frame is the webhook body"
    );
    body
}

fn is(data_type: &str, body: &Value) -> bool {
    body["dataType"] == data_type
}

/// `data` has exactly these keys (wwebjs-api names each callback argument).
fn assert_data_keys(body: &Value, keys: &[&str]) {
    let mut got: Vec<&str> = body["data"]
        .as_object()
        .unwrap_or_else(|| panic!("no data object: {body}"))
        .keys()
        .map(String::as_str)
        .collect();
    got.sort_unstable();
    let mut want = keys.to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "data keys of {body}");
}

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

fn assert_chat_model(chat: &Value) {
    for key in [
        "id",
        "name",
        "isGroup",
        "isReadOnly",
        "unreadCount",
        "timestamp",
        "archived",
        "pinned",
        "isMuted",
        "muteExpiration",
    ] {
        assert!(chat.get(key).is_some(), "Chat lacks {key}: {chat}");
    }
    assert!(chat.get("_data").is_none(), "a Chat has no _data: {chat}");
    // Re-fetched with getChatById (page.evaluate): the id is a Wid object, not a string.
    for key in ["server", "user", "_serialized"] {
        assert!(chat["id"][key].is_string(), "Chat id lacks {key}: {chat}");
    }
}

fn assert_notification_model(notification: &Value) {
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
            notification.get(key).is_some(),
            "GroupNotification lacks {key}: {notification}"
        );
    }
}

async fn ok(daemon: &Daemon, path: &str, body: Value) -> Value {
    let (status, answer) = daemon.post(path, body).await;
    assert_eq!(status, StatusCode::OK, "{path}: {answer}");
    assert_eq!(answer["success"], true, "{path}: {answer}");
    answer
}

/// Starts a daemon with webhook and WebSocket and links one session; returns when it is ready.
async fn linked(
    sim: &Sim,
    hook: &WebhookReceiver,
    dir: &TempDir,
    session: &str,
) -> (Daemon, WsClient) {
    let daemon = Daemon::start(Daemon::env_for(sim, Some(hook), &dir.0));
    let ws = WsClient::connect(&daemon, session).await;
    daemon.linked_session(sim, session, ME, "Me").await;
    // CONNECTED comes before the event listeners are attached; `ready` comes after.
    hook.wait_event(session, "ready").await;
    (daemon, ws)
}

#[tokio::test(flavor = "multi_thread")]
async fn message_chat_group_and_poll_events() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("events-catalog");
    let (daemon, ws) = linked(&sim, &hook, &dir, "cat").await;
    let friend_chat = jid(FRIEND);

    // message_ack: {message, ack}, 1 (server) -> 2 (delivered) -> 3 (read by the friend).
    let sent = ok(
        &daemon,
        "/client/sendMessage/cat",
        json!({"chatId": friend_chat, "contentType": "string", "content": "ack me"}),
    )
    .await;
    let sent_id = serialized_id(&sent["message"]).to_owned();
    for ack in [1, 2] {
        let event = both(&hook, &ws, &format!("message_ack {ack}"), |b| {
            is("message_ack", b)
                && serialized_id(&b["data"]["message"]) == sent_id
                && b["data"]["ack"] == ack
        })
        .await;
        assert_data_keys(&event, &["message", "ack"]);
        assert_message_model(&event["data"]["message"]);
        assert_eq!(event["data"]["message"]["ack"], ack);
    }
    let (status, _) = sim
        .control(
            "POST",
            "read",
            Some(json!({"by": FRIEND, "messageId": sent_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    both(&hook, &ws, "message_ack 3", |b| {
        is("message_ack", b)
            && serialized_id(&b["data"]["message"]) == sent_id
            && b["data"]["ack"] == 3
    })
    .await;
    let acks: Vec<i64> = hook
        .of_type("message_ack")
        .iter()
        .filter(|b| serialized_id(&b["data"]["message"]) == sent_id)
        .filter_map(|b| b["data"]["ack"].as_i64())
        .collect();
    assert_eq!(acks, [1, 2, 3], "each ack once, in order");

    // media_uploaded: the session sends media; it counts once the server has it.
    let media = ok(&daemon, "/client/sendMessage/cat", json!({"chatId": friend_chat, "contentType": "MessageMedia", "content": {"mimetype": "image/png", "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "filename": "dot.png"}})).await;
    let media_id = serialized_id(&media["message"]).to_owned();
    let uploaded = both(&hook, &ws, "media_uploaded", |b| {
        is("media_uploaded", b) && serialized_id(&b["data"]["message"]) == media_id
    })
    .await;
    assert_data_keys(&uploaded, &["message"]);
    assert_message_model(&uploaded["data"]["message"]);
    assert_eq!(uploaded["data"]["message"]["hasMedia"], true);
    assert_eq!(uploaded["data"]["message"]["fromMe"], true);

    // unread_count (not disabled here): a message from the friend raises the chat's count.
    sim.send(json!({"from": FRIEND, "to": ME, "body": "delete me"}))
        .await;
    let unread = both(&hook, &ws, "unread_count", |b| is("unread_count", b)).await;
    assert_eq!(unread["data"]["chat"]["unreadCount"], 1, "{unread}");
    assert_eq!(
        unread["data"]["chat"]["id"]["_serialized"], friend_chat,
        "{unread}"
    );
    assert_data_keys(&unread, &["chat"]);
    assert_chat_model(&unread["data"]["chat"]);

    // message_revoke_me: the session deletes the message for itself; wwebjs-api's
    // `revokedMsg` is always undefined, so only `message` is there.
    let incoming = hook
        .wait_for("message", |b| {
            is("message", b) && b["data"]["message"]["body"] == "delete me"
        })
        .await;
    let incoming_id = serialized_id(&incoming["data"]["message"]).to_owned();
    ok(
        &daemon,
        "/message/delete/cat",
        json!({"chatId": friend_chat, "messageId": incoming["data"]["message"]["id"]["id"], "everyone": false}),
    )
    .await;
    let revoked_me = both(&hook, &ws, "message_revoke_me", |b| {
        is("message_revoke_me", b) && serialized_id(&b["data"]["message"]) == incoming_id
    })
    .await;
    assert_data_keys(&revoked_me, &["message"]);
    assert_eq!(revoked_me["data"]["message"]["body"], "delete me");
    assert!(
        hook.of_type("message_revoke_everyone").is_empty(),
        "deleted for me only"
    );

    // message_ciphertext: the message arrives undecryptable, then decrypts into a `message`.
    let (status, undecryptable) = sim
        .control(
            "POST",
            "messages/undecryptable",
            Some(json!({"from": FRIEND, "to": ME, "body": "was encrypted"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{undecryptable}");
    let cipher_id = undecryptable["id"].as_str().unwrap().to_owned();
    let ciphertext = both(&hook, &ws, "message_ciphertext", |b| {
        is("message_ciphertext", b) && serialized_id(&b["data"]["message"]) == cipher_id
    })
    .await;
    assert_data_keys(&ciphertext, &["message"]);
    assert_message_model(&ciphertext["data"]["message"]);
    assert_eq!(ciphertext["data"]["message"]["type"], "ciphertext");
    assert_eq!(ciphertext["data"]["message"]["body"], "");
    let decrypted = both(&hook, &ws, "the decrypted message", |b| {
        is("message", b) && serialized_id(&b["data"]["message"]) == cipher_id
    })
    .await;
    assert_eq!(decrypted["data"]["message"]["type"], "chat");
    assert_eq!(decrypted["data"]["message"]["body"], "was encrypted");

    // vote_update: the friend votes on the session's poll.
    let poll = ok(&daemon, "/client/sendMessage/cat", json!({"chatId": friend_chat, "contentType": "Poll", "content": {"pollName": "Lunch?", "pollOptions": ["Pizza", "Sushi"], "options": {"allowMultipleAnswers": false}}})).await;
    let poll_id = serialized_id(&poll["message"]).to_owned();
    // A phone votes on what it has received (ack 2).
    hook.wait_for("the poll delivered", |b| {
        is("message_ack", b)
            && serialized_id(&b["data"]["message"]) == poll_id
            && b["data"]["ack"] == 2
    })
    .await;
    let (status, _) = sim
        .control(
            "POST",
            "votes",
            Some(json!({"from": FRIEND, "messageId": poll_id, "options": ["Sushi"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let vote = both(&hook, &ws, "vote_update", |b| is("vote_update", b)).await;
    assert_data_keys(&vote, &["vote"]);
    let vote = &vote["data"]["vote"];
    let mut vote_keys: Vec<&str> = vote
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    vote_keys.sort_unstable();
    assert_eq!(
        vote_keys,
        [
            "interractedAtTs",
            "parentMessage",
            "parentMsgKey",
            "selectedOptions",
            "voter"
        ],
        "{vote}"
    );
    assert_eq!(vote["voter"], friend_chat);
    assert_eq!(
        vote["selectedOptions"].as_array().map(Vec::len),
        Some(1),
        "{vote}"
    );
    assert_eq!(vote["selectedOptions"][0]["name"], "Sushi");
    assert!(vote["selectedOptions"][0]["localId"].is_number(), "{vote}");
    assert!(vote["interractedAtTs"].is_number(), "{vote}");
    assert_eq!(vote["parentMsgKey"]["_serialized"], poll_id);
    assert_eq!(serialized_id(&vote["parentMessage"]), poll_id);
    assert_eq!(vote["parentMessage"]["type"], "poll_creation");

    // chat_archived: {chat, currState, prevState}.
    ok(
        &daemon,
        "/client/archiveChat/cat",
        json!({"chatId": friend_chat}),
    )
    .await;
    let archived = both(&hook, &ws, "chat_archived", |b| is("chat_archived", b)).await;
    assert_data_keys(&archived, &["chat", "currState", "prevState"]);
    assert_chat_model(&archived["data"]["chat"]);
    assert_eq!(archived["data"]["chat"]["id"]["_serialized"], friend_chat);
    assert_eq!(archived["data"]["chat"]["archived"], true);
    assert_eq!(
        (
            &archived["data"]["currState"],
            &archived["data"]["prevState"]
        ),
        (&json!(true), &json!(false))
    );

    // chat_removed: the session deletes another chat.
    sim.send(json!({"from": OTHER, "to": ME, "body": "short-lived chat"}))
        .await;
    hook.wait_for("OTHER's message", |b| {
        is("message", b) && b["data"]["message"]["body"] == "short-lived chat"
    })
    .await;
    ok(&daemon, "/chat/delete/cat", json!({"chatId": jid(OTHER)})).await;
    let removed = both(&hook, &ws, "chat_removed", |b| is("chat_removed", b)).await;
    assert_data_keys(&removed, &["chat"]);
    assert_chat_model(&removed["data"]["chat"]);
    assert_eq!(removed["data"]["chat"]["id"]["_serialized"], jid(OTHER));

    // group_membership_request: someone asks to join a group the session administers.
    let (_, group) = sim
        .control(
            "POST",
            "groups",
            Some(json!({"owner": ME, "subject": "Admins here", "participants": [FRIEND]})),
        )
        .await;
    let group_id = group["id"].as_str().unwrap().to_owned();
    let (status, _) = sim
        .control(
            "POST",
            &format!("groups/{group_id}/participants"),
            Some(json!({"by": REQUESTER, "action": "request"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let request = both(&hook, &ws, "group_membership_request", |b| {
        is("group_membership_request", b)
    })
    .await;
    assert_data_keys(&request, &["notification"]);
    let notification = &request["data"]["notification"];
    assert_notification_model(notification);
    assert_eq!(notification["chatId"], group_id);
    assert_eq!(notification["type"], "membership_approval_request");
    assert_eq!(notification["author"], jid(REQUESTER));

    // contact_changed: the friend moves to a new number; the notification shows in the chat
    // with the new number.
    let (status, answer) = sim
        .control(
            "POST",
            &format!("accounts/{FRIEND}/change-number"),
            Some(json!({"newPhone": FRIEND_NEW_NUMBER})),
        )
        .await;
    assert_eq!(
        (status, &answer["notified"]),
        (StatusCode::OK, &json!(1)),
        "{answer}"
    );
    let changed = both(&hook, &ws, "contact_changed", |b| is("contact_changed", b)).await;
    assert_data_keys(&changed, &["message", "oldId", "newId", "isContact"]);
    let data = &changed["data"];
    assert_eq!(
        (&data["oldId"], &data["newId"], &data["isContact"]),
        (
            &json!(jid(FRIEND)),
            &json!(jid(FRIEND_NEW_NUMBER)),
            &json!(true)
        )
    );
    assert_message_model(&data["message"]);
    assert_eq!(data["message"]["type"], "notification_template");
    assert_eq!(data["message"]["to"], jid(FRIEND_NEW_NUMBER));
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_logout_and_pairing_code_events() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("events-connection");
    let (daemon, ws) = linked(&sim, &hook, &dir, "conn").await;

    // change_state: the device's link drops; it reconnects once the network is back.
    let (status, cut) = sim
        .control(
            "POST",
            &format!("accounts/{ME}/connection"),
            Some(json!({"online": false})),
        )
        .await;
    assert_eq!(
        (status, &cut["closed"]),
        (StatusCode::OK, &json!(1)),
        "{cut}"
    );
    let opening = both(&hook, &ws, "change_state OPENING", |b| {
        is("change_state", b) && b["data"]["state"] == "OPENING"
    })
    .await;
    assert_data_keys(&opening, &["state"]);
    both(&hook, &ws, "change_state TIMEOUT", |b| {
        is("change_state", b) && b["data"]["state"] == "TIMEOUT"
    })
    .await;
    // What arrives meanwhile waits for the device: offline delivery at reconnect.
    sim.send(json!({"from": FRIEND, "to": ME, "body": "sent while you were away"}))
        .await;
    let (status, _) = sim
        .control(
            "POST",
            &format!("accounts/{ME}/connection"),
            Some(json!({"online": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    both(&hook, &ws, "change_state CONNECTED", |b| {
        is("change_state", b) && b["data"]["state"] == "CONNECTED"
    })
    .await;
    daemon.wait_connected("conn").await;
    assert!(
        hook.of_type("disconnected").is_empty(),
        "OPENING and TIMEOUT are not disconnections"
    );

    // loading_screen: the offline backlog's progress, {percent, message: 'WhatsApp'}.
    for percent in [0, 100] {
        let loading = both(&hook, &ws, &format!("loading_screen {percent}"), |b| {
            is("loading_screen", b) && b["data"]["percent"] == percent
        })
        .await;
        assert_data_keys(&loading, &["percent", "message"]);
        assert_eq!(loading["data"]["message"], "WhatsApp");
    }
    hook.wait_for("the offline message", |b| {
        is("message", b) && b["data"]["message"]["body"] == "sent while you were away"
    })
    .await;

    // disconnected: the phone unlinks the device; the session falls back to a QR.
    let qrs_before = hook.of_type("qr").len();
    let (status, _) = sim
        .control("POST", &format!("accounts/{ME}/logout"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let disconnected = both(&hook, &ws, "disconnected", |b| is("disconnected", b)).await;
    assert_eq!(disconnected["data"], json!({"reason": "LOGOUT"}));
    eventually(WAIT, "a new QR after the logout", async || {
        (hook.of_type("qr").len() > qrs_before).then_some(())
    })
    .await;
    let (_, qr) = daemon.get("/session/qr/conn").await;
    assert!(qr["qr"].is_string(), "the session shows a QR again: {qr}");

    // code: the unlinked session asks for a pairing code; the phone types it and the device links.
    let answer = ok(
        &daemon,
        "/session/requestPairingCode/conn",
        json!({"phoneNumber": ME}),
    )
    .await;
    let code = answer["result"]
        .as_str()
        .expect("a pairing code")
        .to_owned();
    let event = both(&hook, &ws, "code", |b| is("code", b)).await;
    assert_eq!(event["data"], json!({"code": code}));
    let (status, linked) = sim
        .control(
            "POST",
            "pairing-code",
            Some(json!({"phone": ME, "code": code})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{linked}");
    daemon.wait_connected("conn").await;
    let readies = eventually(WAIT, "ready after pairing", async || {
        let readies = hook.of_type("ready");
        (readies.len() == 2).then_some(readies)
    })
    .await;
    assert_eq!(
        readies[1],
        json!({"dataType": "ready", "sessionId": "conn"})
    );
}
