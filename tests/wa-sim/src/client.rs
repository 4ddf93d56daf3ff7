//! A typed client of the `/_sim/` control API, for Rust tests.
//! Each method is one endpoint of `notes/CONTRACTS.md`; failures come back as
//! `Err(text)` with the HTTP status and the simulator's error message.

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// One entry of `GET /_sim/accounts/<phone>/sent` (or `/inbox`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    /// Serialized id as that account's device sees it; for reactions/edits/revokes, absent
    /// (see `message_id`).
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub short_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub ack: i64,
    #[serde(default)]
    pub timestamp: u64,
    /// For reaction / edit / revoke entries: the message acted on.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Every other field (caption, media, quotedId, reaction, ...).
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct SimClient {
    base: String,
    http: reqwest::Client,
}

pub type ClientResult<T> = Result<T, String>;

impl SimClient {
    /// `base` is the simulator URL (`http://127.0.0.1:PORT/`).
    pub fn new(base: impl Into<String>) -> Self {
        let mut base = base.into();
        if !base.ends_with('/') {
            base.push('/');
        }
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}_sim/{}", self.base, path.trim_start_matches('/'))
    }

    async fn answer(response: reqwest::Response) -> ClientResult<Value> {
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!(
                "{status}: {}",
                body["error"].as_str().unwrap_or("no error text")
            ))
        }
    }

    /// GET `/_sim/<path>`.
    pub async fn get(&self, path: &str) -> ClientResult<Value> {
        let response = self
            .http
            .get(self.url(path))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Self::answer(response).await
    }

    /// POST `/_sim/<path>` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> ClientResult<Value> {
        let response = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Self::answer(response).await
    }

    pub async fn health(&self) -> ClientResult<Value> {
        self.get("health").await
    }

    pub async fn upsert_account(&self, phone: &str, pushname: &str) -> ClientResult<Value> {
        self.post("accounts", json!({"phone": phone, "pushname": pushname}))
            .await
    }

    pub async fn account(&self, phone: &str) -> ClientResult<Value> {
        self.get(&format!("accounts/{phone}")).await
    }

    /// The phone scans the QR string the page's modules produce.
    pub async fn scan(&self, qr: &str, phone: &str, pushname: &str) -> ClientResult<Value> {
        self.post(
            "scan",
            json!({"qr": qr, "phone": phone, "pushname": pushname}),
        )
        .await
    }

    pub async fn pairing_code(&self, phone: &str, code: &str) -> ClientResult<Value> {
        self.post("pairing-code", json!({"phone": phone, "code": code}))
            .await
    }

    /// A contact sends a text; returns the serialized id as the recipient sees it.
    pub async fn send_text(&self, from: &str, to: &str, body: &str) -> ClientResult<String> {
        let answer = self
            .send_message(json!({"from": from, "to": to, "body": body}))
            .await?;
        Ok(answer["id"].as_str().unwrap_or_default().to_string())
    }

    /// `POST /_sim/messages` with any body of the contract (media, quotedId, location...).
    pub async fn send_message(&self, body: Value) -> ClientResult<Value> {
        self.post("messages", body).await
    }

    pub async fn sent(&self, phone: &str) -> ClientResult<Vec<SentMessage>> {
        let list = self.get(&format!("accounts/{phone}/sent")).await?;
        serde_json::from_value(list).map_err(|e| e.to_string())
    }

    pub async fn inbox(&self, phone: &str) -> ClientResult<Vec<SentMessage>> {
        let list = self.get(&format!("accounts/{phone}/inbox")).await?;
        serde_json::from_value(list).map_err(|e| e.to_string())
    }

    pub async fn logout(&self, phone: &str) -> ClientResult<Value> {
        self.post(&format!("accounts/{phone}/logout"), json!({}))
            .await
    }

    pub async fn save_contact(&self, owner: &str, phone: &str, name: &str) -> ClientResult<Value> {
        self.post(
            &format!("accounts/{owner}/contacts"),
            json!({"phone": phone, "name": name}),
        )
        .await
    }

    pub async fn react(&self, from: &str, message_id: &str, reaction: &str) -> ClientResult<Value> {
        self.post(
            "reactions",
            json!({"from": from, "messageId": message_id, "reaction": reaction}),
        )
        .await
    }

    pub async fn revoke(&self, from: &str, message_id: &str) -> ClientResult<Value> {
        self.post("revoke", json!({"from": from, "messageId": message_id}))
            .await
    }

    pub async fn edit(&self, from: &str, message_id: &str, body: &str) -> ClientResult<Value> {
        self.post(
            "edit",
            json!({"from": from, "messageId": message_id, "body": body}),
        )
        .await
    }

    pub async fn read(&self, by: &str, message_id: &str) -> ClientResult<Value> {
        self.post("read", json!({"by": by, "messageId": message_id}))
            .await
    }

    /// Returns the new group's id (`...@g.us`).
    pub async fn create_group(
        &self,
        owner: &str,
        subject: &str,
        participants: &[&str],
    ) -> ClientResult<String> {
        let answer = self
            .post(
                "groups",
                json!({"owner": owner, "subject": subject, "participants": participants}),
            )
            .await?;
        Ok(answer["id"].as_str().unwrap_or_default().to_string())
    }

    pub async fn group(&self, id: &str) -> ClientResult<Value> {
        self.get(&format!("groups/{id}")).await
    }

    /// `action`: add, remove, promote, demote, leave or request.
    pub async fn group_participants(
        &self,
        id: &str,
        by: &str,
        action: &str,
        participants: &[&str],
    ) -> ClientResult<Value> {
        self.post(
            &format!("groups/{id}/participants"),
            json!({"by": by, "action": action, "participants": participants}),
        )
        .await
    }

    /// Returns the call id.
    pub async fn call(&self, from: &str, to: &str, is_video: bool) -> ClientResult<String> {
        let answer = self
            .post(
                "calls",
                json!({"from": from, "to": to, "isVideo": is_video}),
            )
            .await?;
        Ok(answer["id"].as_str().unwrap_or_default().to_string())
    }

    pub async fn vote(
        &self,
        from: &str,
        message_id: &str,
        options: &[&str],
    ) -> ClientResult<Value> {
        self.post(
            "votes",
            json!({"from": from, "messageId": message_id, "options": options}),
        )
        .await
    }
}
