//! Groups: creation, participants, subject/description/settings, invites, and the `gp2`
//! notification messages through which devices learn about every change.

use serde_json::{Map, Value, json};

use super::{ChatKey, Group, Message, NetError, NetResult, Network, Participant, user_jid};
use crate::ids;

/// A participant change, named like WhatsApp's gp2 subtypes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParticipantAction {
    Add,
    Remove,
    Promote,
    Demote,
    Leave,
    /// Ask to join a group that approves members.
    Request,
}

impl ParticipantAction {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "add" => Self::Add,
            "remove" => Self::Remove,
            "promote" => Self::Promote,
            "demote" => Self::Demote,
            "leave" => Self::Leave,
            "request" => Self::Request,
            _ => return None,
        })
    }
}

/// A group setting WAWebSetPropertyGroupAction can change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupProperty {
    Announce,
    Restrict,
    MemberAddMode,
    MembershipApproval,
}

impl Network {
    pub fn group(&self, id: &str) -> NetResult<&Group> {
        self.groups
            .get(id)
            .ok_or_else(|| NetError::NotFound(format!("group {id} not found")))
    }

    fn group_mut(&mut self, id: &str) -> NetResult<&mut Group> {
        self.groups
            .get_mut(id)
            .ok_or_else(|| NetError::NotFound(format!("group {id} not found")))
    }

    /// The group as the control API shows it.
    pub fn group_state(&self, id: &str) -> NetResult<Value> {
        let group = self.group(id)?;
        Ok(json!({
            "id": group.id,
            "subject": group.subject,
            "desc": group.desc,
            "owner": group.owner,
            "announce": group.announce,
            "restrict": group.restrict,
            "participants": group.participants.iter().map(|p| json!({
                "phone": p.phone, "isAdmin": p.is_admin || p.is_super_admin, "isSuperAdmin": p.is_super_admin,
            })).collect::<Vec<_>>(),
            "inviteCode": group.invite_code,
            "membershipRequests": group.membership_requests,
            "picture": self.group_pictures.contains_key(&group.id),
        }))
    }

    pub fn create_group(
        &mut self,
        owner: &str,
        subject: &str,
        participants: &[String],
    ) -> NetResult<String> {
        if subject.trim().is_empty() {
            return Err(NetError::Invalid("subject is required".into()));
        }
        self.ensure_account(owner);
        let id = ids::group_id();
        let now = ids::now_secs();
        let mut members = vec![Participant {
            phone: owner.to_string(),
            is_admin: true,
            is_super_admin: true,
        }];
        for phone in participants {
            if phone != owner && !members.iter().any(|m| &m.phone == phone) {
                self.ensure_account(phone);
                members.push(Participant {
                    phone: phone.clone(),
                    is_admin: false,
                    is_super_admin: false,
                });
            }
        }
        let recipients: Vec<String> = members[1..].iter().map(|m| m.phone.clone()).collect();
        self.groups.insert(
            id.clone(),
            Group {
                id: id.clone(),
                subject: subject.to_string(),
                subject_time: now,
                desc: String::new(),
                desc_id: String::new(),
                owner: owner.to_string(),
                creation: now,
                announce: false,
                restrict: false,
                member_add_mode: false,
                membership_approval: false,
                participants: members,
                invite_code: ids::invite_code(),
                membership_requests: Vec::new(),
            },
        );
        self.push_group(&id);
        self.notify_group(&id, owner, "create", &recipients, Map::new());
        Ok(id)
    }

    /// Pushes the group's metadata to every member's devices.
    fn push_group(&self, id: &str) {
        let Some(group) = self.groups.get(id) else {
            return;
        };
        let view = self.view_group(group);
        for participant in &group.participants {
            self.push(&participant.phone, None, "group", view.clone());
        }
    }

    /// Adds a `gp2` notification message from `author` to the group.
    fn notify_group(
        &mut self,
        gid: &str,
        author: &str,
        subtype: &str,
        recipients: &[String],
        mut extra: Map<String, Value>,
    ) {
        extra.insert("type".into(), json!("gp2"));
        extra.insert("subtype".into(), json!(subtype));
        extra.insert(
            "recipients".into(),
            json!(recipients.iter().map(|p| user_jid(p)).collect::<Vec<_>>()),
        );
        extra.entry("body").or_insert(json!(""));
        let message = Message {
            seq: 0,
            id: ids::phone_message_id(),
            chat: ChatKey::Group(gid.to_string()),
            sender: author.to_string(),
            content: extra,
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
        self.insert_message(message, None);
    }

    /// Applies a participant change by `by`. Returns, per participant, the status code
    /// WhatsApp answers with (200 ok, 403 not allowed, 404 not a member, 409 already one).
    pub fn change_participants(
        &mut self,
        gid: &str,
        by: &str,
        action: ParticipantAction,
        phones: &[String],
    ) -> NetResult<Vec<(String, u16)>> {
        let group = self.group(gid)?.clone();
        let by_admin = group.is_admin(by);
        // Leaving and asking to join are anyone's; adding is too when members may add.
        let open_to_members = matches!(
            action,
            ParticipantAction::Leave | ParticipantAction::Request
        ) || (action == ParticipantAction::Add && group.member_add_mode);
        let needs_admin = !open_to_members;
        if needs_admin && !by_admin {
            return Err(NetError::Forbidden(format!(
                "{by} is not an admin of {gid}"
            )));
        }
        let targets: Vec<String> = match action {
            ParticipantAction::Leave | ParticipantAction::Request => vec![by.to_string()],
            _ => phones.to_vec(),
        };
        let mut results = Vec::new();
        let mut changed = Vec::new();
        for phone in &targets {
            let member = group.has_participant(phone);
            let status = match action {
                ParticipantAction::Add | ParticipantAction::Request if member => 409,
                ParticipantAction::Add | ParticipantAction::Request => 200,
                _ if !member => 404,
                ParticipantAction::Remove | ParticipantAction::Demote
                    if *phone == group.owner && by != group.owner =>
                {
                    403
                }
                _ => 200,
            };
            results.push((phone.clone(), status));
            if status == 200 {
                self.ensure_account(phone);
                changed.push(phone.clone());
            }
        }
        if changed.is_empty() {
            return Ok(results);
        }
        match action {
            ParticipantAction::Add => {
                let group = self.group_mut(gid)?;
                for phone in &changed {
                    group.membership_requests.retain(|p| p != phone);
                    group.participants.push(Participant {
                        phone: phone.clone(),
                        is_admin: false,
                        is_super_admin: false,
                    });
                }
                self.push_group(gid);
                self.notify_group(gid, by, "add", &changed, Map::new());
            }
            ParticipantAction::Remove | ParticipantAction::Leave => {
                let subtype = if action == ParticipantAction::Leave {
                    "leave"
                } else {
                    "remove"
                };
                // Those who leave still get the notification, so deliver before removing.
                self.notify_group(gid, by, subtype, &changed, Map::new());
                self.group_mut(gid)?
                    .participants
                    .retain(|p| !changed.contains(&p.phone));
                self.push_group(gid);
                for phone in &changed {
                    self.push(phone, None, "group", self.view_group(self.group(gid)?));
                }
            }
            ParticipantAction::Promote | ParticipantAction::Demote => {
                let promote = action == ParticipantAction::Promote;
                for p in &mut self.group_mut(gid)?.participants {
                    if changed.contains(&p.phone) {
                        p.is_admin = promote;
                    }
                }
                self.push_group(gid);
                let subtype = if promote { "promote" } else { "demote" };
                self.notify_group(gid, by, subtype, &changed, Map::new());
            }
            ParticipantAction::Request => {
                self.group_mut(gid)?
                    .membership_requests
                    .extend(changed.iter().cloned());
                self.push_group(gid);
                self.notify_group(gid, by, "membership_approval_request", &changed, Map::new());
            }
        }
        Ok(results)
    }

    pub fn set_group_subject(&mut self, gid: &str, by: &str, subject: &str) -> NetResult<()> {
        let group = self.group_mut(gid)?;
        if group.restrict && !group.is_admin(by) {
            return Err(NetError::Forbidden(
                "only admins can edit group info".into(),
            ));
        }
        group.subject = subject.to_string();
        group.subject_time = ids::now_secs();
        self.push_group(gid);
        let mut extra = Map::new();
        extra.insert("body".into(), json!(subject));
        self.notify_group(gid, by, "subject", &[], extra);
        Ok(())
    }

    pub fn set_group_description(&mut self, gid: &str, by: &str, desc: &str) -> NetResult<()> {
        let group = self.group_mut(gid)?;
        if group.restrict && !group.is_admin(by) {
            return Err(NetError::Forbidden(
                "only admins can edit group info".into(),
            ));
        }
        group.desc = desc.to_string();
        group.desc_id = ids::random_hex(16);
        self.push_group(gid);
        let mut extra = Map::new();
        extra.insert("body".into(), json!(desc));
        self.notify_group(gid, by, "description", &[], extra);
        Ok(())
    }

    pub fn set_group_property(
        &mut self,
        gid: &str,
        by: &str,
        property: GroupProperty,
        value: bool,
    ) -> NetResult<()> {
        let group = self.group_mut(gid)?;
        if !group.is_admin(by) {
            return Err(NetError::Forbidden(format!("{by} is not an admin")));
        }
        let subtype = match property {
            GroupProperty::Announce => {
                group.announce = value;
                "announce"
            }
            GroupProperty::Restrict => {
                group.restrict = value;
                "restrict"
            }
            GroupProperty::MemberAddMode => {
                group.member_add_mode = value;
                "member_add_mode"
            }
            GroupProperty::MembershipApproval => {
                group.membership_approval = value;
                "membership_approval_mode"
            }
        };
        self.push_group(gid);
        let mut extra = Map::new();
        extra.insert("body".into(), json!(if value { "on" } else { "off" }));
        self.notify_group(gid, by, subtype, &[], extra);
        Ok(())
    }

    pub fn reset_invite_code(&mut self, gid: &str, by: &str) -> NetResult<String> {
        let group = self.group_mut(gid)?;
        if !group.is_admin(by) {
            return Err(NetError::Forbidden(format!("{by} is not an admin")));
        }
        group.invite_code = ids::invite_code();
        let code = group.invite_code.clone();
        self.push_group(gid);
        Ok(code)
    }

    /// Joins the group whose invite code this is (`invite` gp2 notification).
    pub fn join_by_invite(&mut self, phone: &str, code: &str) -> NetResult<String> {
        let gid = self
            .groups
            .values()
            .find(|g| g.invite_code == code)
            .map(|g| g.id.clone())
            .ok_or_else(|| NetError::NotFound("invite code not found".into()))?;
        let group = self.group_mut(&gid)?;
        if !group.has_participant(phone) {
            group.participants.push(Participant {
                phone: phone.to_string(),
                is_admin: false,
                is_super_admin: false,
            });
            self.push_group(&gid);
            self.notify_group(&gid, phone, "invite", &[phone.to_string()], Map::new());
        }
        Ok(gid)
    }

    /// Groups both accounts are in.
    pub fn common_groups(&self, a: &str, b: &str) -> Vec<String> {
        self.groups
            .values()
            .filter(|g| g.has_participant(a) && g.has_participant(b))
            .map(|g| g.id.clone())
            .collect()
    }
}

/// Admin decisions on requests to join, and the group picture.
impl Network {
    /// An admin approves (the requesters join, announced as an `add`) or rejects requests to
    /// join. Per requester the code WhatsApp answers: 200, or 404 when they had not asked.
    pub fn decide_membership_requests(
        &mut self,
        gid: &str,
        by: &str,
        approve: bool,
        phones: &[String],
    ) -> NetResult<Vec<(String, u16)>> {
        let group = self.group(gid)?;
        if !group.is_admin(by) {
            return Err(NetError::Forbidden(format!("{by} is not an admin")));
        }
        let (pending, unknown): (Vec<String>, Vec<String>) = phones
            .iter()
            .cloned()
            .partition(|p| group.membership_requests.contains(p));
        let mut results: Vec<(String, u16)> = unknown.into_iter().map(|p| (p, 404)).collect();
        if pending.is_empty() {
            return Ok(results);
        }
        if approve {
            results.extend(self.change_participants(gid, by, ParticipantAction::Add, &pending)?);
        } else {
            self.group_mut(gid)?
                .membership_requests
                .retain(|p| !pending.contains(p));
            self.push_group(gid);
            results.extend(pending.into_iter().map(|p| (p, 200)));
        }
        Ok(results)
    }

    /// The `directPath` of the group's picture, if it has one.
    pub fn group_picture(&self, gid: &str) -> NetResult<Option<String>> {
        self.group(gid)?;
        Ok(self.group_pictures.get(gid).cloned())
    }

    /// A member sets (or, with `None`, removes) the picture; members get a `picture` gp2
    /// notification. Only admins may when the group info is restricted.
    pub fn set_group_picture(
        &mut self,
        gid: &str,
        by: &str,
        path: Option<String>,
    ) -> NetResult<()> {
        let group = self.group(gid)?;
        if !group.has_participant(by) || (group.restrict && !group.is_admin(by)) {
            return Err(NetError::Forbidden(
                "only admins can edit group info".into(),
            ));
        }
        match path {
            Some(path) => self.group_pictures.insert(gid.to_string(), path),
            None => self.group_pictures.remove(gid),
        };
        self.notify_group(gid, by, "picture", &[], Map::new());
        Ok(())
    }
}
