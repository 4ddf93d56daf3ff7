//! The simulated WhatsApp network: accounts (phones), their linked devices, chats, groups,
//! messages and media. It lives in the server process; pages reach it over the device
//! WebSocket (`device_socket`), people and tests over the `/_sim/` control API (`control`).
//!
//! Everything is kept in one `Network` behind a mutex. Changes that a linked device must
//! see are pushed to its connection as `{"event", "data"}` frames already shaped for that
//! device (its own view: `fromMe`, chat id, unread counts).

pub mod channels;
mod ciphertext;
mod connectivity;
mod devices;
pub mod groups;
mod history;
mod invites;
mod labels;
pub mod linking;
mod messages;
mod number_change;
mod search;
mod views;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Map, Value, json};
use tokio::sync::mpsc::UnboundedSender;

pub use messages::Outgoing;

/// One WebSocket connection from a page.
pub type ConnId = u64;

/// Why a request was refused; the text goes back to the page or the control client.
#[derive(Debug, Clone, PartialEq)]
pub enum NetError {
    NotFound(String),
    Invalid(String),
    Forbidden(String),
}

impl NetError {
    pub fn message(&self) -> &str {
        match self {
            NetError::NotFound(m) | NetError::Invalid(m) | NetError::Forbidden(m) => m,
        }
    }
}

pub type NetResult<T> = Result<T, NetError>;

#[derive(Debug, Default)]
pub struct Network {
    accounts: BTreeMap<String, Account>,
    devices: HashMap<String, Device>,
    /// Devices the phone unlinked: their stored credentials must not log in again.
    unlinked_devices: HashSet<String>,
    connections: HashMap<ConnId, Connection>,
    qr_refs: HashMap<String, ConnId>,
    pairing_codes: HashMap<String, PairingRequest>,
    messages: Vec<Message>,
    message_index: HashMap<String, usize>,
    /// Reactions, edits and revokes, kept apart from messages for the sent/inbox listings.
    activities: Vec<Activity>,
    groups: BTreeMap<String, Group>,
    /// Group id -> the `directPath` of its picture.
    group_pictures: HashMap<String, String>,
    channels: channels::Channels,
    media: HashMap<String, MediaBlob>,
    calls: Vec<Call>,
    /// Phones whose linked devices are cut off from the network (an outage).
    unreachable_phones: HashSet<String>,
    /// Message id -> phones whose devices got it undecryptable and have not retried yet.
    undecryptable: HashMap<String, BTreeSet<String>>,
    next_connection: ConnId,
    /// Orders messages and activities in the sent/inbox listings.
    next_seq: u64,
}

#[derive(Debug, Clone)]
pub struct Account {
    pub phone: String,
    pub pushname: String,
    pub about: String,
    pub business: bool,
    pub blocked: BTreeSet<String>,
    /// Saved contacts: phone -> the name this account gave them.
    pub contacts: BTreeMap<String, String>,
    pub chats: BTreeMap<String, ChatState>,
    pub labels: Vec<Label>,
    pub devices: BTreeSet<String>,
    pub profile_pic: Option<String>,
    /// Times one of this account's devices was opened by a second page while its first
    /// connection was still live (the older socket got a `conflict` stream error).
    pub conflicts: u64,
}

#[derive(Debug, Clone, Default)]
pub struct ChatState {
    pub t: u64,
    pub archived: bool,
    pub pinned: u64,
    pub mute_expiration: i64,
    pub unread_count: i64,
    pub labels: Vec<String>,
    /// Messages up to this seq were cleared (or the chat deleted) on this account.
    pub cleared_through: Option<u64>,
    pub deleted: bool,
    /// The device asked the phone for the chat's whole history.
    pub history_synced: bool,
}

#[derive(Debug, Clone)]
pub struct Label {
    pub id: String,
    pub name: String,
    pub color: i64,
}

#[derive(Debug)]
struct Device {
    phone: String,
    secret: String,
    connection: Option<ConnId>,
    /// The last message seq this device received; later ones are its offline backlog.
    delivered_through: u64,
}

#[derive(Debug)]
struct Connection {
    tx: UnboundedSender<String>,
    device: Option<String>,
    /// QR refs issued to this (unpaired) connection, newest last; only the last two scan.
    refs: VecDeque<String>,
}

#[derive(Debug)]
struct PairingRequest {
    connection: ConnId,
    phone: String,
}

/// Who a message is between.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatKey {
    Direct { sender: String, recipient: String },
    Group(String),
}

#[derive(Debug, Clone)]
pub struct Message {
    pub seq: u64,
    pub id: String,
    pub chat: ChatKey,
    pub sender: String,
    /// WhatsApp message attributes that travel unchanged to every device: type, body,
    /// caption, media fields, quotedMsg, mentionedJidList, lat/lng, ...
    pub content: Map<String, Value>,
    pub t: u64,
    pub ack: i64,
    pub from_device: bool,
    pub media_key: Option<String>,
    pub revoked: bool,
    pub edited: bool,
    pub deleted_for: BTreeSet<String>,
    pub starred_by: BTreeSet<String>,
    pub read_by: BTreeSet<String>,
    /// reactor phone -> reaction
    pub reactions: BTreeMap<String, Reaction>,
    /// Poll votes: voter phone -> selected option names.
    pub votes: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Reaction {
    pub id: String,
    pub text: String,
    pub t_ms: u64,
}

#[derive(Debug, Clone)]
struct Activity {
    seq: u64,
    actor: String,
    kind: &'static str,
    message_id: String,
    payload: Map<String, Value>,
    from_device: bool,
    t: u64,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub subject: String,
    pub subject_time: u64,
    pub desc: String,
    pub desc_id: String,
    pub owner: String,
    pub creation: u64,
    pub announce: bool,
    pub restrict: bool,
    pub member_add_mode: bool,
    pub membership_approval: bool,
    pub participants: Vec<Participant>,
    pub invite_code: String,
    pub membership_requests: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Participant {
    pub phone: String,
    pub is_admin: bool,
    pub is_super_admin: bool,
}

#[derive(Debug, Clone)]
pub struct MediaBlob {
    pub bytes: Vec<u8>,
    pub mimetype: String,
    pub sha256: String,
}

#[derive(Debug, Clone)]
struct Call {
    id: String,
    from: String,
    to: String,
    is_video: bool,
}

/// The `@c.us` id of a phone.
pub fn user_jid(phone: &str) -> String {
    format!("{phone}@c.us")
}

/// The phone part of `123@c.us` (also accepts a bare phone).
pub fn phone_of(jid: &str) -> String {
    jid.split('@')
        .next()
        .unwrap_or_default()
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Accepts a serialized message id (`false_123@c.us_ABC[_participant]`) or a short id.
pub fn short_message_id(id: &str) -> String {
    match id.split('_').nth(2) {
        Some(short) if id.starts_with("true_") || id.starts_with("false_") => short.to_string(),
        _ => id.to_string(),
    }
}

impl Network {
    pub fn new() -> Self {
        Self::default()
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Creates the account when missing; every phone the network hears about exists.
    pub fn ensure_account(&mut self, phone: &str) -> &mut Account {
        self.accounts
            .entry(phone.to_string())
            .or_insert_with(|| Account {
                phone: phone.to_string(),
                pushname: String::new(),
                about: "Hey there! I am using WhatsApp.".to_string(),
                business: false,
                blocked: BTreeSet::new(),
                contacts: BTreeMap::new(),
                chats: BTreeMap::new(),
                labels: Vec::new(),
                devices: BTreeSet::new(),
                profile_pic: None,
                conflicts: 0,
            })
    }

    pub fn account(&self, phone: &str) -> NetResult<&Account> {
        self.accounts
            .get(phone)
            .ok_or_else(|| NetError::NotFound(format!("no account {phone}")))
    }

    /// Upsert from the control API; pushes the new profile to devices that know the account.
    pub fn upsert_account(
        &mut self,
        phone: &str,
        pushname: Option<String>,
        business: Option<bool>,
        about: Option<String>,
    ) {
        let account = self.ensure_account(phone);
        if let Some(pushname) = pushname {
            account.pushname = pushname;
        }
        if let Some(business) = business {
            account.business = business;
        }
        if let Some(about) = about {
            account.about = about;
        }
        self.push_contact_to_all(phone);
    }

    pub fn save_contact(&mut self, owner: &str, phone: &str, name: &str) {
        self.ensure_account(phone);
        self.ensure_account(owner)
            .contacts
            .insert(phone.to_string(), name.to_string());
        let contact = self.view_contact(owner, phone);
        self.push(owner, None, "contact", contact);
    }

    /// Sends `event` to every connected device of `phone`, except `skip` (the origin).
    fn push(&self, phone: &str, skip: Option<ConnId>, event: &str, data: Value) {
        let Some(account) = self.accounts.get(phone) else {
            return;
        };
        let frame = json!({ "event": event, "data": data }).to_string();
        for device in &account.devices {
            let Some(conn) = self.devices.get(device).and_then(|d| d.connection) else {
                continue;
            };
            if Some(conn) == skip {
                continue;
            }
            if let Some(connection) = self.connections.get(&conn) {
                let _ = connection.tx.send(frame.clone());
            }
        }
    }

    fn push_to_connection(&self, conn: ConnId, event: &str, data: Value) {
        if let Some(connection) = self.connections.get(&conn) {
            let frame = json!({ "event": event, "data": data }).to_string();
            let _ = connection.tx.send(frame);
        }
    }

    /// Every device that knows `phone` (shares a chat or a group, or saved it) hears the change.
    fn push_contact_to_all(&self, phone: &str) {
        for viewer in self.accounts.keys() {
            if viewer == phone || self.knows(viewer, phone) {
                self.push(viewer, None, "contact", self.view_contact(viewer, phone));
            }
        }
    }

    fn knows(&self, viewer: &str, phone: &str) -> bool {
        let Some(account) = self.accounts.get(viewer) else {
            return false;
        };
        account.contacts.contains_key(phone)
            || account.chats.contains_key(&user_jid(phone))
            || self
                .groups
                .values()
                .any(|g| g.has_participant(viewer) && g.has_participant(phone))
    }

    /// The phone of the device behind a connection, if it is logged in.
    pub fn connection_phone(&self, conn: ConnId) -> Option<String> {
        let device = self.connections.get(&conn)?.device.as_ref()?;
        self.devices.get(device).map(|d| d.phone.clone())
    }

    pub fn chat_state_mut(&mut self, phone: &str, chat_id: &str) -> &mut ChatState {
        self.ensure_account(phone)
            .chats
            .entry(chat_id.to_string())
            .or_default()
    }

    /// The account's state, in the shape of `GET /_sim/accounts/<phone>`.
    pub fn account_state(&self, phone: &str) -> NetResult<Value> {
        let account = self.account(phone)?;
        let chats: Map<String, Value> = account
            .chats
            .iter()
            .filter(|(_, c)| !c.deleted)
            .map(|(id, c)| {
                (
                    id.clone(),
                    json!({
                        "archived": c.archived,
                        "pinned": c.pinned > 0,
                        "muteExpiration": c.mute_expiration,
                        "unreadCount": c.unread_count,
                        "labels": c.labels,
                    }),
                )
            })
            .collect();
        Ok(json!({
            "phone": account.phone,
            "pushname": account.pushname,
            "about": account.about,
            "business": account.business,
            "blocked": account.blocked,
            "contacts": account.contacts.iter().map(|(p, n)| json!({"phone": p, "name": n})).collect::<Vec<_>>(),
            "chats": chats,
            "labels": account.labels.iter().map(|l| json!({"id": l.id, "name": l.name, "color": l.color})).collect::<Vec<_>>(),
            "linkedDevices": account.devices.len(),
            "profilePicture": account.profile_pic.is_some(),
            "conflicts": account.conflicts,
            "connectedDevices": account.devices.iter().filter(|d| self.devices.get(*d).is_some_and(|d| d.connection.is_some())).count(),
        }))
    }

    pub fn set_blocked(&mut self, phone: &str, target: &str, blocked: bool) {
        let account = self.ensure_account(phone);
        if blocked {
            account.blocked.insert(target.to_string());
        } else {
            account.blocked.remove(target);
        }
        self.push(phone, None, "blocklist", json!(self.blocklist(phone)));
    }

    fn blocklist(&self, phone: &str) -> Vec<String> {
        self.accounts
            .get(phone)
            .map(|a| a.blocked.iter().map(|p| user_jid(p)).collect())
            .unwrap_or_default()
    }

    pub fn set_about(&mut self, phone: &str, about: &str) {
        self.ensure_account(phone).about = about.to_string();
    }

    pub fn set_pushname(&mut self, phone: &str, pushname: &str) {
        self.ensure_account(phone).pushname = pushname.to_string();
        self.push_contact_to_all(phone);
    }

    pub fn set_profile_pic(&mut self, phone: &str, path: Option<String>) {
        self.ensure_account(phone).profile_pic = path;
        self.push_contact_to_all(phone);
    }

    pub fn store_media(&mut self, bytes: Vec<u8>, mimetype: &str) -> String {
        use base64::Engine;
        use sha2::Digest;
        let sha256 = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes));
        let direct_path = crate::ids::media_direct_path();
        self.media.insert(
            media_key_of(&direct_path),
            MediaBlob {
                bytes,
                mimetype: mimetype.to_string(),
                sha256,
            },
        );
        direct_path
    }

    pub fn media(&self, direct_path: &str) -> Option<&MediaBlob> {
        self.media.get(&media_key_of(direct_path))
    }

    pub fn place_call(&mut self, from: &str, to: &str, is_video: bool) -> String {
        self.ensure_account(from);
        self.ensure_account(to);
        let id = crate::ids::call_id();
        self.calls.push(Call {
            id: id.clone(),
            from: from.to_string(),
            to: to.to_string(),
            is_video,
        });
        self.push(
            to,
            None,
            "call",
            json!({
                "id": id,
                "peerJid": user_jid(from),
                "isVideo": is_video,
                "isGroup": false,
                "outgoing": false,
                "offerTime": crate::ids::now_secs(),
            }),
        );
        id
    }

    /// The linked device rejects (or ends) a call it was offered.
    pub fn reject_call(&mut self, phone: &str, call_id: &str) -> NetResult<()> {
        let call = self
            .calls
            .iter()
            .find(|c| c.id == call_id && (c.to == phone || c.from == phone))
            .ok_or_else(|| NetError::NotFound("call not found".into()))?
            .clone();
        self.push(
            phone,
            None,
            "callEnded",
            json!({"id": call.id, "peerJid": user_jid(&call.from), "isVideo": call.is_video}),
        );
        Ok(())
    }
}

/// Media is looked up by the path part of its `directPath` (without the query string).
fn media_key_of(direct_path: &str) -> String {
    direct_path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string()
}
