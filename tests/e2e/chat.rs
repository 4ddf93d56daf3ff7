//! The `/chat` operations against the simulated network: the chat model, fetching messages
//! with every search option, chat states, seen / unread, labels of a business account, clearing
//! and deleting (seen on the network and as webhooks), runMethod, unknown chats and bad bodies.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const ALICE: &str = "15550001111";
const BOB: &str = "15550002222";
const CAROL: &str = "15550003333";
/// More than a new device gets of one chat (the simulator's phone keeps the rest).
const LONG_CHAT: usize = 203;

fn bodies(messages: &Value) -> Vec<String> {
    messages
        .as_array()
        .unwrap_or_else(|| panic!("messages: {messages}"))
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_operations() {
    let sim = Sim::start().await;
    let hook = WebhookReceiver::start().await;
    let dir = TempDir::new("chat");
    let daemon = Daemon::start(Daemon::env_for(&sim, Some(&hook), &dir.0));
    // A business account, so that labels work.
    let (status, _) = sim
        .control(
            "POST",
            "accounts",
            Some(json!({"phone": ALICE, "business": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, vip) = sim
        .control(
            "POST",
            &format!("accounts/{ALICE}/labels"),
            Some(json!({"name": "VIP", "color": 1})),
        )
        .await;
    let (_, lead) = sim
        .control(
            "POST",
            &format!("accounts/{ALICE}/labels"),
            Some(json!({"name": "Lead", "color": 2})),
        )
        .await;
    let (vip, lead) = (
        vip["id"].as_str().unwrap().to_owned(),
        lead["id"].as_str().unwrap().to_owned(),
    );
    let (status, _) = sim
        .control(
            "POST",
            "accounts",
            Some(json!({"phone": BOB, "pushname": "Bob"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Bob wrote before the link: the device syncs the chat, his profile and the messages.
    let bob_chat = format!("{BOB}@c.us");
    let mut sent = Vec::new();
    for text in ["one", "two", "three"] {
        sent.push(
            sim.send(json!({"from": BOB, "to": ALICE, "body": text}))
                .await,
        );
    }
    for n in 0..LONG_CHAT {
        sim.send(json!({"from": CAROL, "to": ALICE, "body": format!("c{n}")}))
            .await;
    }
    daemon.linked_session(&sim, "s1", ALICE, "Alice").await;
    let post = async |op: &str, body: Value| daemon.post(&format!("/chat/{op}/s1"), body).await;
    let chat_only = json!({"chatId": bob_chat});

    // getClassInfo: the whatsapp-web.js Chat.
    let (status, body) = post("getClassInfo", chat_only.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let chat = &body["chat"];
    assert_eq!(chat["id"]["_serialized"], bob_chat);
    assert_eq!(
        (
            chat["name"].clone(),
            chat["isGroup"].clone(),
            chat["unreadCount"].clone()
        ),
        (json!("Bob"), json!(false), json!(3))
    );
    assert_eq!(chat["lastMessage"]["body"], "three");

    // fetchMessages: loaded ones, the latest N, fromMe, since, one by short id.
    let (status, body) = post("fetchMessages", chat_only.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(bodies(&body["messages"]), ["one", "two", "three"]);
    let (_, body) = post(
        "fetchMessages",
        json!({"chatId": bob_chat, "searchOptions": {"limit": 2}}),
    )
    .await;
    assert_eq!(bodies(&body["messages"]), ["two", "three"]);
    let (_, body) = post(
        "fetchMessages",
        json!({"chatId": bob_chat, "searchOptions": {"fromMe": true, "limit": 10}}),
    )
    .await;
    assert_eq!(bodies(&body["messages"]), Vec::<String>::new());
    let (_, body) = post(
        "fetchMessages",
        json!({"chatId": bob_chat, "searchOptions": {"since": 4102444800u64}}),
    )
    .await;
    assert_eq!(bodies(&body["messages"]), Vec::<String>::new());
    let (_, body) = post(
        "fetchMessages",
        json!({"chatId": bob_chat, "searchOptions": {"messageId": sent[1]["shortId"]}}),
    )
    .await;
    assert_eq!(bodies(&body["messages"]), ["two"]);
    assert_eq!(body["messages"][0]["id"]["_serialized"], sent[1]["id"]);
    let (status, body) = post(
        "fetchMessages",
        json!({"chatId": bob_chat, "searchOptions": {"limit": "ten"}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("searchOptions.limit"),
        "{body}"
    );

    // getContact: Bob.
    let (_, body) = post("getContact", chat_only.clone()).await;
    assert_eq!(body["contact"]["id"]["_serialized"], bob_chat);
    assert_eq!(body["contact"]["pushname"], "Bob");

    // Chat states.
    for op in ["sendStateTyping", "sendStateRecording", "clearState"] {
        let (status, body) = post(op, chat_only.clone()).await;
        assert_eq!(
            (status, &body),
            (StatusCode::OK, &json!({"success": true, "result": true})),
            "{op}"
        );
    }

    // sendSeen: Bob's messages are read (ack 3 at Bob), unread 0 on the network.
    let (_, body) = post("sendSeen", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    let (_, account) = sim.control("GET", &format!("accounts/{ALICE}"), None).await;
    assert_eq!(account["chats"][&bob_chat]["unreadCount"], 0, "{account}");
    eventually(WAIT, "Bob sees his messages read", async || {
        let sent = sim.sent(BOB).await;
        sent.iter().all(|m| m["ack"] == 3).then_some(())
    })
    .await;

    // markUnread: no result (whatsapp-web.js returns nothing); the network marks it unread.
    let (_, body) = post("markUnread", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true}));
    let (_, account) = sim.control("GET", &format!("accounts/{ALICE}"), None).await;
    assert_eq!(account["chats"][&bob_chat]["unreadCount"], -1, "{account}");

    // fetchMessages with a limit beyond what is loaded pages through earlier messages.
    let (_, body) = post(
        "fetchMessages",
        json!({"chatId": format!("{CAROL}@c.us"), "searchOptions": {"limit": LONG_CHAT}}),
    )
    .await;
    let carol = bodies(&body["messages"]);
    assert_eq!(carol.len(), LONG_CHAT);
    assert_eq!(
        (carol[0].as_str(), carol[LONG_CHAT - 1].as_str()),
        ("c0", "c202")
    );

    // syncHistory: the phone already sent Bob's whole chat, but not Carol's long one.
    let (_, body) = post("syncHistory", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true, "result": false}));
    let carol_chat = json!({"chatId": format!("{CAROL}@c.us")});
    let (_, body) = post("syncHistory", carol_chat.clone()).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    let (_, body) = post("syncHistory", carol_chat.clone()).await;
    assert_eq!(body, json!({"success": true, "result": false}));

    // Labels: set two, then keep one; the network has the chat's labels.
    let (_, body) = post("getLabels", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true, "labels": []}));
    let (status, body) = post(
        "changeLabels",
        json!({"chatId": bob_chat, "labelIds": [vip.parse::<i64>().unwrap(), lead]}),
    )
    .await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"success": true})));
    let (_, account) = sim.control("GET", &format!("accounts/{ALICE}"), None).await;
    assert_eq!(
        account["chats"][&bob_chat]["labels"],
        json!([vip, lead]),
        "{account}"
    );
    let (_, body) = post("getLabels", chat_only.clone()).await;
    let names: Vec<Value> = body["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].clone())
        .collect();
    assert_eq!(names, [json!("VIP"), json!("Lead")], "{body}");
    assert_eq!(body["labels"][0]["id"], vip);
    assert!(
        body["labels"][0]["hexColor"]
            .as_str()
            .unwrap()
            .starts_with('#'),
        "{body}"
    );
    let (_, body) = post(
        "changeLabels",
        json!({"chatId": bob_chat, "labelIds": [lead]}),
    )
    .await;
    assert_eq!(body, json!({"success": true}));
    let (_, account) = sim.control("GET", &format!("accounts/{ALICE}"), None).await;
    assert_eq!(
        account["chats"][&bob_chat]["labels"],
        json!([lead]),
        "{account}"
    );
    let (status, _) = post("changeLabels", chat_only.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // runMethod: whitelisted whatsapp-web.js Chat methods only; the chat is checked first.
    let (_, body) = post(
        "runMethod",
        json!({"chatId": bob_chat, "method": "sendStateTyping"}),
    )
    .await;
    assert_eq!(body, json!({"success": true, "data": true}));
    let (_, body) = post(
        "runMethod",
        json!({"chatId": bob_chat, "method": "fetchMessages", "options": {"limit": 1}}),
    )
    .await;
    assert_eq!(bodies(&body["data"]), ["three"]);
    let (status, body) = post(
        "runMethod",
        json!({"chatId": bob_chat, "method": "destroy"}),
    )
    .await;
    assert_eq!(
        (status, &body),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"success": false, "error": "Method is not implemented"})
        )
    );
    let (status, body) = post(
        "runMethod",
        json!({"chatId": "999999999@g.us", "method": "destroy"}),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::NOT_FOUND, &json!("Chat not Found"))
    );

    // clearMessages: gone from the device and from the history the network gives back.
    let (_, body) = post("clearMessages", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    let (_, body) = post(
        "fetchMessages",
        json!({"chatId": bob_chat, "searchOptions": {"limit": 10}}),
    )
    .await;
    assert_eq!(bodies(&body["messages"]), Vec::<String>::new());

    // delete: the chat leaves the account on the network; chat_removed is raised.
    let (_, body) = post("delete", chat_only.clone()).await;
    assert_eq!(body, json!({"success": true, "result": true}));
    let (_, account) = sim.control("GET", &format!("accounts/{ALICE}"), None).await;
    assert!(account["chats"].get(&bob_chat).is_none(), "{account}");
    let removed = hook.wait_event("s1", "chat_removed").await;
    // whatsapp-web.js re-fetches the chat with getChatById (evaluate path): the id is a Wid object.
    assert_eq!(removed["data"]["chat"]["id"]["_serialized"], bob_chat);

    // Unknown chats and bad bodies.
    for op in [
        "getClassInfo",
        "clearMessages",
        "fetchMessages",
        "sendSeen",
        "getLabels",
    ] {
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
    let (status, body) = post("getClassInfo", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("chatId"), "{body}");
    let (status, _) = post(
        "changeLabels",
        json!({"chatId": bob_chat, "labelIds": "VIP"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
