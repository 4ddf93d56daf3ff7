//! An account's device list, as WhatsApp's servers give it out: the phone (device 0) and each
//! linked device (companions numbered from 1).

use serde_json::{Value, json};

use super::{Network, phone_of, user_jid};

impl Network {
    /// `{id, devices: [0, 1, ...]}` for each user id; unknown numbers have no devices.
    pub fn device_lists(&self, ids: &[String]) -> Vec<Value> {
        ids.iter()
            .map(|id| {
                let phone = phone_of(id);
                let devices: Vec<usize> = match self.accounts.get(&phone) {
                    Some(account) => (0..=account.devices.len()).collect(),
                    None => Vec::new(),
                };
                json!({"id": user_jid(&phone), "devices": devices})
            })
            .collect()
    }
}
