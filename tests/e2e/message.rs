//! Sending and the `/message` operations, between two linked sessions (two accounts) through
//! the gateway: every contentType, webhooks on the receiving side (`message`, `media` with the
//! same bytes), acks, and each operation's effect in the simulated network; then bad input.

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};

use crate::support::*;

const ALICE: &str = "15550001111";
const BOB: &str = "15550002222";
const CAROL: &str = "15550003333";

const ONE_PIXEL_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn short_id(message: &Value) -> String {
    message["id"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a message id: {message}"))
        .to_owned()
}

/// POST and expect 200 with success:true.
async fn ok(daemon: &Daemon, path: &str, body: Value) -> Value {
    let (status, answer) = daemon.post(path, body).await;
    assert_eq!(status, StatusCode::OK, "{path}: {answer}");
    assert_eq!(answer["success"], true, "{path}: {answer}");
    answer
}

/// POST and expect an error with this status and a message containing `text`.
async fn fails(daemon: &Daemon, path: &str, body: Value, status: StatusCode, text: &str) {
    let (got, answer) = daemon.post(path, body).await;
    assert_eq!(got, status, "{path}: {answer}");
    assert_eq!(answer["success"], false, "{path}: {answer}");
    let error = answer["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(text),
        "{path}: expected '{text}' in {answer}"
    );
}

/// The entry of the account's sent listing that matches.
async fn sent_entry(sim: &Sim, phone: &str, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    eventually(WAIT, what, async || {
        sim.sent(phone).await.into_iter().find(|e| pred(e))
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn two_accounts_message_each_other_through_the_gateway() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("message");
    let daemon = Daemon::start(Daemon::env_for(&sim, Some(&hook), &dir.0));
    sim.control(
        "POST",
        "accounts",
        Some(json!({"phone": CAROL, "pushname": "Carol"})),
    )
    .await;
    daemon.linked_session(&sim, "a", ALICE, "Alice").await;
    daemon.linked_session(&sim, "b", BOB, "Bob").await;
    let to_bob = format!("{BOB}@c.us");
    let to_alice = format!("{ALICE}@c.us");

    // ---- text: A -> B, B's webhook, acks, the network ----
    let sent = ok(
        &daemon,
        "/client/sendMessage/a",
        json!({"chatId": to_bob, "contentType": "string", "content": "Hello Bob"}),
    )
    .await;
    let hello = sent["message"].clone();
    let hello_id = short_id(&hello);
    assert_eq!(
        (
            hello["body"].as_str(),
            hello["type"].as_str(),
            hello["fromMe"].as_bool()
        ),
        (Some("Hello Bob"), Some("chat"), Some(true))
    );
    assert_eq!(hello["to"], to_bob);
    assert!(
        hello["ack"].as_i64() >= Some(1),
        "waitUntilMsgSent: the server took it: {hello}"
    );
    let received = hook
        .wait_for("B gets Hello Bob", |e| {
            e["sessionId"] == "b"
                && e["dataType"] == "message"
                && e["data"]["message"]["body"] == "Hello Bob"
        })
        .await;
    assert_eq!(received["data"]["message"]["from"], to_alice);
    assert_eq!(short_id(&received["data"]["message"]), hello_id);
    hook.wait_for("ack 2 on A", |e| {
        e["sessionId"] == "a"
            && e["dataType"] == "message_ack"
            && e["data"]["message"]["id"]["id"] == hello_id.as_str()
            && e["data"]["ack"].as_i64() >= Some(2)
    })
    .await;
    let entry = sent_entry(&sim, ALICE, "Hello Bob in A's sent", |e| {
        e["shortId"] == hello_id.as_str()
    })
    .await;
    assert_eq!(
        (entry["body"].as_str(), entry["to"].as_str()),
        (Some("Hello Bob"), Some(to_bob.as_str()))
    );
    assert!(entry["ack"].as_i64() >= Some(2), "{entry}");

    // ---- media: MessageMedia, B gets `message` and `media` with the same bytes ----
    let png = b"\x89PNG\r\n\x1a\n-a-tiny-picture-".to_vec();
    let media = json!({"mimetype": "image/png", "data": b64(&png), "filename": "photo.png"});
    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMedia", "content": media, "options": {"caption": "a picture"}})).await;
    let picture = sent["message"].clone();
    let picture_id = short_id(&picture);
    assert_eq!(
        (
            picture["hasMedia"].as_bool(),
            picture["type"].as_str(),
            picture["body"].as_str()
        ),
        (Some(true), Some("image"), Some("a picture"))
    );
    let media_event = hook
        .wait_for("B's media event", |e| {
            e["sessionId"] == "b"
                && e["dataType"] == "media"
                && e["data"]["message"]["id"]["id"] == picture_id.as_str()
        })
        .await;
    assert_eq!(
        media_event["data"]["messageMedia"]["data"],
        b64(&png),
        "the same bytes reach B"
    );
    assert_eq!(media_event["data"]["messageMedia"]["mimetype"], "image/png");
    let entry = sent_entry(&sim, ALICE, "the picture in A's sent", |e| {
        e["shortId"] == picture_id.as_str()
    })
    .await;
    assert_eq!(
        (entry["media"]["size"].as_u64(), entry["caption"].as_str()),
        (Some(png.len() as u64), Some("a picture"))
    );

    // string with options.media: the text is the caption.
    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "string", "content": "caption text", "options": {"media": {"mimetype": "text/plain", "data": b64(b"notes"), "filename": "notes.txt"}}})).await;
    assert_eq!(
        (
            sent["message"]["hasMedia"].as_bool(),
            sent["message"]["body"].as_str()
        ),
        (Some(true), Some("caption text"))
    );

    // A sticker (converted to WebP in the page) and a document.
    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMedia", "content": {"mimetype": "image/png", "data": ONE_PIXEL_PNG}, "options": {"sendMediaAsSticker": true}})).await;
    assert_eq!(
        (
            sent["message"]["type"].as_str(),
            sent["message"]["_data"]["mimetype"].as_str()
        ),
        (Some("sticker"), Some("image/webp")),
        "{sent}"
    );
    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMedia", "content": media, "options": {"sendMediaAsDocument": true}})).await;
    assert_eq!(sent["message"]["type"], "document");

    // downloadMedia / downloadMediaAsData, on the sender and on the receiver.
    let download = ok(
        &daemon,
        "/message/downloadMedia/a",
        json!({"chatId": to_bob, "messageId": picture_id}),
    )
    .await;
    assert_eq!(download["messageMedia"]["data"], b64(&png));
    assert_eq!(
        download["messageMedia"]["filesize"].as_u64(),
        Some(png.len() as u64)
    );
    let download = ok(
        &daemon,
        "/message/downloadMedia/b",
        json!({"chatId": to_alice, "messageId": picture_id}),
    )
    .await;
    assert_eq!(download["messageMedia"]["data"], b64(&png));
    let response = reqwest::Client::new()
        .post(daemon.url("/message/downloadMediaAsData/b"))
        .header("x-api-key", API_KEY)
        .json(&json!({"chatId": to_alice, "messageId": picture_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.headers()["content-length"],
        png.len().to_string().as_str()
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=photo.png"
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), png);

    // ---- Location, Contact, Poll ----
    // wwebjs-api builds `new Location(lat, lng, description)`: the library reads description as
    // {name, address, url} (a plain string is dropped).
    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "Location", "content": {"latitude": 52.52, "longitude": 13.405, "description": {"name": "Berlin", "address": "Pariser Platz"}}})).await;
    let location = &sent["message"];
    assert_eq!(
        (
            location["type"].as_str(),
            location["location"]["latitude"].as_f64(),
            location["location"]["description"].as_str()
        ),
        (Some("location"), Some(52.52), Some("Berlin\nPariser Platz"))
    );
    let entry = sent_entry(&sim, ALICE, "the location", |e| e["type"] == "location").await;
    assert_eq!(entry["location"]["longitude"].as_f64(), Some(13.405));

    let sent = ok(
        &daemon,
        "/client/sendMessage/a",
        json!({"chatId": to_bob, "contentType": "Contact", "content": {"contactId": CAROL}}),
    )
    .await;
    let card = &sent["message"];
    assert_eq!(card["type"], "vcard");
    assert!(
        card["vCards"][0]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("waid={CAROL}")),
        "{card}"
    );
    sent_entry(&sim, ALICE, "the contact card", |e| e["type"] == "vcard").await;

    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "Poll", "content": {"pollName": "Lunch?", "pollOptions": ["Pizza", "Sushi"], "options": {"allowMultipleAnswers": false}}})).await;
    let poll = sent["message"].clone();
    let poll_id = short_id(&poll);
    assert_eq!(
        (
            poll["type"].as_str(),
            poll["pollName"].as_str(),
            poll["pollOptions"][1]["name"].as_str()
        ),
        (Some("poll_creation"), Some("Lunch?"), Some("Sushi"))
    );
    assert_eq!(poll["allowMultipleAnswers"], false);
    let (status, answer) = sim
        .control(
            "POST",
            "votes",
            Some(json!({"from": BOB, "messageId": poll_id, "options": ["Pizza"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "Bob votes: {answer}");
    let votes = eventually(WAIT, "Bob's vote", async || {
        let (_, answer) = daemon
            .post(
                "/message/getPollVotes/a",
                json!({"chatId": to_bob, "messageId": poll_id}),
            )
            .await;
        answer["votes"]
            .as_array()
            .filter(|v| !v.is_empty())
            .cloned()
    })
    .await;
    assert_eq!(
        (
            // A Wid object, as whatsapp-web.js's getPollVotes gives it.
            votes[0]["voter"]["_serialized"].as_str(),
            votes[0]["selectedOptions"][0]["name"].as_str()
        ),
        (Some(to_bob.as_str()), Some("Pizza"))
    );

    // Mentions.
    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "string", "content": "hi @15550002222", "options": {"mentions": [to_bob]}})).await;
    let mention_id = short_id(&sent["message"]);
    let mentions = ok(
        &daemon,
        "/message/getMentions/a",
        json!({"chatId": to_bob, "messageId": mention_id}),
    )
    .await;
    assert_eq!(mentions["contacts"][0]["number"], BOB);
    let groups = ok(
        &daemon,
        "/message/getGroupMentions/a",
        json!({"chatId": to_bob, "messageId": mention_id}),
    )
    .await;
    assert_eq!(groups["result"], json!([]));

    // ---- reply (B, through the gateway) and the quoted message ----
    let replied = ok(&daemon, "/message/reply/b", json!({"chatId": to_alice, "messageId": hello_id, "contentType": "string", "content": "Hi Alice"})).await;
    let reply = replied["repliedMessage"].clone();
    let reply_id = short_id(&reply);
    assert_eq!(
        (reply["body"].as_str(), reply["hasQuotedMsg"].as_bool()),
        (Some("Hi Alice"), Some(true))
    );
    let entry = sent_entry(&sim, BOB, "Bob's reply", |e| {
        e["shortId"] == reply_id.as_str()
    })
    .await;
    assert_eq!(entry["quotedId"], hello_id.as_str());
    hook.wait_for("A gets the reply", |e| {
        e["sessionId"] == "a"
            && e["dataType"] == "message"
            && e["data"]["message"]["id"]["id"] == reply_id.as_str()
    })
    .await;
    let quoted = ok(
        &daemon,
        "/message/getQuotedMessage/a",
        json!({"chatId": to_bob, "messageId": reply_id}),
    )
    .await;
    assert_eq!(quoted["quotedMessage"]["body"], "Hello Bob");
    let contact = ok(
        &daemon,
        "/message/getContact/a",
        json!({"chatId": to_bob, "messageId": reply_id}),
    )
    .await;
    assert_eq!(contact["contact"]["number"], BOB);
    let no_quote = ok(
        &daemon,
        "/message/getQuotedMessage/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
    )
    .await;
    assert!(no_quote.get("quotedMessage").is_none(), "{no_quote}");

    // ---- get, info, order, payment ----
    let info = ok(
        &daemon,
        "/message/getClassInfo/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
    )
    .await;
    assert_eq!(info["message"]["body"], "Hello Bob");
    let info = ok(
        &daemon,
        "/message/getInfo/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
    )
    .await;
    assert_eq!(
        info["info"]["delivery"][0]["id"]["_serialized"],
        to_bob.as_str(),
        "{info}"
    );
    let info = ok(
        &daemon,
        "/message/getInfo/a",
        json!({"chatId": to_bob, "messageId": reply_id}),
    )
    .await;
    assert_eq!(info["info"], Value::Null, "not mine: null");
    for (path, key) in [("getOrder", "order"), ("getPayment", "payment")] {
        let answer = ok(
            &daemon,
            &format!("/message/{path}/a"),
            json!({"chatId": to_bob, "messageId": hello_id}),
        )
        .await;
        assert!(answer.get(key).is_none(), "{answer}");
    }

    // ---- react ----
    ok(
        &daemon,
        "/message/react/a",
        json!({"chatId": to_bob, "messageId": reply_id, "reaction": "👍"}),
    )
    .await;
    sent_entry(&sim, ALICE, "A's reaction", |e| {
        e["type"] == "reaction" && e["shortMessageId"] == reply_id.as_str() && e["reaction"] == "👍"
    })
    .await;
    let reactions = ok(
        &daemon,
        "/message/getReactions/a",
        json!({"chatId": to_bob, "messageId": reply_id}),
    )
    .await;
    assert_eq!(
        reactions["result"][0]["aggregateEmoji"], "👍",
        "{reactions}"
    );
    assert_eq!(reactions["result"][0]["senders"][0]["reaction"], "👍");

    // ---- edit: mine is edited, someone else's gives null ----
    let edited = ok(
        &daemon,
        "/message/edit/a",
        json!({"chatId": to_bob, "messageId": hello_id, "content": "Hello Bob!!"}),
    )
    .await;
    assert_eq!(edited["message"]["body"], "Hello Bob!!");
    sent_entry(&sim, ALICE, "A's edit", |e| {
        e["type"] == "edit"
            && e["shortMessageId"] == hello_id.as_str()
            && e["body"] == "Hello Bob!!"
    })
    .await;
    hook.wait_for("B sees the edit", |e| {
        e["sessionId"] == "b"
            && e["dataType"] == "message_edit"
            && e["data"]["newBody"] == "Hello Bob!!"
    })
    .await;
    let not_mine = ok(
        &daemon,
        "/message/edit/a",
        json!({"chatId": to_bob, "messageId": reply_id, "content": "nope"}),
    )
    .await;
    assert_eq!(not_mine["message"], Value::Null);

    // ---- star / unstar ----
    ok(
        &daemon,
        "/message/star/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
    )
    .await;
    sent_entry(&sim, ALICE, "starred", |e| {
        e["shortId"] == hello_id.as_str() && e["starred"] == true
    })
    .await;
    let info = ok(
        &daemon,
        "/message/getClassInfo/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
    )
    .await;
    assert_eq!(info["message"]["isStarred"], true);
    ok(
        &daemon,
        "/message/unstar/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
    )
    .await;
    sent_entry(&sim, ALICE, "unstarred", |e| {
        e["shortId"] == hello_id.as_str() && e["starred"] == false
    })
    .await;

    // ---- forward to Carol ----
    ok(&daemon, "/message/forward/a", json!({"chatId": to_bob, "messageId": picture_id, "destinationChatId": format!("{CAROL}@c.us")})).await;
    let forwarded = sent_entry(&sim, ALICE, "the forward", |e| {
        e["to"] == format!("{CAROL}@c.us").as_str() && e["isForwarded"] == true
    })
    .await;
    assert_eq!(forwarded["media"]["size"].as_u64(), Some(png.len() as u64));

    // ---- runMethod ----
    let run = ok(
        &daemon,
        "/message/runMethod/a",
        json!({"chatId": to_bob, "messageId": hello_id, "method": "getInfo"}),
    )
    .await;
    assert!(run["data"]["delivery"].is_array(), "{run}");
    ok(
        &daemon,
        "/message/runMethod/a",
        json!({"chatId": to_bob, "messageId": reply_id, "method": "react", "options": "🎉"}),
    )
    .await;
    sent_entry(&sim, ALICE, "the runMethod reaction", |e| {
        e["type"] == "reaction" && e["reaction"] == "🎉"
    })
    .await;
    fails(
        &daemon,
        "/message/runMethod/a",
        json!({"chatId": to_bob, "messageId": hello_id, "method": "logout"}),
        StatusCode::INTERNAL_SERVER_ERROR,
        "Method is not implemented",
    )
    .await;

    // ---- delete: for everyone (mine), then for me ----
    ok(
        &daemon,
        "/message/delete/a",
        json!({"chatId": to_bob, "messageId": mention_id, "everyone": true}),
    )
    .await;
    sent_entry(&sim, ALICE, "the revoke", |e| {
        e["shortId"] == mention_id.as_str() && e["revoked"] == true
    })
    .await;
    hook.wait_for("B sees the revoke", |e| {
        e["sessionId"] == "b" && e["dataType"] == "message_revoke_everyone"
    })
    .await;
    ok(
        &daemon,
        "/message/delete/a",
        json!({"chatId": to_bob, "messageId": reply_id}),
    )
    .await;
    fails(
        &daemon,
        "/message/getClassInfo/a",
        json!({"chatId": to_bob, "messageId": reply_id}),
        StatusCode::INTERNAL_SERVER_ERROR,
        "Message not found",
    )
    .await;

    // ---- bad input ----
    let send = "/client/sendMessage/a";
    fails(
        &daemon,
        send,
        json!({"contentType": "string", "content": "x"}),
        StatusCode::BAD_REQUEST,
        "chatId",
    )
    .await;
    fails(
        &daemon,
        send,
        json!({"chatId": 5, "contentType": "string", "content": "x"}),
        StatusCode::BAD_REQUEST,
        "chatId",
    )
    .await;
    fails(
        &daemon,
        send,
        json!({"chatId": to_bob, "contentType": "Sticker", "content": "x"}),
        StatusCode::BAD_REQUEST,
        "invalid contentType",
    )
    .await;
    fails(
        &daemon,
        send,
        json!({"chatId": to_bob, "contentType": "string", "content": 42}),
        StatusCode::BAD_REQUEST,
        "content",
    )
    .await;
    fails(&daemon, send, json!({"chatId": to_bob, "contentType": "string", "content": "x", "options": {"media": {"mimetype": "image/png"}}}), StatusCode::BAD_REQUEST, "invalid media options").await;
    fails(&daemon, send, json!({"chatId": to_bob, "contentType": "MessageMedia", "content": {"mimetype": "image/png"}}), StatusCode::BAD_REQUEST, "content.data").await;
    fails(&daemon, send, json!({"chatId": to_bob, "contentType": "MessageMedia", "content": {"mimetype": "image/png", "data": "not base64!"}}), StatusCode::BAD_REQUEST, "content.data").await;
    fails(
        &daemon,
        send,
        json!({"chatId": to_bob, "contentType": "Location", "content": {"latitude": "north"}}),
        StatusCode::BAD_REQUEST,
        "content.latitude",
    )
    .await;
    fails(&daemon, send, json!({"chatId": to_bob, "contentType": "Poll", "content": {"pollName": "x", "pollOptions": []}}), StatusCode::BAD_REQUEST, "content.pollOptions").await;
    fails(
        &daemon,
        send,
        json!({"chatId": to_bob, "contentType": "Contact", "content": {}}),
        StatusCode::BAD_REQUEST,
        "content.contactId",
    )
    .await;
    fails(
        &daemon,
        send,
        json!({"chatId": "123456789-987654@g.us", "contentType": "string", "content": "x"}),
        StatusCode::NOT_FOUND,
        "Chat not Found",
    )
    .await;
    // The server refuses to fetch from its own network: literal, named, mapped.
    let port = sim
        .url()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_owned();
    for url in [
        format!("http://127.0.0.1:{port}/x.png"),
        format!("http://localhost:{port}/x.png"),
        "http://[::ffff:10.0.0.1]/x.png".to_owned(),
        "http://169.254.169.254/latest.png".to_owned(),
    ] {
        fails(
            &daemon,
            send,
            json!({"chatId": to_bob, "contentType": "MessageMediaFromURL", "content": url}),
            StatusCode::BAD_REQUEST,
            "non-public address",
        )
        .await;
    }
    let reply = "/message/reply/a";
    fails(&daemon, reply, json!({"chatId": to_bob, "messageId": hello_id, "contentType": "Buttons", "content": "x"}), StatusCode::BAD_REQUEST, "contentType invalid, must be string, MessageMedia, MessageMediaFromURL, Location, Contact or Poll").await;
    fails(
        &daemon,
        reply,
        json!({"chatId": to_bob, "messageId": "NOPE", "contentType": "string", "content": "x"}),
        StatusCode::INTERNAL_SERVER_ERROR,
        "Message not found",
    )
    .await;
    fails(
        &daemon,
        "/message/getClassInfo/a",
        json!({"chatId": to_bob}),
        StatusCode::BAD_REQUEST,
        "messageId",
    )
    .await;
    fails(
        &daemon,
        "/message/getClassInfo/a",
        json!({"chatId": to_bob, "messageId": "NOPE"}),
        StatusCode::INTERNAL_SERVER_ERROR,
        "Message not found",
    )
    .await;
    fails(
        &daemon,
        "/message/getClassInfo/a",
        json!({"chatId": "123456789-987654@g.us", "messageId": hello_id}),
        StatusCode::NOT_FOUND,
        "Chat not Found",
    )
    .await;
    fails(
        &daemon,
        "/message/downloadMedia/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
        StatusCode::INTERNAL_SERVER_ERROR,
        "Message media not found",
    )
    .await;
    fails(
        &daemon,
        "/message/getPollVotes/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
        StatusCode::INTERNAL_SERVER_ERROR,
        "pollCreation",
    )
    .await;
    fails(
        &daemon,
        "/message/react/a",
        json!({"chatId": to_bob, "messageId": hello_id, "reaction": 1}),
        StatusCode::BAD_REQUEST,
        "reaction",
    )
    .await;
    fails(
        &daemon,
        "/message/delete/a",
        json!({"chatId": to_bob, "messageId": hello_id, "everyone": "yes"}),
        StatusCode::BAD_REQUEST,
        "everyone",
    )
    .await;
    fails(
        &daemon,
        "/message/forward/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
        StatusCode::BAD_REQUEST,
        "destinationChatId",
    )
    .await;
    fails(
        &daemon,
        "/message/edit/a",
        json!({"chatId": to_bob, "messageId": hello_id}),
        StatusCode::BAD_REQUEST,
        "content",
    )
    .await;
    let (status, _) = daemon
        .post(
            "/message/getClassInfo/nobody",
            json!({"chatId": to_bob, "messageId": hello_id}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// MessageMediaFromURL end to end, with MEDIA_FETCH_ALLOW_PRIVATE=true so the server may fetch
/// from a loopback file server: the bytes arrive in the network, also as a reply.
#[tokio::test(flavor = "multi_thread")]
async fn media_from_url_is_fetched_by_the_server() {
    use axum::http::header;
    use axum::routing::get;

    let png = base64::engine::general_purpose::STANDARD
        .decode(ONE_PIXEL_PNG)
        .unwrap();
    let served = png.clone();
    let files = axum::Router::new()
        .route(
            "/files/dot.png",
            get(move || async move { ([(header::CONTENT_TYPE, "image/png")], served.clone()) }),
        )
        .route("/files/big.png", get(|| async { vec![0u8; 4096] }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let files_url = format!("http://{}/files", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, files).await });

    let sim = Sim::start().await;
    let dir = TempDir::new("media-url");
    let mut env = Daemon::env_for(&sim, None, &dir.0);
    env.insert("MEDIA_FETCH_ALLOW_PRIVATE".into(), "true".into());
    env.insert("MAX_ATTACHMENT_SIZE".into(), "2000".into());
    let daemon = Daemon::start(env);
    daemon.linked_session(&sim, "a", ALICE, "Alice").await;
    let to_bob = format!("{BOB}@c.us");

    let sent = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMediaFromURL", "content": format!("{files_url}/dot.png"), "options": {"caption": "from a URL"}})).await;
    let message = &sent["message"];
    assert_eq!(
        (
            message["type"].as_str(),
            message["body"].as_str(),
            message["_data"]["filename"].as_str()
        ),
        (Some("image"), Some("from a URL"), Some("dot.png")),
        "{sent}"
    );
    let id = short_id(message);
    let entry = sent_entry(&sim, ALICE, "the fetched picture", |e| {
        e["shortId"] == id.as_str()
    })
    .await;
    assert_eq!(
        (
            entry["media"]["size"].as_u64(),
            entry["media"]["mimetype"].as_str()
        ),
        (Some(png.len() as u64), Some("image/png"))
    );
    let download = ok(
        &daemon,
        "/message/downloadMedia/a",
        json!({"chatId": to_bob, "messageId": id}),
    )
    .await;
    assert_eq!(download["messageMedia"]["data"], ONE_PIXEL_PNG);

    // wwebjs-api's field name, with its capital URL: the file name given there is used.
    let renamed = ok(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMediaFromURL", "content": format!("{files_url}/dot.png"), "mediaFromURLOptions": {"filename": "renamed.png"}})).await;
    assert_eq!(
        renamed["message"]["_data"]["filename"], "renamed.png",
        "{renamed}"
    );

    let replied = ok(&daemon, "/message/reply/a", json!({"chatId": to_bob, "messageId": id, "contentType": "MessageMediaFromURL", "content": format!("{files_url}/dot.png")})).await;
    let reply_id = short_id(&replied["repliedMessage"]);
    let entry = sent_entry(&sim, ALICE, "the fetched reply", |e| {
        e["shortId"] == reply_id.as_str()
    })
    .await;
    assert_eq!(
        (entry["quotedId"].as_str(), entry["media"]["size"].as_u64()),
        (Some(id.as_str()), Some(png.len() as u64))
    );

    fails(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMediaFromURL", "content": format!("{files_url}/big.png")}), StatusCode::PAYLOAD_TOO_LARGE, "MAX_ATTACHMENT_SIZE").await;
    fails(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMediaFromURL", "content": format!("{files_url}/missing.png")}), StatusCode::INTERNAL_SERVER_ERROR, "404").await;
    fails(&daemon, "/client/sendMessage/a", json!({"chatId": to_bob, "contentType": "MessageMediaFromURL", "content": "ftp://example.com/x.png"}), StatusCode::BAD_REQUEST, "http").await;
}
