//! Message routing: sends from linked devices and from phones, acks and read receipts,
//! reactions, edits, revokes, deletes, stars, chat state, and the sent/inbox listings.

use base64::Engine;
use serde_json::{Map, Value, json};

use super::views::{key_value, serialize_key};
use super::{
    Activity, ChatKey, ConnId, Message, NetError, NetResult, Network, Reaction, phone_of,
    short_message_id, user_jid,
};
use crate::ids;

/// Attributes of a page-built message that describe the local send, not the content.
pub(super) const ENVELOPE_KEYS: &[&str] = &[
    "id",
    "from",
    "to",
    "author",
    "ack",
    "t",
    "local",
    "self",
    "isNewMsg",
    "star",
    "notifyName",
    "waitUntilMsgSent",
    "ignoreQuoteErrors",
    "parseVCards",
    "isCaptionByUser",
    "linkPreview",
    "sendSeen",
    "sendAudioAsVoice",
    "sendVideoAsGif",
    "sendMediaAsSticker",
    "sendMediaAsDocument",
    "sendMediaAsHd",
    "quotedMessageId",
    "mentions",
    "media",
    "extra",
    "mediaObject",
    "mediaData",
    "isUnsentMedia",
    "hasReaction",
    "pendingAckUpdate",
    "mediaBlob",
    "renderableUrl",
];

/// A message a phone (not a linked device) sends through the control API.
#[derive(Debug, Default, Clone)]
pub struct Outgoing {
    pub from: String,
    pub to: String,
    pub body: Option<String>,
    /// (mimetype, bytes, filename)
    pub media: Option<(String, Vec<u8>, Option<String>)>,
    pub caption: Option<String>,
    pub quoted_id: Option<String>,
    pub mentions: Vec<String>,
    /// (latitude, longitude, description)
    pub location: Option<(f64, f64, Option<String>)>,
    pub vcard: Option<String>,
}

/// WhatsApp's message type for a media mimetype.
fn media_type(mimetype: &str) -> &'static str {
    match mimetype {
        "image/webp" => "sticker",
        m if m.starts_with("image/") => "image",
        m if m.starts_with("video/") => "video",
        "audio/ogg; codecs=opus" => "ptt",
        m if m.starts_with("audio/") => "audio",
        _ => "document",
    }
}

impl Network {
    pub(super) fn message_index_of(&self, id: &str) -> NetResult<usize> {
        self.message_index
            .get(&short_message_id(id))
            .copied()
            .ok_or_else(|| NetError::NotFound(format!("message {id} not found")))
    }

    pub fn message(&self, id: &str) -> NetResult<&Message> {
        Ok(&self.messages[self.message_index_of(id)?])
    }

    /// Resolves `to` (a phone, a `@c.us` id or a group id) into the chat of a send by `from`.
    fn chat_for_send(&mut self, from: &str, to: &str) -> NetResult<ChatKey> {
        if to.ends_with("@g.us") {
            let group = self
                .groups
                .get(to)
                .ok_or_else(|| NetError::NotFound(format!("group {to} not found")))?;
            if !group.has_participant(from) {
                return Err(NetError::Forbidden(format!(
                    "{from} is not a participant of {to}"
                )));
            }
            if group.announce && !group.is_admin(from) {
                return Err(NetError::Forbidden(
                    "only admins can send to this group".into(),
                ));
            }
            return Ok(ChatKey::Group(to.to_string()));
        }
        let recipient = phone_of(to);
        if recipient.is_empty() || !recipient.chars().all(|c| c.is_ascii_digit()) {
            return Err(NetError::Invalid(format!("bad recipient {to}")));
        }
        self.ensure_account(&recipient);
        Ok(ChatKey::Direct {
            sender: from.to_string(),
            recipient,
        })
    }

    /// Stores a message and delivers it; returns its index.
    pub(super) fn insert_message(&mut self, mut message: Message, origin: Option<ConnId>) -> usize {
        message.seq = self.seq();
        if let Some(quoted) = message
            .content
            .get("quotedStanzaID")
            .and_then(|q| q.as_str())
            && let Ok(index) = self.message_index_of(quoted)
        {
            let quoted = &self.messages[index];
            let mut quoted_content = quoted.content.clone();
            quoted_content.insert("type".into(), json!(quoted.content["type"]));
            message
                .content
                .insert("quotedMsg".into(), Value::Object(quoted_content));
            message
                .content
                .insert("quotedParticipant".into(), json!(user_jid(&quoted.sender)));
        }
        let index = self.messages.len();
        self.message_index.insert(message.id.clone(), index);
        self.messages.push(message);
        self.deliver(index, origin);
        index
    }

    /// Updates every audience member's chat (time, unread, undelete) and pushes the message
    /// to their devices (the origin device already has it).
    fn deliver(&mut self, index: usize, origin: Option<ConnId>) {
        let message = self.messages[index].clone();
        let counts_unread = message.content["type"] != "gp2";
        for phone in message.audience(self) {
            if self
                .accounts
                .get(&phone)
                .is_some_and(|a| a.blocked.contains(&message.sender))
            {
                continue;
            }
            let chat_id = message.chat_id_for(&phone);
            let chat = self.chat_state_mut(&phone, &chat_id);
            chat.t = message.t;
            chat.deleted = false;
            if phone != message.sender && counts_unread {
                chat.unread_count = chat.unread_count.max(0) + 1;
            }
            let view = self.view_message(&message, &phone);
            let chat_view = self.view_chat(&phone, &chat_id);
            self.push(&phone, origin, "msg", view);
            self.push(&phone, None, "chat", chat_view);
            self.mark_devices_delivered(&phone, message.seq);
        }
    }

    /// Connected devices of `phone` have now received everything up to `seq`.
    fn mark_devices_delivered(&mut self, phone: &str, seq: u64) {
        let Some(account) = self.accounts.get(phone) else {
            return;
        };
        for device in account.devices.clone() {
            if let Some(device) = self.devices.get_mut(&device)
                && device.connection.is_some()
            {
                device.delivered_through = device.delivered_through.max(seq);
            }
        }
    }

    /// A linked device sends the message it built (`WAWebSendMsgChatAction.addAndSendMsgToChat`).
    /// Returns the message's short id; the server ack (1) is immediate.
    pub fn send_from_device(&mut self, conn: ConnId, attrs: &Value) -> NetResult<Value> {
        let from = self
            .connection_phone(conn)
            .ok_or_else(|| NetError::Forbidden("device not logged in".into()))?;
        let id = attrs["id"]["id"]
            .as_str()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| NetError::Invalid("message id missing".into()))?
            .to_string();
        if let Some(&index) = self.message_index.get(&id) {
            let m = &self.messages[index];
            return Ok(json!({"id": id, "t": m.t, "ack": m.ack}));
        }
        let to = attrs["to"]
            .as_str()
            .or_else(|| attrs["id"]["remote"].as_str())
            .unwrap_or_default();
        let chat = self.chat_for_send(&from, to)?;
        let mut content: Map<String, Value> = attrs.as_object().cloned().unwrap_or_default();
        for key in ENVELOPE_KEYS {
            content.remove(*key);
        }
        content.retain(|_, v| !v.is_null());
        content.entry("type").or_insert_with(|| json!("chat"));
        let media_key = content
            .get("directPath")
            .and_then(|p| p.as_str())
            .filter(|p| self.media(p).is_some())
            .map(str::to_string);
        // Stickers uploaded through encryptAndUpload carry no mimetype; the upload had one.
        if let Some(blob) = media_key.as_deref().and_then(|p| self.media(p))
            && !content.contains_key("mimetype")
        {
            content.insert("mimetype".into(), json!(blob.mimetype));
        }
        let t = ids::now_secs();
        let message = Message {
            seq: 0,
            id: id.clone(),
            chat,
            sender: from,
            content,
            t,
            ack: 1,
            from_device: true,
            media_key,
            revoked: false,
            edited: false,
            deleted_for: Default::default(),
            starred_by: Default::default(),
            read_by: Default::default(),
            reactions: Default::default(),
            votes: Default::default(),
        };
        self.insert_message(message, Some(conn));
        Ok(json!({"id": id, "t": t, "ack": 1}))
    }

    /// A phone sends a message (control API). Returns the id as the recipient sees it.
    pub fn send_from_phone(&mut self, out: Outgoing) -> NetResult<(String, String)> {
        self.ensure_account(&out.from);
        let chat = self.chat_for_send(&out.from, &out.to)?;
        let mut content = Map::new();
        if let Some((mimetype, bytes, filename)) = out.media {
            use sha2::Digest;
            let size = bytes.len();
            let kind = media_type(&mimetype);
            let filehash =
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes));
            let direct_path = self.store_media(bytes, &mimetype);
            content.insert("type".into(), json!(kind));
            content.insert("mimetype".into(), json!(mimetype));
            content.insert("size".into(), json!(size));
            content.insert("directPath".into(), json!(direct_path));
            content.insert("filehash".into(), json!(filehash));
            content.insert("encFilehash".into(), json!(filehash));
            content.insert(
                "mediaKey".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(ids::random_hex(32))),
            );
            content.insert("mediaKeyTimestamp".into(), json!(ids::now_secs()));
            if let Some(filename) = filename {
                content.insert("filename".into(), json!(filename));
            }
            let caption = out.caption.or(out.body).unwrap_or_default();
            content.insert("caption".into(), json!(caption));
            content.insert("body".into(), json!(""));
        } else if let Some((lat, lng, description)) = out.location {
            content.insert("type".into(), json!("location"));
            content.insert("lat".into(), json!(lat));
            content.insert("lng".into(), json!(lng));
            if let Some(description) = description {
                content.insert("loc".into(), json!(description));
            }
            content.insert("body".into(), json!(""));
        } else if let Some(vcard) = out.vcard {
            content.insert("type".into(), json!("vcard"));
            let name = vcard
                .lines()
                .find_map(|l| l.strip_prefix("FN:"))
                .unwrap_or_default()
                .to_string();
            content.insert("vcardFormattedName".into(), json!(name));
            content.insert("body".into(), json!(vcard));
        } else {
            content.insert("type".into(), json!("chat"));
            content.insert("body".into(), json!(out.body.unwrap_or_default()));
        }
        if !out.mentions.is_empty() {
            content.insert(
                "mentionedJidList".into(),
                json!(
                    out.mentions
                        .iter()
                        .map(|p| user_jid(&phone_of(p)))
                        .collect::<Vec<_>>()
                ),
            );
        }
        if let Some(quoted) = out.quoted_id {
            let quoted = self.message(&quoted)?.id.clone();
            content.insert("quotedStanzaID".into(), json!(quoted));
        }
        let media_key = content
            .get("directPath")
            .and_then(|p| p.as_str())
            .map(str::to_string);
        let message = Message {
            seq: 0,
            id: ids::phone_message_id(),
            chat,
            sender: out.from.clone(),
            content,
            t: ids::now_secs(),
            ack: 1,
            from_device: false,
            media_key,
            revoked: false,
            edited: false,
            deleted_for: Default::default(),
            starred_by: Default::default(),
            read_by: Default::default(),
            reactions: Default::default(),
            votes: Default::default(),
        };
        let index = self.insert_message(message, None);
        let message = &self.messages[index];
        let viewer = message
            .readers(self)
            .into_iter()
            .next()
            .unwrap_or_else(|| out.from.clone());
        Ok((message.serialized_id_for(&viewer), message.id.clone()))
    }

    /// The recipients' phones got the message: ack 2 (delivered) at the sender.
    pub fn mark_delivered(&mut self, id: &str) {
        let Ok(index) = self.message_index_of(id) else {
            return;
        };
        if self.messages[index].ack < 2 {
            self.messages[index].ack = 2;
            self.push_ack(index);
        }
    }

    fn push_ack(&self, index: usize) {
        let message = &self.messages[index];
        self.push(
            &message.sender,
            None,
            "ack",
            json!({"id": message.serialized_id_for(&message.sender), "ack": message.ack}),
        );
    }

    /// `reader` reads the chat up to and including message `seq` (all when None): every
    /// earlier incoming message is read; senders see ack 3 once all recipients read.
    fn mark_read(&mut self, reader: &str, chat_id: &str, through: Option<u64>) {
        let mut changed = Vec::new();
        for index in 0..self.messages.len() {
            let message = &self.messages[index];
            if message.sender == reader
                || through.is_some_and(|t| message.seq > t)
                || message.chat_id_for(reader) != chat_id
                || !message.visible_to(self, reader)
                || message.read_by.contains(reader)
            {
                continue;
            }
            self.messages[index].read_by.insert(reader.to_string());
            changed.push(index);
        }
        for index in changed {
            let readers = self.messages[index].readers(self);
            let message = &mut self.messages[index];
            if message.ack < 3 && readers.iter().all(|r| message.read_by.contains(r)) {
                message.ack = 3;
                self.push_ack(index);
            }
        }
        let chat = self.chat_state_mut(reader, chat_id);
        if chat.unread_count != 0 {
            chat.unread_count = 0;
            let view = self.view_chat(reader, chat_id);
            self.push(reader, None, "chat", view);
        }
    }

    /// `/_sim/read`: the recipient reads a message (and everything before it in the chat).
    pub fn read_message(&mut self, by: &str, id: &str) -> NetResult<()> {
        let message = self.message(id)?;
        if !message.visible_to(self, by) {
            return Err(NetError::NotFound(format!("{by} cannot see message {id}")));
        }
        let (chat_id, seq) = (message.chat_id_for(by), message.seq);
        self.mark_read(by, &chat_id, Some(seq));
        Ok(())
    }

    /// A linked device opens a chat (`WAWebUpdateUnreadChatAction.sendSeen`).
    pub fn send_seen(&mut self, conn: ConnId, chat_id: &str) -> NetResult<()> {
        let phone = self.require_phone(conn)?;
        self.mark_read(&phone, chat_id, None);
        Ok(())
    }

    pub fn require_phone(&self, conn: ConnId) -> NetResult<String> {
        self.connection_phone(conn)
            .ok_or_else(|| NetError::Forbidden("device not logged in".into()))
    }

    fn record_activity(
        &mut self,
        actor: &str,
        kind: &'static str,
        message_id: &str,
        payload: Map<String, Value>,
        from_device: bool,
    ) {
        let seq = self.seq();
        self.activities.push(Activity {
            seq,
            actor: actor.to_string(),
            kind,
            message_id: message_id.to_string(),
            payload,
            from_device,
            t: ids::now_secs(),
        });
    }

    /// `actor` reacts to a message; an empty text removes their reaction.
    pub fn react(
        &mut self,
        actor: &str,
        id: &str,
        text: &str,
        reaction_id: Option<String>,
        origin: Option<ConnId>,
    ) -> NetResult<()> {
        let index = self.message_index_of(id)?;
        if !self.messages[index].visible_to(self, actor) {
            return Err(NetError::NotFound(format!(
                "{actor} cannot see message {id}"
            )));
        }
        let reaction = Reaction {
            id: reaction_id.unwrap_or_else(ids::phone_message_id),
            text: text.to_string(),
            t_ms: ids::now_millis(),
        };
        let message = &mut self.messages[index];
        if text.is_empty() {
            message.reactions.remove(actor);
        } else {
            message
                .reactions
                .insert(actor.to_string(), reaction.clone());
        }
        let message = self.messages[index].clone();
        for phone in message.audience(self) {
            let row = self.view_reaction(&message, actor, &reaction, &phone);
            self.push(&phone, origin, "reaction", row);
        }
        let mut payload = Map::new();
        payload.insert("reaction".into(), json!(text));
        payload.insert("reactionId".into(), json!(reaction.id));
        self.record_activity(actor, "reaction", &message.id, payload, origin.is_some());
        Ok(())
    }

    /// The sender edits the text (or caption) of a message.
    pub fn edit(
        &mut self,
        actor: &str,
        id: &str,
        body: &str,
        origin: Option<ConnId>,
    ) -> NetResult<()> {
        let index = self.message_index_of(id)?;
        let message = &mut self.messages[index];
        if message.sender != actor {
            return Err(NetError::Forbidden("only the sender can edit".into()));
        }
        if message.revoked {
            return Err(NetError::Invalid("message was revoked".into()));
        }
        let field = if message.content.contains_key("caption") {
            "caption"
        } else {
            "body"
        };
        message.content.insert(field.into(), json!(body));
        message.edited = true;
        let edit_id = ids::phone_message_id();
        let edit_ms = ids::now_millis();
        let message = self.messages[index].clone();
        for phone in message.audience(self) {
            let data = json!({
                "id": message.serialized_id_for(&phone),
                field: body,
                "latestEditMsgKey": key_value(&message.chat, actor, &edit_id, &phone),
                "latestEditSenderTimestampMs": edit_ms,
            });
            self.push(&phone, origin, "edit", data);
        }
        let mut payload = Map::new();
        payload.insert("body".into(), json!(body));
        self.record_activity(actor, "edit", &message.id, payload, origin.is_some());
        Ok(())
    }

    /// Delete for everyone: the sender, or a group admin, revokes a message.
    pub fn revoke(&mut self, actor: &str, id: &str, origin: Option<ConnId>) -> NetResult<()> {
        let index = self.message_index_of(id)?;
        let message = &self.messages[index];
        let allowed = message.sender == actor
            || matches!(&message.chat, ChatKey::Group(gid)
                if self.groups.get(gid).is_some_and(|g| g.is_admin(actor)));
        if !allowed {
            return Err(NetError::Forbidden(
                "only the sender or a group admin can revoke".into(),
            ));
        }
        self.messages[index].revoked = true;
        let revoke_id = ids::phone_message_id();
        let message = self.messages[index].clone();
        for phone in message.audience(self) {
            let data = json!({
                "id": message.serialized_id_for(&phone),
                "protocolMessageKey": key_value(&message.chat, actor, &revoke_id, &phone),
                "revokeSender": user_jid(actor),
            });
            self.push(&phone, origin, "revoke", data);
        }
        self.record_activity(actor, "revoke", &message.id, Map::new(), origin.is_some());
        Ok(())
    }

    /// Delete for me (`Cmd.sendDeleteMsgs`): the message disappears from that account only.
    pub fn delete_for_me(&mut self, conn: ConnId, ids: &[String]) -> NetResult<()> {
        let phone = self.require_phone(conn)?;
        let mut deleted = Vec::new();
        for id in ids {
            let index = self.message_index_of(id)?;
            let message = &mut self.messages[index];
            message.deleted_for.insert(phone.clone());
            deleted.push(message.serialized_id_for(&phone));
        }
        self.push(&phone, Some(conn), "deleteForMe", json!({"ids": deleted}));
        Ok(())
    }

    pub fn star(&mut self, conn: ConnId, ids: &[String], star: bool) -> NetResult<()> {
        let phone = self.require_phone(conn)?;
        let mut starred = Vec::new();
        for id in ids {
            let index = self.message_index_of(id)?;
            let message = &mut self.messages[index];
            if star {
                message.starred_by.insert(phone.clone());
            } else {
                message.starred_by.remove(&phone);
            }
            starred.push(message.serialized_id_for(&phone));
        }
        self.push(
            &phone,
            Some(conn),
            "star",
            json!({"ids": starred, "star": star}),
        );
        Ok(())
    }

    /// Changes one of the device account's chats and tells its other devices.
    pub fn update_chat(
        &mut self,
        conn: ConnId,
        chat_id: &str,
        change: impl FnOnce(&mut super::ChatState),
    ) -> NetResult<Value> {
        let phone = self.require_phone(conn)?;
        change(self.chat_state_mut(&phone, chat_id));
        let view = self.view_chat(&phone, chat_id);
        self.push(&phone, Some(conn), "chat", view.clone());
        Ok(view)
    }

    /// Clears a chat's messages on this account (or deletes the chat too).
    pub fn clear_chat(&mut self, conn: ConnId, chat_id: &str, delete: bool) -> NetResult<()> {
        let phone = self.require_phone(conn)?;
        let through = self.next_seq;
        let chat = self.chat_state_mut(&phone, chat_id);
        chat.cleared_through = Some(through);
        chat.unread_count = 0;
        if delete {
            chat.deleted = true;
        }
        let event = if delete { "chatDeleted" } else { "chatCleared" };
        self.push(&phone, Some(conn), event, json!({"id": chat_id}));
        Ok(())
    }

    /// Messages of a chat older than `before` (a serialized id), newest last, at most `count`.
    pub fn earlier_messages(
        &self,
        conn: ConnId,
        chat_id: &str,
        before: Option<&str>,
        count: usize,
    ) -> NetResult<Vec<Value>> {
        let phone = self.require_phone(conn)?;
        if chat_id.ends_with("@newsletter") {
            // A channel's posts reach its followers' devices as they are published (see
            // channels.rs): the phone keeps none back for loading on demand.
            return Ok(Vec::new());
        }
        let limit = match before {
            Some(id) => self.message(id)?.seq,
            None => u64::MAX,
        };
        let mut found: Vec<Value> = self
            .messages
            .iter()
            .rev()
            .filter(|m| m.seq < limit && m.chat_id_for(&phone) == chat_id)
            .filter(|m| m.visible_to(self, &phone))
            .take(count)
            .map(|m| self.view_message(m, &phone))
            .collect();
        found.reverse();
        Ok(found)
    }

    /// A listing entry for the control API (`sent` / `inbox`), ids as `viewer` sees them.
    fn entry(&self, message: &Message, viewer: &str) -> Value {
        let content = &message.content;
        let mut entry = json!({
            "id": message.serialized_id_for(viewer),
            "shortId": message.id,
            "from": user_jid(&message.sender),
            "to": message.chat_id_for(&message.sender),
            "type": if message.revoked { json!("revoked") } else { content["type"].clone() },
            "body": content.get("body").cloned().unwrap_or(json!("")),
            "ack": message.ack,
            "timestamp": message.t,
            "fromDevice": message.from_device,
            "revoked": message.revoked,
            "edited": message.edited,
            "starred": message.starred_by.contains(viewer),
            "reactions": message.reactions.iter().map(|(p, r)| (p.clone(), json!(r.text))).collect::<Map<_, _>>(),
        });
        for (key, name) in [
            ("caption", "caption"),
            ("quotedStanzaID", "quotedId"),
            ("mentionedJidList", "mentions"),
            ("subtype", "subtype"),
            ("isForwarded", "isForwarded"),
        ] {
            if let Some(value) = content.get(key) {
                entry[name] = value.clone();
            }
        }
        if content["type"] == "location" {
            entry["location"] = json!({"latitude": content["lat"], "longitude": content["lng"], "description": content.get("loc")});
        }
        if content["type"] == "vcard" {
            entry["vcard"] = content["body"].clone();
        }
        if let Some(blob) = message.media_key.as_deref().and_then(|p| self.media(p)) {
            entry["media"] = json!({
                "mimetype": content.get("mimetype").cloned().unwrap_or(json!(blob.mimetype)),
                "filename": content.get("filename"),
                "size": blob.bytes.len(),
                "sha256": blob.sha256,
            });
        }
        entry
    }

    fn activity_entry(&self, activity: &Activity, viewer: &str) -> Option<Value> {
        let message = self.message(&activity.message_id).ok()?;
        let mut entry = json!({
            "type": activity.kind,
            "messageId": message.serialized_id_for(viewer),
            "shortMessageId": message.id,
            "from": user_jid(&activity.actor),
            "to": message.chat_id_for(&activity.actor),
            "timestamp": activity.t,
            "fromDevice": activity.from_device,
        });
        for (key, value) in &activity.payload {
            entry[key] = value.clone();
        }
        Some(entry)
    }

    /// What the account's linked devices sent, oldest first (messages and activities).
    pub fn sent(&self, phone: &str) -> NetResult<Vec<Value>> {
        self.account(phone)?;
        let mut entries: Vec<(u64, Value)> = self
            .messages
            .iter()
            .filter(|m| m.sender == phone && m.from_device && m.content["type"] != "gp2")
            .map(|m| (m.seq, self.entry(m, phone)))
            .collect();
        entries.extend(
            self.activities
                .iter()
                .filter(|a| a.actor == phone && a.from_device)
                .filter_map(|a| Some((a.seq, self.activity_entry(a, phone)?))),
        );
        entries.sort_by_key(|(seq, _)| *seq);
        Ok(entries.into_iter().map(|(_, e)| e).collect())
    }

    /// What reached the account from others, oldest first (messages and activities).
    pub fn inbox(&self, phone: &str) -> NetResult<Vec<Value>> {
        self.account(phone)?;
        let mut entries: Vec<(u64, Value)> = self
            .messages
            .iter()
            .filter(|m| m.sender != phone && m.content["type"] != "gp2")
            .filter(|m| m.audience(self).iter().any(|p| p == phone))
            .map(|m| (m.seq, self.entry(m, phone)))
            .collect();
        entries.extend(
            self.activities
                .iter()
                .filter(|a| a.actor != phone)
                .filter(|a| {
                    self.message(&a.message_id)
                        .is_ok_and(|m| m.audience(self).iter().any(|p| p == phone))
                })
                .filter_map(|a| Some((a.seq, self.activity_entry(a, phone)?))),
        );
        entries.sort_by_key(|(seq, _)| *seq);
        Ok(entries.into_iter().map(|(_, e)| e).collect())
    }

    /// The serialized key a message has on `viewer`'s device.
    pub fn serialized_id(&self, id: &str, viewer: &str) -> NetResult<String> {
        Ok(serialize_key(&self.message(id)?.key_for(viewer)))
    }

    /// `voter` votes in a poll (`options` are option names; empty clears the vote).
    pub fn vote(
        &mut self,
        voter: &str,
        id: &str,
        options: &[String],
        origin: Option<ConnId>,
    ) -> NetResult<()> {
        let index = self.message_index_of(id)?;
        let poll = &self.messages[index];
        if poll.content["type"] != "poll_creation" {
            return Err(NetError::Invalid("not a poll".into()));
        }
        if !poll.visible_to(self, voter) {
            return Err(NetError::NotFound(format!("{voter} cannot see poll {id}")));
        }
        let known: Vec<(String, Value)> = poll.content["pollOptions"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|o| {
                        (
                            o["name"].as_str().unwrap_or_default().to_string(),
                            o["localId"].clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut local_ids = Vec::new();
        for option in options {
            let (_, local_id) = known
                .iter()
                .find(|(name, _)| name == option)
                .ok_or_else(|| NetError::Invalid(format!("poll has no option {option}")))?;
            local_ids.push(local_id.clone());
        }
        self.messages[index]
            .votes
            .insert(voter.to_string(), options.to_vec());
        let vote_id = ids::phone_message_id();
        let t_ms = ids::now_millis();
        let poll = self.messages[index].clone();
        for phone in poll.audience(self) {
            let mut row = json!({
                "id": key_value(&poll.chat, voter, &vote_id, &phone),
                "parentMsgKey": poll.key_for(&phone),
                "pollUpdateParentKey": poll.key_for(&phone),
                "sender": user_jid(voter),
                "selectedOptionLocalIds": local_ids,
                "senderTimestampMs": t_ms,
                "t": t_ms / 1000,
                "ack": 1,
                "read": phone == voter,
                "from": user_jid(voter),
            });
            if let ChatKey::Group(_) = poll.chat {
                row["author"] = json!(user_jid(voter));
            }
            self.push(&phone, origin, "vote", row);
        }
        let mut payload = Map::new();
        payload.insert("options".into(), json!(options));
        self.record_activity(voter, "vote", &poll.id, payload, origin.is_some());
        Ok(())
    }
}
