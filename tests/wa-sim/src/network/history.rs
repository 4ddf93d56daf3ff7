//! Chat history the phone keeps. A new device gets the latest `HISTORY_PER_CHAT` messages of
//! each chat; the rest stays on the phone until the device asks for it with a peer data
//! operation request (whatsapp-web.js `syncHistory`).

use serde_json::Value;

use super::views::HISTORY_PER_CHAT;
use super::{ConnId, NetResult, Network};

impl Network {
    /// WhatsApp's `endOfHistoryTransferType` for `phone`'s device: 0 while the phone holds
    /// more of the chat than the device got, 1 once the device has all of it.
    pub fn end_of_history_transfer_type(&self, phone: &str, chat_id: &str) -> u8 {
        let synced = self
            .accounts
            .get(phone)
            .and_then(|a| a.chats.get(chat_id))
            .is_some_and(|c| c.history_synced);
        let held = self
            .messages
            .iter()
            .filter(|m| m.chat_id_for(phone) == chat_id && m.visible_to(self, phone))
            .count();
        if !synced && held > HISTORY_PER_CHAT {
            0
        } else {
            1
        }
    }

    /// The phone sends the device the chat's whole history, oldest first.
    pub fn sync_history(&mut self, conn: ConnId, chat_id: &str) -> NetResult<Vec<Value>> {
        let phone = self.require_phone(conn)?;
        let messages = self
            .messages
            .iter()
            .filter(|m| m.chat_id_for(&phone) == chat_id && m.visible_to(self, &phone))
            .map(|m| self.view_message(m, &phone))
            .collect();
        self.chat_state_mut(&phone, chat_id).history_synced = true;
        let view = self.view_chat(&phone, chat_id);
        self.push(&phone, Some(conn), "chat", view);
        Ok(messages)
    }
}
