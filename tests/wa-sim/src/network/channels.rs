//! Channels (WhatsApp newsletters): creation, metadata edits, subscribers and their
//! settings, admins and admin invites, ownership, posts, the public directory, and the
//! control API that plays other accounts' channels (`/_sim/channels`).
//!
//! A channel is one-to-many: its owner and admins post, anyone may preview it, subscribers
//! get its posts. Every device that follows a channel (or owns, administers or previews it)
//! hears changes as `newsletter` pushes carrying the channel as that account sees it (its
//! role, its mute setting), and posts as `newsletterMsg` pushes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::messages::ENVELOPE_KEYS;
use super::{ConnId, NetError, NetResult, Network, phone_of, user_jid};
use crate::ids;

/// Roles, as WhatsApp's `NewsletterMembershipType`.
const OWNER: &str = "owner";
const ADMIN: &str = "admin";
const SUBSCRIBER: &str = "subscriber";
const GUEST: &str = "guest";

/// `NewsletterReactionCodesSetting`: All 0, Basic 1, Blocklist 2, None 3.
const REACTIONS_ALL: i64 = 0;
const REACTIONS_NONE: i64 = 3;

/// How long an admin invite stays valid (WhatsApp: 30 days).
const ADMIN_INVITE_TTL_SECS: u64 = 30 * 24 * 3600;

/// Directory page size when the page asks for none.
const DIRECTORY_PAGE_SIZE: usize = 50;

#[derive(Debug, Default)]
pub struct Channels {
    by_id: BTreeMap<String, Channel>,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub name_time: u64,
    pub description: String,
    pub description_time: u64,
    pub invite_code: String,
    pub owner: String,
    pub admins: BTreeSet<String>,
    /// Invitee phone -> expiration (seconds).
    pub pending_admins: BTreeMap<String, u64>,
    pub subscribers: BTreeSet<String>,
    /// Accounts that previewed the channel without following it: they still hear of it.
    pub guests: BTreeSet<String>,
    /// Accounts that muted the channel.
    pub muted: BTreeSet<String>,
    pub creation: u64,
    /// The picture's `directPath` on the media server.
    pub picture: Option<String>,
    pub reaction_codes: i64,
    pub verified: bool,
    /// ISO 3166-1 alpha-2 code the directory files the channel under.
    pub country: String,
    pub posts: Vec<Post>,
}

#[derive(Debug, Clone)]
pub struct Post {
    pub server_id: u64,
    pub id: String,
    pub author: String,
    pub content: Map<String, Value>,
    pub t: u64,
    /// The handle (`directPath`) of the media a media post carries, uploaded unencrypted.
    pub media: Option<String>,
}

/// What a channel's creator gives.
#[derive(Debug, Default, Clone)]
pub struct NewChannel {
    pub owner: String,
    pub name: String,
    pub description: String,
    pub picture: Option<String>,
    pub country: Option<String>,
    pub verified: bool,
}

/// A metadata change (`editNewsletterMetadata`); `picture: Some(None)` removes the picture.
#[derive(Debug, Default, Clone)]
pub struct MetadataEdit {
    pub name: Option<String>,
    pub description: Option<String>,
    pub picture: Option<Option<String>>,
    pub reaction_codes: Option<i64>,
}

/// A directory search (`fetchNewsletterDirectories`).
#[derive(Debug, Default, Clone)]
pub struct DirectoryQuery {
    pub text: String,
    pub countries: Vec<String>,
    pub skip_subscribed: bool,
    /// RECOMMENDED, TRENDING, POPULAR or NEW.
    pub view: String,
    pub limit: Option<usize>,
}

impl Channel {
    pub fn role(&self, phone: &str) -> &'static str {
        if self.owner == phone {
            OWNER
        } else if self.admins.contains(phone) {
            ADMIN
        } else if self.subscribers.contains(phone) {
            SUBSCRIBER
        } else {
            GUEST
        }
    }

    fn can_manage(&self, phone: &str) -> bool {
        self.owner == phone || self.admins.contains(phone)
    }

    /// Everyone whose devices keep this channel: owner, admins, subscribers, previewers.
    fn audience(&self) -> BTreeSet<String> {
        let mut phones: BTreeSet<String> = self.admins.clone();
        phones.insert(self.owner.clone());
        phones.extend(self.subscribers.iter().cloned());
        phones.extend(self.guests.iter().cloned());
        phones
    }

    fn size(&self) -> usize {
        self.subscribers.len()
    }

    /// Changes with the picture, like WhatsApp's picture ids.
    fn picture_id(&self) -> String {
        self.picture
            .as_deref()
            .map(|p| {
                format!(
                    "{}",
                    p.len() as u64 * 31 + p.bytes().map(u64::from).sum::<u64>()
                )
            })
            .unwrap_or_default()
    }

    fn last_activity(&self) -> u64 {
        self.posts.last().map_or(self.creation, |p| p.t)
    }
}

impl Network {
    fn channel(&self, id: &str) -> NetResult<&Channel> {
        self.channels
            .by_id
            .get(id)
            .ok_or_else(|| NetError::NotFound(format!("channel {id} not found")))
    }

    fn channel_mut(&mut self, id: &str) -> NetResult<&mut Channel> {
        self.channels
            .by_id
            .get_mut(id)
            .ok_or_else(|| NetError::NotFound(format!("channel {id} not found")))
    }

    fn managed_channel_mut(&mut self, id: &str, by: &str) -> NetResult<&mut Channel> {
        let channel = self.channel_mut(id)?;
        if !channel.can_manage(by) {
            return Err(NetError::Forbidden(format!("{by} is not an admin of {id}")));
        }
        Ok(channel)
    }

    fn channel_by_invite(&self, code: &str) -> NetResult<&Channel> {
        self.channels
            .by_id
            .values()
            .find(|c| c.invite_code == code)
            .ok_or_else(|| NetError::NotFound(format!("no channel with invite code {code}")))
    }

    /// The channel as the server describes it to `viewer` (WhatsApp's newsletter query
    /// response: one mixin per facet, the viewer's role and settings included), plus its
    /// posts, which WhatsApp fetches with a separate query.
    pub fn view_channel(&self, channel: &Channel, viewer: &str) -> Value {
        let picture = match &channel.picture {
            Some(path) => json!([{"queryPictureDirectPathOrEmptyResponseMixinGroup": {
                "name": "QueryPictureDirectPathResponse",
                "value": {"type": "image", "directPath": path, "id": channel.picture_id()},
            }}]),
            None => json!([]),
        };
        let muted = if channel.muted.contains(viewer) {
            "ON"
        } else {
            "OFF"
        };
        json!({
            "idJid": channel.id,
            "newsletterCreationTimeMetadataMixin": {"creationTimeValue": channel.creation},
            "newsletterNameMetadataMixin": {"nameElementValue": channel.name, "nameUpdateTime": channel.name_time},
            "newsletterDescriptionMetadataMixin": {"descriptionQueryDescriptionResponseMixin": {
                "elementValue": channel.description, "updateTime": channel.description_time,
            }},
            "newsletterInviteLinkMetadataMixin": {"inviteCode": channel.invite_code},
            "newsletterPictureMetadataMixin": {"picture": picture},
            "newsletterSubscribersMetadataMixin": {"subscribersCount": channel.size()},
            "newsletterVerificationMetadataMixin": {
                "verificationState": if channel.verified { "verified" } else { "unverified" },
            },
            "newsletterPrivacyMetadataMixin": {"privacyType": "public"},
            "newsletterStateMetadataMixin": {"stateType": "active"},
            "newsletterMembershipMetadataMixin": {"membershipType": channel.role(viewer)},
            "newsletterReactionCodesSettingMetadataMixin": channel.reaction_codes,
            "newsletterUserSettingsMetadataMixin": [{"type": "MUTE_ADMIN_ACTIVITY", "value": muted}],
            "messages": channel.posts.iter().map(|p| self.view_post(channel, p, viewer)).collect::<Vec<_>>(),
        })
    }

    /// A post as `viewer` sees it: a message of the newsletter chat, with its server id.
    fn view_post(&self, channel: &Channel, post: &Post, viewer: &str) -> Value {
        let from_me = post.author == viewer;
        let mut view = post.content.clone();
        view.insert(
            "id".into(),
            json!({"fromMe": from_me, "remote": channel.id, "id": post.id}),
        );
        view.insert(
            "from".into(),
            json!(if from_me {
                user_jid(viewer)
            } else {
                channel.id.clone()
            }),
        );
        view.insert("to".into(), json!(channel.id));
        view.insert("t".into(), json!(post.t));
        view.insert("serverId".into(), json!(post.server_id));
        view.insert("ack".into(), json!(1));
        Value::Object(view)
    }

    /// The channels an account's device keeps, for its sync snapshot.
    pub fn view_channels(&self, phone: &str) -> Vec<Value> {
        self.channels
            .by_id
            .values()
            .filter(|c| c.audience().contains(phone))
            .map(|c| self.view_channel(c, phone))
            .collect()
    }

    /// Tells every device that keeps the channel (plus `also`, who just left it) how it
    /// looks now.
    fn push_channel(&self, id: &str, also: &[&str]) {
        let Ok(channel) = self.channel(id) else {
            return;
        };
        let mut phones = channel.audience();
        phones.extend(also.iter().map(|p| p.to_string()));
        for phone in phones {
            self.push(
                &phone,
                None,
                "newsletter",
                self.view_channel(channel, &phone),
            );
        }
    }

    /// Creates a channel owned by `new.owner`; returns its id.
    pub fn create_channel(&mut self, new: NewChannel) -> NetResult<String> {
        if new.name.trim().is_empty() {
            return Err(NetError::Invalid("a channel needs a name".into()));
        }
        self.ensure_account(&new.owner);
        let now = ids::now_secs();
        let id = format!(
            "1203634{:011}@newsletter",
            ids::random_u64() % 100_000_000_000
        );
        let channel = Channel {
            id: id.clone(),
            name: new.name,
            name_time: now,
            description: new.description,
            description_time: now,
            invite_code: ids::invite_code(),
            owner: new.owner,
            admins: BTreeSet::new(),
            pending_admins: BTreeMap::new(),
            subscribers: BTreeSet::new(),
            guests: BTreeSet::new(),
            muted: BTreeSet::new(),
            creation: now,
            picture: new.picture,
            reaction_codes: REACTIONS_ALL,
            verified: new.verified,
            country: new.country.unwrap_or_else(|| "US".into()),
            posts: Vec::new(),
        };
        self.channels.by_id.insert(id.clone(), channel);
        self.push_channel(&id, &[]);
        Ok(id)
    }

    /// The channel by id or invite code, as `viewer` sees it; looking it up makes the
    /// viewer a previewer who hears of later changes.
    pub fn preview_channel(
        &mut self,
        viewer: &str,
        id: Option<&str>,
        invite_code: Option<&str>,
    ) -> NetResult<Value> {
        let id = match (id, invite_code) {
            (Some(id), _) => self.channel(id)?.id.clone(),
            (None, Some(code)) => self.channel_by_invite(code)?.id.clone(),
            (None, None) => return Err(NetError::Invalid("id or inviteCode missing".into())),
        };
        let channel = self.channel_mut(&id)?;
        if channel.role(viewer) == GUEST {
            channel.guests.insert(viewer.to_string());
        }
        let channel = self.channel(&id)?;
        Ok(self.view_channel(channel, viewer))
    }

    pub fn edit_channel(&mut self, id: &str, by: &str, edit: MetadataEdit) -> NetResult<Value> {
        let now = ids::now_secs();
        let channel = self.managed_channel_mut(id, by)?;
        if let Some(name) = edit.name {
            if name.trim().is_empty() {
                return Err(NetError::Invalid("a channel needs a name".into()));
            }
            channel.name = name;
            channel.name_time = now;
        }
        if let Some(description) = edit.description {
            channel.description = description;
            channel.description_time = now;
        }
        if let Some(picture) = edit.picture {
            channel.picture = picture;
        }
        if let Some(codes) = edit.reaction_codes {
            if !(REACTIONS_ALL..=REACTIONS_NONE).contains(&codes) {
                return Err(NetError::Invalid(format!("bad reaction setting {codes}")));
            }
            channel.reaction_codes = codes;
        }
        self.push_channel(id, &[]);
        Ok(self.view_channel(self.channel(id)?, by))
    }

    /// Only the owner deletes; every device drops the channel.
    pub fn delete_channel(&mut self, id: &str, by: &str) -> NetResult<()> {
        let channel = self.channel(id)?;
        if channel.owner != by {
            return Err(NetError::Forbidden(
                "only the owner deletes a channel".into(),
            ));
        }
        let audience = channel.audience();
        self.channels.by_id.remove(id);
        for phone in audience {
            self.push(&phone, None, "newsletterDeleted", json!({"id": id}));
        }
        Ok(())
    }

    pub fn subscribe_channel(&mut self, id: &str, phone: &str) -> NetResult<Value> {
        self.ensure_account(phone);
        let channel = self.channel_mut(id)?;
        if channel.role(phone) == GUEST {
            channel.guests.remove(phone);
            channel.subscribers.insert(phone.to_string());
        }
        self.push_channel(id, &[]);
        Ok(self.view_channel(self.channel(id)?, phone))
    }

    /// The subscriber leaves; the owner cannot. Admins step down to nothing. With `forget`
    /// the account's devices drop the channel (no longer a previewer either).
    pub fn unsubscribe_channel(&mut self, id: &str, phone: &str, forget: bool) -> NetResult<Value> {
        let channel = self.channel_mut(id)?;
        if channel.owner == phone {
            return Err(NetError::Forbidden("the owner cannot unsubscribe".into()));
        }
        channel.subscribers.remove(phone);
        channel.admins.remove(phone);
        channel.muted.remove(phone);
        if !forget {
            channel.guests.insert(phone.to_string());
        }
        self.push_channel(id, &[]);
        Ok(self.view_channel(self.channel(id)?, phone))
    }

    pub fn mute_channel(&mut self, id: &str, phone: &str, muted: bool) -> NetResult<Value> {
        let channel = self.channel_mut(id)?;
        if channel.role(phone) == GUEST {
            return Err(NetError::Forbidden("only followers mute a channel".into()));
        }
        if muted {
            channel.muted.insert(phone.to_string());
        } else {
            channel.muted.remove(phone);
        }
        let view = self.view_channel(self.channel(id)?, phone);
        self.push(phone, None, "newsletter", view.clone());
        Ok(view)
    }

    /// The owner or an admin posts; returns (short id, server id, t). A media post names
    /// its uploaded media by handle. `origin` already has the post.
    pub fn post_to_channel(
        &mut self,
        id: &str,
        by: &str,
        attrs: &Value,
        media: Option<&str>,
        origin: Option<ConnId>,
    ) -> NetResult<(String, u64, u64)> {
        if let Some(handle) = media
            && self.media(handle).is_none()
        {
            return Err(NetError::Invalid(format!(
                "no uploaded media with handle {handle}"
            )));
        }
        let t = ids::now_secs();
        let channel = self.managed_channel_mut(id, by)?;
        let short_id = attrs["id"]["id"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or_else(ids::phone_message_id);
        if let Some(post) = channel.posts.iter().find(|p| p.id == short_id) {
            return Ok((post.id.clone(), post.server_id, post.t));
        }
        let mut content: Map<String, Value> = attrs.as_object().cloned().unwrap_or_default();
        for key in ENVELOPE_KEYS.iter().chain(&["serverId"]) {
            content.remove(*key);
        }
        content.retain(|_, v| !v.is_null());
        content.entry("type").or_insert_with(|| json!("chat"));
        // Server ids count up from 100 per channel, as WhatsApp's do.
        let server_id = channel.posts.last().map_or(100, |p| p.server_id + 1);
        channel.posts.push(Post {
            server_id,
            id: short_id.clone(),
            author: by.to_string(),
            content,
            t,
            media: media.map(str::to_string),
        });
        let channel = self.channel(id)?;
        let post = channel.posts.last().expect("just pushed");
        for phone in channel.audience() {
            let data = json!({"newsletter": id, "msg": self.view_post(channel, post, &phone)});
            self.push(&phone, origin, "newsletterMsg", data);
        }
        Ok((short_id, server_id, t))
    }

    /// The owner invites a user to become an admin; returns the invite's expiration.
    pub fn invite_channel_admin(&mut self, id: &str, by: &str, invitee: &str) -> NetResult<u64> {
        self.ensure_account(invitee);
        let channel = self.channel_mut(id)?;
        if channel.owner != by {
            return Err(NetError::Forbidden("only the owner invites admins".into()));
        }
        if channel.can_manage(invitee) {
            return Err(NetError::Invalid(format!(
                "{invitee} already administers {id}"
            )));
        }
        let expiration = ids::now_secs() + ADMIN_INVITE_TTL_SECS;
        channel
            .pending_admins
            .insert(invitee.to_string(), expiration);
        Ok(expiration)
    }

    pub fn accept_channel_admin_invite(&mut self, id: &str, phone: &str) -> NetResult<Value> {
        let now = ids::now_secs();
        let channel = self.channel_mut(id)?;
        match channel.pending_admins.remove(phone) {
            Some(expiration) if expiration >= now => {}
            _ => return Err(NetError::NotFound(format!("no admin invite for {phone}"))),
        }
        channel.guests.remove(phone);
        channel.subscribers.insert(phone.to_string());
        channel.admins.insert(phone.to_string());
        self.push_channel(id, &[]);
        Ok(self.view_channel(self.channel(id)?, phone))
    }

    pub fn revoke_channel_admin_invite(
        &mut self,
        id: &str,
        by: &str,
        invitee: &str,
    ) -> NetResult<()> {
        let channel = self.channel_mut(id)?;
        if channel.owner != by {
            return Err(NetError::Forbidden(
                "only the owner revokes admin invites".into(),
            ));
        }
        channel
            .pending_admins
            .remove(invitee)
            .map(|_| ())
            .ok_or_else(|| NetError::NotFound(format!("no admin invite for {invitee}")))
    }

    /// The owner demotes an admin, or an admin steps down; they stay subscribed.
    pub fn demote_channel_admin(&mut self, id: &str, by: &str, admin: &str) -> NetResult<()> {
        let channel = self.channel_mut(id)?;
        if channel.owner != by && by != admin {
            return Err(NetError::Forbidden(
                "only the owner demotes other admins".into(),
            ));
        }
        if !channel.admins.remove(admin) {
            return Err(NetError::NotFound(format!(
                "{admin} is not an admin of {id}"
            )));
        }
        self.push_channel(id, &[]);
        Ok(())
    }

    /// The owner hands the channel to one of its admins and stays an admin.
    pub fn change_channel_owner(&mut self, id: &str, by: &str, new_owner: &str) -> NetResult<()> {
        let channel = self.channel_mut(id)?;
        if channel.owner != by {
            return Err(NetError::Forbidden(
                "only the owner transfers a channel".into(),
            ));
        }
        if !channel.admins.remove(new_owner) {
            return Err(NetError::Invalid(format!(
                "{new_owner} must be an admin first"
            )));
        }
        channel.admins.insert(by.to_string());
        channel.subscribers.insert(by.to_string());
        channel.owner = new_owner.to_string();
        self.push_channel(id, &[]);
        Ok(())
    }

    /// Followers and admins, owner first, for the owner and admins only.
    pub fn channel_subscribers(&self, id: &str, by: &str, limit: usize) -> NetResult<Vec<Value>> {
        let channel = self.channel(id)?;
        if !channel.can_manage(by) {
            return Err(NetError::Forbidden("only admins list subscribers".into()));
        }
        let mut phones = vec![channel.owner.clone()];
        phones.extend(channel.admins.iter().cloned());
        phones.extend(
            channel
                .subscribers
                .iter()
                .filter(|p| !channel.can_manage(p))
                .cloned(),
        );
        Ok(phones
            .into_iter()
            .take(limit)
            .map(|p| json!({"id": user_jid(&p), "role": channel.role(&p)}))
            .collect())
    }

    /// The public directory, as `viewer` searches it.
    pub fn search_channels(&self, viewer: &str, query: &DirectoryQuery) -> Vec<Value> {
        let text = query.text.to_lowercase();
        let mut found: Vec<&Channel> = self
            .channels
            .by_id
            .values()
            .filter(|c| !c.can_manage(viewer))
            .filter(|c| !(query.skip_subscribed && c.subscribers.contains(viewer)))
            .filter(|c| query.countries.is_empty() || query.countries.contains(&c.country))
            .filter(|c| {
                text.is_empty()
                    || c.name.to_lowercase().contains(&text)
                    || c.description.to_lowercase().contains(&text)
            })
            .collect();
        match query.view.as_str() {
            "NEW" => found.sort_by_key(|c| std::cmp::Reverse(c.creation)),
            "TRENDING" => found.sort_by_key(|c| std::cmp::Reverse(c.last_activity())),
            _ => found.sort_by_key(|c| std::cmp::Reverse(c.size())),
        }
        found
            .into_iter()
            .take(query.limit.unwrap_or(DIRECTORY_PAGE_SIZE))
            .map(|c| self.view_channel(c, viewer))
            .collect()
    }

    /// The channel as the control API shows it; a media post tells its uploaded file's
    /// mimetype, filename, size and sha256 under `media`.
    pub fn channel_state(&self, id: &str) -> NetResult<Value> {
        let channel = self.channel(id)?;
        Ok(json!({
            "id": channel.id,
            "name": channel.name,
            "description": channel.description,
            "owner": channel.owner,
            "admins": channel.admins,
            "pendingAdmins": channel.pending_admins.keys().collect::<Vec<_>>(),
            "subscribers": channel.subscribers,
            "muted": channel.muted,
            "inviteCode": channel.invite_code,
            "picture": channel.picture,
            "reactionCodesSetting": channel.reaction_codes,
            "verified": channel.verified,
            "country": channel.country,
            "creationTime": channel.creation,
            "posts": channel.posts.iter().map(|p| {
                let mut entry = p.content.clone();
                entry.insert("id".into(), json!(p.id));
                entry.insert("serverId".into(), json!(p.server_id));
                entry.insert("author".into(), json!(p.author));
                entry.insert("t".into(), json!(p.t));
                if let Some(blob) = p.media.as_deref().and_then(|handle| self.media(handle)) {
                    let mimetype = p.content.get("mimetype").cloned()
                        .unwrap_or(json!(blob.mimetype));
                    entry.insert("media".into(), json!({
                        "mimetype": mimetype,
                        "filename": p.content.get("filename"),
                        "size": blob.bytes.len(),
                        "sha256": blob.sha256,
                    }));
                }
                Value::Object(entry)
            }).collect::<Vec<_>>(),
        }))
    }
}

fn str_param<'a>(params: &'a Value, name: &str) -> NetResult<&'a str> {
    params[name]
        .as_str()
        .ok_or_else(|| NetError::Invalid(format!("{name} missing")))
}

/// Requests of a page about channels (methods named `newsletter*`); `None` for other methods.
pub fn handle_device_request(
    network: &mut Network,
    conn: ConnId,
    method: &str,
    params: &Value,
) -> Option<NetResult<Value>> {
    if !method.starts_with("newsletter") {
        return None;
    }
    Some(device_request(network, conn, method, params))
}

fn device_request(
    network: &mut Network,
    conn: ConnId,
    method: &str,
    params: &Value,
) -> NetResult<Value> {
    let phone = network.require_phone(conn)?;
    let id = || str_param(params, "id");
    match method {
        "newsletterCreate" => {
            let id = network.create_channel(NewChannel {
                owner: phone.clone(),
                name: str_param(params, "name")?.to_string(),
                description: params["description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                picture: params["picture"].as_str().map(str::to_string),
                ..NewChannel::default()
            })?;
            Ok(network.view_channel(network.channel(&id)?, &phone))
        }
        "newsletterMetadata" => {
            network.preview_channel(&phone, params["id"].as_str(), params["inviteCode"].as_str())
        }
        "newsletterEdit" => {
            let edit = MetadataEdit {
                name: params["name"].as_str().map(str::to_string),
                description: params["description"].as_str().map(str::to_string),
                picture: params
                    .get("picture")
                    .map(|p| p.as_str().map(str::to_string)),
                reaction_codes: params["reactionCodesSetting"].as_i64(),
            };
            network.edit_channel(id()?, &phone, edit)
        }
        "newsletterDelete" => network.delete_channel(id()?, &phone).map(|_| json!({})),
        "newsletterSubscribe" => network.subscribe_channel(id()?, &phone),
        "newsletterUnsubscribe" => {
            let forget = params["deleteLocalModels"].as_bool().unwrap_or(false);
            network.unsubscribe_channel(id()?, &phone, forget)
        }
        "newsletterMute" => {
            let muted = params["mute"].as_bool().unwrap_or(true);
            network.mute_channel(id()?, &phone, muted)
        }
        "newsletterSend" => {
            // sendNewsletterMessageJob's type: text, media (with the upload's handle) or pollCreation.
            let media = match params["type"].as_str() {
                Some("media") => Some(str_param(params, "mediaHandle")?),
                _ => None,
            };
            let (short_id, server_id, t) =
                network.post_to_channel(id()?, &phone, &params["msg"], media, Some(conn))?;
            Ok(json!({"id": short_id, "serverId": server_id, "t": t}))
        }
        "newsletterAdminInvite" => {
            let invitee = phone_of(str_param(params, "invitee")?);
            let expiration = network.invite_channel_admin(id()?, &phone, &invitee)?;
            Ok(json!({"expiration": expiration}))
        }
        "newsletterAcceptAdminInvite" => network.accept_channel_admin_invite(id()?, &phone),
        "newsletterRevokeAdminInvite" => {
            let invitee = phone_of(str_param(params, "invitee")?);
            network
                .revoke_channel_admin_invite(id()?, &phone, &invitee)
                .map(|_| json!({}))
        }
        "newsletterDemoteAdmin" => {
            let admin = phone_of(str_param(params, "admin")?);
            network
                .demote_channel_admin(id()?, &phone, &admin)
                .map(|_| json!({}))
        }
        "newsletterChangeOwner" => {
            let new_owner = phone_of(str_param(params, "newOwner")?);
            network
                .change_channel_owner(id()?, &phone, &new_owner)
                .map(|_| json!({}))
        }
        "newsletterSubscribers" => {
            let limit = params["limit"].as_u64().map_or(usize::MAX, |l| l as usize);
            Ok(json!(network.channel_subscribers(id()?, &phone, limit)?))
        }
        "newsletterDirectory" => {
            let query = DirectoryQuery {
                text: params["searchText"]
                    .as_str()
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                countries: params["countryCodes"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|c| c.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
                skip_subscribed: params["skipSubscribedNewsletters"]
                    .as_bool()
                    .unwrap_or(false),
                view: params["view"].as_str().unwrap_or("RECOMMENDED").to_string(),
                limit: params["limit"].as_u64().map(|l| l as usize),
            };
            Ok(json!(network.search_channels(&phone, &query)))
        }
        other => Err(NetError::Invalid(format!("unknown method {other}"))),
    }
}

/// `/_sim/channels`: other accounts' channels, played from their phones.
pub mod control {
    use std::sync::Arc;

    use axum::extract::{Path, State};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use axum::routing::{get, post};
    use axum::{Json, Router};
    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::NewChannel;
    use crate::Sim;
    use crate::network::{NetError, phone_of};

    pub fn routes() -> Router<Arc<Sim>> {
        Router::new()
            .route("/channels", post(create))
            .route("/channels/{id}", get(state))
            .route("/channels/{id}/messages", post(post_message))
            .route("/channels/{id}/subscribers", post(subscription))
            .route("/channels/{id}/admin-invites", post(invite_admin))
            .route(
                "/channels/{id}/admin-invites/accept",
                post(accept_admin_invite),
            )
    }

    struct ControlError(StatusCode, String);

    impl From<NetError> for ControlError {
        fn from(e: NetError) -> Self {
            let status = match e {
                NetError::NotFound(_) => StatusCode::NOT_FOUND,
                NetError::Invalid(_) => StatusCode::BAD_REQUEST,
                NetError::Forbidden(_) => StatusCode::FORBIDDEN,
            };
            ControlError(status, e.message().to_string())
        }
    }

    impl IntoResponse for ControlError {
        fn into_response(self) -> Response {
            (self.0, Json(json!({"error": self.1}))).into_response()
        }
    }

    type ControlResult = Result<Json<Value>, ControlError>;

    fn phone(raw: &str) -> Result<String, ControlError> {
        let phone = phone_of(raw.trim_start_matches('+'));
        if phone.is_empty() || !phone.chars().all(|c| c.is_ascii_digit()) {
            return Err(ControlError(
                StatusCode::BAD_REQUEST,
                format!("bad phone number {raw:?}"),
            ));
        }
        Ok(phone)
    }

    #[derive(Deserialize)]
    struct CreateBody {
        owner: String,
        name: String,
        #[serde(default)]
        description: String,
        country: Option<String>,
        #[serde(default)]
        verified: bool,
    }

    /// The account `owner` creates a channel: `{"id", "inviteCode"}`.
    async fn create(State(sim): State<Arc<Sim>>, Json(body): Json<CreateBody>) -> ControlResult {
        let mut network = sim.network();
        let id = network.create_channel(NewChannel {
            owner: phone(&body.owner)?,
            name: body.name,
            description: body.description,
            picture: None,
            country: body.country,
            verified: body.verified,
        })?;
        let invite_code = network.channel(&id)?.invite_code.clone();
        Ok(Json(json!({"id": id, "inviteCode": invite_code})))
    }

    async fn state(State(sim): State<Arc<Sim>>, Path(id): Path<String>) -> ControlResult {
        Ok(Json(sim.network().channel_state(&id)?))
    }

    #[derive(Deserialize)]
    struct PostBody {
        from: String,
        body: String,
    }

    /// The owner or an admin posts a text: `{"id", "serverId"}`.
    async fn post_message(
        State(sim): State<Arc<Sim>>,
        Path(id): Path<String>,
        Json(body): Json<PostBody>,
    ) -> ControlResult {
        let attrs = json!({"type": "chat", "body": body.body});
        let (short_id, server_id, _) =
            sim.network()
                .post_to_channel(&id, &phone(&body.from)?, &attrs, None, None)?;
        Ok(Json(json!({"id": short_id, "serverId": server_id})))
    }

    #[derive(Deserialize)]
    struct SubscriptionBody {
        phone: String,
        #[serde(default = "subscribe")]
        action: String,
    }

    fn subscribe() -> String {
        "subscribe".into()
    }

    /// `{"phone", "action": "subscribe" | "unsubscribe" | "mute" | "unmute"}`.
    async fn subscription(
        State(sim): State<Arc<Sim>>,
        Path(id): Path<String>,
        Json(body): Json<SubscriptionBody>,
    ) -> ControlResult {
        let who = phone(&body.phone)?;
        let mut network = sim.network();
        match body.action.as_str() {
            "subscribe" => network.subscribe_channel(&id, &who)?,
            "unsubscribe" => network.unsubscribe_channel(&id, &who, true)?,
            "mute" => network.mute_channel(&id, &who, true)?,
            "unmute" => network.mute_channel(&id, &who, false)?,
            other => {
                return Err(ControlError(
                    StatusCode::BAD_REQUEST,
                    format!("unknown action {other}"),
                ));
            }
        };
        Ok(Json(json!({"ok": true})))
    }

    #[derive(Deserialize)]
    struct InviteBody {
        by: String,
        invitee: String,
    }

    /// The owner `by` invites `invitee` to become an admin: `{"expiration"}`.
    async fn invite_admin(
        State(sim): State<Arc<Sim>>,
        Path(id): Path<String>,
        Json(body): Json<InviteBody>,
    ) -> ControlResult {
        let expiration =
            sim.network()
                .invite_channel_admin(&id, &phone(&body.by)?, &phone(&body.invitee)?)?;
        Ok(Json(json!({"expiration": expiration})))
    }

    #[derive(Deserialize)]
    struct AcceptBody {
        phone: String,
    }

    /// `phone` accepts its pending admin invite.
    async fn accept_admin_invite(
        State(sim): State<Arc<Sim>>,
        Path(id): Path<String>,
        Json(body): Json<AcceptBody>,
    ) -> ControlResult {
        sim.network()
            .accept_channel_admin_invite(&id, &phone(&body.phone)?)?;
        Ok(Json(json!({"ok": true})))
    }
}
