//! Messages the recipients' devices cannot decrypt at first (their Signal session with the
//! sender is out of step). WhatsApp Web stores such a message as a `ciphertext`
//! placeholder, sends the sender a retry receipt, and the sender's phone re-encrypts and
//! re-sends it; decrypted, the placeholder takes the real content (its `type` changes).

use serde_json::{Value, json};

use super::{ChatKey, ConnId, Message, NetError, NetResult, Network, phone_of};
use crate::ids;

impl Network {
    /// A phone sends a text that reaches the recipients' devices undecryptable.
    /// Returns (the id as the first recipient sees it, the short id).
    pub fn send_undecryptable(
        &mut self,
        from: &str,
        to: &str,
        body: &str,
    ) -> NetResult<(String, String)> {
        self.ensure_account(from);
        let chat = if to.ends_with("@g.us") {
            let group = self
                .groups
                .get(to)
                .ok_or_else(|| NetError::NotFound(format!("group {to} not found")))?;
            if !group.has_participant(from) {
                return Err(NetError::Forbidden(format!(
                    "{from} is not a participant of {to}"
                )));
            }
            ChatKey::Group(to.to_string())
        } else {
            let recipient = phone_of(to);
            self.ensure_account(&recipient);
            ChatKey::Direct {
                sender: from.to_string(),
                recipient,
            }
        };
        let mut content = serde_json::Map::new();
        content.insert("type".into(), json!("chat"));
        content.insert("body".into(), json!(body));
        let message = Message {
            seq: 0,
            id: ids::phone_message_id(),
            chat,
            sender: from.to_string(),
            content,
            t: ids::now_secs(),
            ack: 1,
            from_device: false,
            media_key: None,
            revoked: false,
            edited: false,
            deleted_for: Default::default(),
            starred_by: Default::default(),
            read_by: Default::default(),
            reactions: Default::default(),
            votes: Default::default(),
        };
        let readers = message.readers(self);
        self.undecryptable
            .insert(message.id.clone(), readers.iter().cloned().collect());
        let index = self.insert_message(message, None);
        let message = &self.messages[index];
        let viewer = readers.first().map_or(from, String::as_str);
        Ok((message.serialized_id_for(viewer), message.id.clone()))
    }

    /// What `viewer`'s device holds while it cannot decrypt `message`: the envelope only.
    pub(super) fn ciphertext_placeholder(&self, message: &Message, viewer: &str) -> Option<Value> {
        let pending = self.undecryptable.get(&message.id)?;
        if !pending.contains(viewer) || message.content["type"] == "ciphertext" {
            return None;
        }
        let mut envelope = message.clone();
        envelope.content = serde_json::Map::from_iter([
            ("type".to_string(), json!("ciphertext")),
            ("body".to_string(), json!("")),
        ]);
        Some(self.view_message(&envelope, viewer))
    }

    /// The device's retry receipt: the sender's phone re-sends the message, which the
    /// device now decrypts.
    pub fn retry_receipt(&mut self, conn: ConnId, id: &str) -> NetResult<()> {
        let phone = self.require_phone(conn)?;
        let index = self.message_index_of(id)?;
        let message_id = self.messages[index].id.clone();
        let Some(pending) = self.undecryptable.get_mut(&message_id) else {
            return Ok(());
        };
        pending.remove(&phone);
        if pending.is_empty() {
            self.undecryptable.remove(&message_id);
        }
        let view = self.view_message(&self.messages[index], &phone);
        self.push(&phone, None, "msg", view);
        Ok(())
    }
}
