//! What one account's device sees: messages, chats, contacts and groups as WhatsApp
//! attribute objects (Wids as `_serialized` strings; the page turns them into Wid models).

use serde_json::{Value, json};

use super::{ChatKey, Group, Message, Network, Reaction, user_jid};
use crate::ids;

/// How many messages per chat a fresh device receives in its history sync.
pub(super) const HISTORY_PER_CHAT: usize = 200;

impl Message {
    pub fn visible_to(&self, network: &Network, phone: &str) -> bool {
        if self.deleted_for.contains(phone) {
            return false;
        }
        let member = match &self.chat {
            ChatKey::Direct { sender, recipient } => sender == phone || recipient == phone,
            ChatKey::Group(gid) => {
                self.sender == phone
                    || network
                        .groups
                        .get(gid)
                        .is_some_and(|g| g.has_participant(phone))
            }
        };
        member && !network.cleared_for(phone, &self.chat_id_for(phone), self.seq)
    }

    /// The chat id this message lives in, as `viewer` sees it.
    pub fn chat_id_for(&self, viewer: &str) -> String {
        match &self.chat {
            ChatKey::Direct { sender, recipient } => {
                if viewer == sender {
                    user_jid(recipient)
                } else {
                    user_jid(sender)
                }
            }
            ChatKey::Group(gid) => gid.clone(),
        }
    }

    /// All accounts that can see the message: the two ends, or the group's members.
    pub fn audience(&self, network: &Network) -> Vec<String> {
        let mut phones = match &self.chat {
            ChatKey::Direct { sender, recipient } => vec![sender.clone(), recipient.clone()],
            ChatKey::Group(gid) => network
                .groups
                .get(gid)
                .map(|g| g.participants.iter().map(|p| p.phone.clone()).collect())
                .unwrap_or_default(),
        };
        if !phones.contains(&self.sender) {
            phones.push(self.sender.clone());
        }
        phones.dedup();
        phones
    }

    /// The message key as `viewer` sees it (`{fromMe, remote, id, participant?}`).
    pub fn key_for(&self, viewer: &str) -> Value {
        key_value(&self.chat, &self.sender, &self.id, viewer)
    }

    pub fn serialized_id_for(&self, viewer: &str) -> String {
        serialize_key(&self.key_for(viewer))
    }

    /// The recipients whose read receipt counts: everyone but the sender.
    pub fn readers(&self, network: &Network) -> Vec<String> {
        self.audience(network)
            .into_iter()
            .filter(|p| *p != self.sender)
            .collect()
    }
}

/// `{fromMe, remote, id, participant?}` for a message (or reaction) sent by `sender`.
pub fn key_value(chat: &ChatKey, sender: &str, id: &str, viewer: &str) -> Value {
    let from_me = viewer == sender;
    match chat {
        ChatKey::Direct {
            sender: s,
            recipient,
        } => {
            let other = if viewer == s { recipient } else { s };
            json!({"fromMe": from_me, "remote": user_jid(other), "id": id})
        }
        ChatKey::Group(gid) => {
            json!({"fromMe": from_me, "remote": gid, "id": id, "participant": user_jid(sender)})
        }
    }
}

/// `fromMe_remote_id[_participant]`, WhatsApp's MsgKey.toString().
pub fn serialize_key(key: &Value) -> String {
    let mut out = format!(
        "{}_{}_{}",
        key["fromMe"].as_bool().unwrap_or_default(),
        key["remote"].as_str().unwrap_or_default(),
        key["id"].as_str().unwrap_or_default()
    );
    if let Some(participant) = key["participant"].as_str() {
        out.push('_');
        out.push_str(participant);
    }
    out
}

impl Group {
    pub fn has_participant(&self, phone: &str) -> bool {
        self.participants.iter().any(|p| p.phone == phone)
    }

    pub fn is_admin(&self, phone: &str) -> bool {
        self.participants
            .iter()
            .any(|p| p.phone == phone && (p.is_admin || p.is_super_admin))
    }
}

impl Network {
    pub(super) fn cleared_for(&self, phone: &str, chat_id: &str, seq: u64) -> bool {
        self.accounts
            .get(phone)
            .and_then(|a| a.chats.get(chat_id))
            .and_then(|c| c.cleared_through)
            .is_some_and(|through| seq <= through)
    }

    /// The message as `viewer`'s device stores it (WhatsApp Msg attributes).
    pub fn view_message(&self, message: &Message, viewer: &str) -> Value {
        if let Some(placeholder) = self.ciphertext_placeholder(message, viewer) {
            return placeholder;
        }
        let mut attrs = message.content.clone();
        let from_me = viewer == message.sender;
        let (from, to, author) = match &message.chat {
            ChatKey::Direct { sender, recipient } => (user_jid(sender), user_jid(recipient), None),
            ChatKey::Group(gid) if from_me => {
                (user_jid(viewer), gid.clone(), Some(user_jid(viewer)))
            }
            ChatKey::Group(gid) => (
                gid.clone(),
                user_jid(viewer),
                Some(user_jid(&message.sender)),
            ),
        };
        attrs.insert("id".into(), message.key_for(viewer));
        attrs.insert("from".into(), json!(from));
        attrs.insert("to".into(), json!(to));
        if let Some(author) = author {
            attrs.insert("author".into(), json!(author));
        }
        attrs.insert("t".into(), json!(message.t));
        attrs.insert("ack".into(), json!(if from_me { message.ack } else { 1 }));
        attrs.insert("star".into(), json!(message.starred_by.contains(viewer)));
        attrs.insert("hasReaction".into(), json!(!message.reactions.is_empty()));
        if !from_me {
            let pushname = self
                .accounts
                .get(&message.sender)
                .map(|a| a.pushname.clone())
                .unwrap_or_default();
            attrs.insert("notifyName".into(), json!(pushname));
        }
        if message.revoked {
            attrs.insert("type".into(), json!("revoked"));
            attrs.insert("body".into(), json!(""));
            attrs.remove("caption");
        }
        Value::Object(attrs)
    }

    /// A reaction row the way WhatsApp's reaction table stores it, seen by `viewer`.
    pub fn view_reaction(
        &self,
        parent: &Message,
        reactor: &str,
        reaction: &Reaction,
        viewer: &str,
    ) -> Value {
        let mut row = json!({
            "id": key_value(&parent.chat, reactor, &reaction.id, viewer),
            "reactionParentKey": parent.key_for(viewer),
            "reactionText": reaction.text,
            "reactionTimestamp": reaction.t_ms,
            "orphan": 0,
            "read": viewer == reactor,
            "ack": 1,
            "from": user_jid(reactor),
        });
        if let ChatKey::Group(_) = parent.chat {
            row["author"] = json!(user_jid(reactor));
        }
        row
    }

    pub fn view_chat(&self, viewer: &str, chat_id: &str) -> Value {
        let state = self
            .accounts
            .get(viewer)
            .and_then(|a| a.chats.get(chat_id))
            .cloned()
            .unwrap_or_default();
        let name = if chat_id.ends_with("@g.us") {
            self.groups.get(chat_id).map(|g| g.subject.clone())
        } else {
            self.accounts
                .get(viewer)
                .and_then(|a| a.contacts.get(&super::phone_of(chat_id)).cloned())
        };
        json!({
            "id": chat_id,
            "t": state.t,
            "unreadCount": state.unread_count,
            "archive": state.archived,
            "pin": state.pinned,
            "muteExpiration": state.mute_expiration,
            "isReadOnly": false,
            "labels": state.labels,
            "name": name,
            "deleted": state.deleted,
            "endOfHistoryTransferType": self.end_of_history_transfer_type(viewer, chat_id),
        })
    }

    pub fn view_contact(&self, viewer: &str, phone: &str) -> Value {
        let account = self.accounts.get(phone);
        let saved_name = self
            .accounts
            .get(viewer)
            .and_then(|a| a.contacts.get(phone).cloned());
        let blocked = self
            .accounts
            .get(viewer)
            .is_some_and(|a| a.blocked.contains(phone));
        json!({
            "id": user_jid(phone),
            "lid": format!("{}@lid", ids::lid_for_phone(phone)),
            "name": saved_name,
            "pushname": account.map(|a| a.pushname.clone()).filter(|p| !p.is_empty()),
            "isBusiness": account.is_some_and(|a| a.business),
            "about": account.map(|a| a.about.clone()),
            "isMyContact": saved_name.is_some(),
            "isContactBlocked": blocked,
            "profilePic": account.and_then(|a| a.profile_pic.clone()),
            "isMe": viewer == phone,
        })
    }

    pub fn view_group(&self, group: &Group) -> Value {
        json!({
            "id": group.id,
            "creation": group.creation,
            "owner": user_jid(&group.owner),
            "subject": group.subject,
            "subjectTime": group.subject_time,
            "desc": group.desc,
            "descId": group.desc_id,
            "restrict": group.restrict,
            "announce": group.announce,
            "memberAddMode": if group.member_add_mode { "all_member_add" } else { "admin_add" },
            "membershipApprovalMode": group.membership_approval,
            "size": group.participants.len(),
            "participants": group.participants.iter().map(|p| json!({
                "id": user_jid(&p.phone), "isAdmin": p.is_admin || p.is_super_admin, "isSuperAdmin": p.is_super_admin,
            })).collect::<Vec<_>>(),
            "pendingParticipants": [],
            "membershipApprovalRequests": group.membership_requests.iter().map(|p| json!({"id": user_jid(p)})).collect::<Vec<_>>(),
            "inviteCode": group.invite_code,
        })
    }

    /// Everything a device gets when it (re)connects: me, contacts, chats, groups and the
    /// recent messages of each chat up to `through` (what it had already received).
    /// Later messages come in `offline`, which the page adds as new messages after its
    /// sync, like WhatsApp's offline delivery.
    pub(super) fn snapshot(&self, phone: &str, through: u64) -> Value {
        let Some(account) = self.accounts.get(phone) else {
            return Value::Null;
        };
        let mut known: std::collections::BTreeSet<String> =
            account.contacts.keys().cloned().collect();
        known.insert(phone.to_string());
        for chat_id in account.chats.keys() {
            if chat_id.ends_with("@c.us") {
                known.insert(super::phone_of(chat_id));
            }
        }
        let groups: Vec<&Group> = self
            .groups
            .values()
            .filter(|g| g.has_participant(phone))
            .collect();
        for group in &groups {
            known.extend(group.participants.iter().map(|p| p.phone.clone()));
        }
        let chats: Vec<Value> = account
            .chats
            .iter()
            .filter(|(_, c)| !c.deleted)
            .map(|(id, _)| self.view_chat(phone, id))
            .collect();
        let mut per_chat: std::collections::HashMap<String, usize> = Default::default();
        let mut messages: Vec<Value> = self
            .messages
            .iter()
            .rev()
            .filter(|m| m.seq <= through && m.visible_to(self, phone))
            .filter(|m| {
                let count = per_chat.entry(m.chat_id_for(phone)).or_default();
                *count += 1;
                *count <= HISTORY_PER_CHAT
            })
            .map(|m| self.view_message(m, phone))
            .collect();
        messages.reverse();
        let reactions: Vec<Value> = self
            .messages
            .iter()
            .filter(|m| m.visible_to(self, phone))
            .flat_map(|m| {
                m.reactions
                    .iter()
                    .map(move |(reactor, r)| self.view_reaction(m, reactor, r, phone))
            })
            .collect();
        let offline: Vec<Value> = self
            .messages
            .iter()
            .filter(|m| m.seq > through && m.visible_to(self, phone))
            .map(|m| self.view_message(m, phone))
            .collect();
        json!({
            "me": {
                "phone": phone,
                "lid": format!("{}@lid", ids::lid_for_phone(phone)),
                "pushname": account.pushname,
                "about": account.about,
                "business": account.business,
                "platform": if account.business { "smba" } else { "android" },
            },
            "contacts": known.iter().map(|p| self.view_contact(phone, p)).collect::<Vec<_>>(),
            "chats": chats,
            "groups": groups.iter().map(|g| self.view_group(g)).collect::<Vec<_>>(),
            "newsletters": self.view_channels(phone),
            "messages": messages,
            "offline": offline,
            "reactions": reactions,
            "blocklist": self.blocklist(phone),
            "labels": account.labels.iter().map(|l| json!({"id": l.id, "name": l.name, "color": l.color})).collect::<Vec<_>>(),
        })
    }
}
