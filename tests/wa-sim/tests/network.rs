//! The simulated network through its two doors: the device WebSocket (as a page speaks
//! it) and the `/_sim/` control API. No browser: a test device plays the page.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

const WAIT: Duration = Duration::from_secs(5);

/// A linked device speaking the page protocol: requests, and pushed events it records.
struct Device {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    events: Vec<Value>,
}

impl Device {
    async fn connect(sim: &wa_sim::SimHandle) -> Device {
        let url = format!("ws://127.0.0.1:{}/ws", sim.port());
        let (socket, _) = connect_async(url).await.expect("websocket connects");
        Device {
            socket,
            next_id: 1,
            events: Vec::new(),
        }
    }

    async fn next_frame(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a frame within the wait")
                .expect("socket open")
                .expect("frame");
            if let WsMessage::Text(text) = frame {
                return serde_json::from_str(text.as_str()).expect("json frame");
            }
        }
    }

    async fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let frame = json!({"id": id, "method": method, "params": params}).to_string();
        self.socket
            .send(WsMessage::Text(frame.into()))
            .await
            .unwrap();
        loop {
            let frame = self.next_frame().await;
            if frame["id"] == id {
                return match frame.get("error") {
                    Some(e) => Err(e.as_str().unwrap_or_default().to_string()),
                    None => Ok(frame["result"].clone()),
                };
            }
            self.events.push(frame);
        }
    }

    /// The first recorded or incoming event named `event` matching `pred`.
    async fn event(&mut self, event: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self
            .events
            .iter()
            .position(|e| e["event"] == event && pred(&e["data"]))
        {
            return self.events.remove(i)["data"].clone();
        }
        loop {
            let frame = self.next_frame().await;
            if frame["event"] == event && pred(&frame["data"]) {
                return frame["data"].clone();
            }
            self.events.push(frame);
        }
    }

    /// Links this device to `phone` by QR: hello, wait for a ref, scan it, hello again.
    async fn link(sim: &wa_sim::SimHandle, phone: &str, pushname: &str) -> (Device, Value) {
        let mut device = Device::connect(sim).await;
        let hello = device.request("hello", json!({"login": {}})).await.unwrap();
        assert_eq!(hello["status"], "unpaired");
        let r = device.event("ref", |_| true).await["ref"]
            .as_str()
            .unwrap()
            .to_string();
        let qr = format!("{r},bm9pc2U=,aWRlbnRpdHk=,YWR2,WEB");
        sim.scan(&qr, phone, pushname).await.expect("scan accepted");
        let login = device.event("paired", |_| true).await;
        assert_eq!(login["phone"], phone);
        let hello = device
            .request("hello", json!({"login": login}))
            .await
            .unwrap();
        assert_eq!(hello["status"], "connected");
        assert_eq!(hello["sync"]["me"]["phone"], phone);
        (device, login)
    }
}

#[tokio::test]
async fn health_answers() {
    let sim = wa_sim::start().await;
    assert_eq!(sim.health().await.unwrap(), json!({"ok": true}));
    assert!(sim.url().starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn scan_rejects_an_unknown_ref() {
    let sim = wa_sim::start().await;
    let err = sim
        .scan("2@nope,a,b,c,WEB", "15550001111", "Alice")
        .await
        .unwrap_err();
    assert!(err.starts_with("404"), "{err}");
}

#[tokio::test]
async fn device_message_gets_acks_1_2_3() {
    let sim = wa_sim::start().await;
    let (mut alice, _) = Device::link(&sim, "15550001111", "Alice").await;
    let (mut bob, _) = Device::link(&sim, "15550002222", "Bob").await;

    let msg = json!({
        "id": {"fromMe": true, "remote": "15550002222@c.us", "id": "3EB0AAAABBBBCCCCDDDD"},
        "from": "15550001111@c.us", "to": "15550002222@c.us", "type": "chat", "body": "hello bob",
        "t": 1, "ack": 0, "local": true, "self": "out", "isNewMsg": true,
    });
    let sent = alice.request("sendMsg", json!({"msg": msg})).await.unwrap();
    assert_eq!(sent["ack"], 1);

    let received = bob.event("msg", |m| m["body"] == "hello bob").await;
    assert_eq!(received["id"]["fromMe"], false);
    assert_eq!(received["from"], "15550001111@c.us");
    assert_eq!(received["notifyName"], "Alice");
    let id = "true_15550002222@c.us_3EB0AAAABBBBCCCCDDDD";
    alice.event("ack", |a| a["id"] == id && a["ack"] == 2).await;

    bob.request("sendSeen", json!({"chat": "15550001111@c.us"}))
        .await
        .unwrap();
    alice.event("ack", |a| a["id"] == id && a["ack"] == 3).await;

    let listed = sim.sent("15550001111").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].ack, 3);
    assert_eq!(sim.inbox("15550002222").await.unwrap()[0].body, "hello bob");
}

#[tokio::test]
async fn phone_message_reaches_the_device_and_read_acks_it() {
    let sim = wa_sim::start().await;
    let (mut alice, _) = Device::link(&sim, "15550001111", "Alice").await;
    let id = sim
        .send_text("15550002222", "15550001111", "hi alice")
        .await
        .unwrap();
    assert!(id.starts_with("false_15550002222@c.us_"), "{id}");
    let msg = alice.event("msg", |m| m["body"] == "hi alice").await;
    assert_eq!(msg["id"]["remote"], "15550002222@c.us");
    let chat = alice.event("chat", |c| c["id"] == "15550002222@c.us").await;
    assert_eq!(chat["unreadCount"], 1);

    sim.react("15550002222", &id, "👍").await.unwrap();
    let reaction = alice.event("reaction", |_| true).await;
    assert_eq!(reaction["reactionText"], "👍");
    assert_eq!(reaction["reactionParentKey"]["id"], msg["id"]["id"]);

    sim.edit("15550002222", &id, "hi again").await.unwrap();
    let edit = alice.event("edit", |_| true).await;
    assert_eq!(edit["body"], "hi again");

    sim.revoke("15550002222", &id).await.unwrap();
    alice.event("revoke", |r| r["id"] == id).await;
    let state = sim.account("15550001111").await.unwrap();
    assert_eq!(state["chats"]["15550002222@c.us"]["unreadCount"], 1);
}

#[tokio::test]
async fn restored_login_gets_offline_messages_and_phone_logout_unlinks() {
    let sim = wa_sim::start().await;
    let (alice, login) = Device::link(&sim, "15550001111", "Alice").await;
    drop(alice);
    tokio::time::sleep(Duration::from_millis(100)).await;
    sim.send_text("15550002222", "15550001111", "while you were away")
        .await
        .unwrap();

    let mut again = Device::connect(&sim).await;
    let hello = again
        .request("hello", json!({"login": login}))
        .await
        .unwrap();
    assert_eq!(hello["status"], "connected");
    assert_eq!(hello["sync"]["offline"][0]["body"], "while you were away");

    let answer = sim.logout("15550001111").await.unwrap();
    assert_eq!(answer["unlinked"], 1);
    again.event("loggedOut", |_| true).await;
    let mut third = Device::connect(&sim).await;
    let hello = third
        .request("hello", json!({"login": login}))
        .await
        .unwrap();
    assert_eq!(hello["status"], "unpaired");
}

#[tokio::test]
async fn pairing_code_links_the_device() {
    let sim = wa_sim::start().await;
    let mut device = Device::connect(&sim).await;
    device.request("hello", json!({"login": {}})).await.unwrap();
    let code = device
        .request("pairingCode", json!({"phone": "15550003333"}))
        .await
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 8);
    assert!(sim.pairing_code("15550004444", &code).await.is_err());
    sim.pairing_code("15550003333", &code).await.unwrap();
    let login = device.event("paired", |_| true).await;
    assert_eq!(login["phone"], "15550003333");
}

#[tokio::test]
async fn groups_route_messages_and_notify_participant_changes() {
    let sim = wa_sim::start().await;
    let (mut alice, _) = Device::link(&sim, "15550001111", "Alice").await;
    let gid = sim
        .create_group("15550002222", "Team", &["15550001111"])
        .await
        .unwrap();
    assert!(gid.ends_with("@g.us"));
    alice.event("group", |g| g["id"] == gid).await;
    alice
        .event("msg", |m| m["type"] == "gp2" && m["subtype"] == "create")
        .await;

    sim.group_participants(&gid, "15550002222", "add", &["15550003333"])
        .await
        .unwrap();
    let add = alice
        .event("msg", |m| m["type"] == "gp2" && m["subtype"] == "add")
        .await;
    assert_eq!(add["recipients"], json!(["15550003333@c.us"]));
    assert_eq!(add["author"], "15550002222@c.us");

    let id = sim
        .send_text("15550003333", &gid, "hello team")
        .await
        .unwrap();
    assert!(id.ends_with("_15550003333@c.us"), "{id}");
    let msg = alice.event("msg", |m| m["body"] == "hello team").await;
    assert_eq!(msg["from"], gid);
    assert_eq!(msg["author"], "15550003333@c.us");

    let group = sim.group(&gid).await.unwrap();
    assert_eq!(group["participants"].as_array().unwrap().len(), 3);
    let outsider = sim.send_text("15550009999", &gid, "let me in").await;
    assert!(outsider.unwrap_err().starts_with("403"));
}

#[tokio::test]
async fn media_sent_by_a_phone_downloads_from_its_direct_path() {
    let sim = wa_sim::start().await;
    let (mut alice, _) = Device::link(&sim, "15550001111", "Alice").await;
    sim.send_message(json!({
        "from": "15550002222", "to": "15550001111", "caption": "a file",
        "media": {"mimetype": "text/plain", "data": "aGVsbG8=", "filename": "hello.txt"},
    }))
    .await
    .unwrap();
    let msg = alice.event("msg", |m| m["type"] == "document").await;
    assert_eq!(msg["caption"], "a file");
    assert_eq!(msg["filename"], "hello.txt");
    let path = msg["directPath"].as_str().unwrap();
    let bytes = reqwest::get(format!("http://127.0.0.1:{}{path}", sim.port()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"hello");
    let inbox = sim.inbox("15550001111").await.unwrap();
    assert_eq!(inbox[0].rest["media"]["size"], 5);
}
