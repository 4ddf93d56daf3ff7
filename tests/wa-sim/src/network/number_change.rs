//! A contact changes phone number. Every account that had a chat with the old number gets a
//! system message in its chat with the new one: type `notification_template`, subtype
//! `change_number`, `templateParams` the old and new ids in ascending order, `from` the
//! account itself and `to` the new id (as WhatsApp Web shows it, whatsapp-web.js PR #2027).
//! The new number takes over the profile. The notification is a device-side system
//! message: it is pushed, not stored in the sent/inbox listings.

use serde_json::json;

use super::{NetError, NetResult, Network, user_jid};
use crate::ids;

impl Network {
    /// `old` moves to `new`; returns how many accounts were told.
    pub fn change_number(&mut self, old: &str, new: &str) -> NetResult<usize> {
        if old == new {
            return Err(NetError::Invalid("the new number is the old one".into()));
        }
        let profile = self.account(old)?.clone();
        let account = self.ensure_account(new);
        account.pushname = profile.pushname;
        account.about = profile.about;
        account.business = profile.business;
        let old_jid = user_jid(old);
        let new_jid = user_jid(new);
        let viewers: Vec<String> = self
            .accounts
            .values()
            .filter(|a| a.phone != old && a.phone != new && a.chats.contains_key(&old_jid))
            .map(|a| a.phone.clone())
            .collect();
        let mut template_params = vec![old_jid, new_jid.clone()];
        template_params.sort();
        for viewer in &viewers {
            let t = ids::now_secs();
            self.chat_state_mut(viewer, &new_jid).t = t;
            self.push(viewer, None, "contact", self.view_contact(viewer, new));
            self.push(
                viewer,
                None,
                "msg",
                json!({
                    "id": {"fromMe": false, "remote": new_jid, "id": ids::phone_message_id()},
                    "from": user_jid(viewer),
                    "to": new_jid,
                    "t": t,
                    "type": "notification_template",
                    "subtype": "change_number",
                    "templateParams": template_params,
                    "body": "",
                }),
            );
            self.push(viewer, None, "chat", self.view_chat(viewer, &new_jid));
        }
        Ok(viewers.len())
    }
}
