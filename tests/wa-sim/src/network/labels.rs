//! Labels of WhatsApp Business accounts: the phone creates them, every linked device sees
//! them and tags chats with them. Personal accounts have none and cannot tag.

use serde_json::{Value, json};

use super::{ConnId, Label, NetError, NetResult, Network};

impl Network {
    fn require_business(&self, phone: &str) -> NetResult<()> {
        if self.account(phone)?.business {
            Ok(())
        } else {
            Err(NetError::Forbidden(
                "labels need a WhatsApp Business account".into(),
            ))
        }
    }

    /// The account's labels as its devices store them.
    pub fn view_labels(&self, phone: &str) -> Vec<Value> {
        self.accounts
            .get(phone)
            .map(|a| {
                a.labels
                    .iter()
                    .map(|l| json!({"id": l.id, "name": l.name, "color": l.color}))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The phone (a business account) creates a label; its devices hear of it. Returns the id.
    pub fn create_label(
        &mut self,
        phone: &str,
        name: &str,
        color: Option<i64>,
    ) -> NetResult<String> {
        self.require_business(phone)?;
        let account = self.ensure_account(phone);
        // WhatsApp numbers labels from 1 and cycles through its palette of 20 colours.
        let next = account
            .labels
            .iter()
            .filter_map(|l| l.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let id = next.to_string();
        account.labels.push(Label {
            id: id.clone(),
            name: name.to_string(),
            color: color.unwrap_or((next as i64 - 1) % 20),
        });
        self.push(phone, None, "labels", json!(self.view_labels(phone)));
        Ok(id)
    }

    /// A linked device sets the labels of one of its chats.
    pub fn label_chat(
        &mut self,
        conn: ConnId,
        chat_id: &str,
        labels: Vec<String>,
    ) -> NetResult<Value> {
        let phone = self.require_phone(conn)?;
        self.require_business(&phone)?;
        let account = self.account(&phone)?;
        if let Some(unknown) = labels
            .iter()
            .find(|id| !account.labels.iter().any(|l| &l.id == *id))
        {
            return Err(NetError::NotFound(format!("label {unknown} not found")));
        }
        self.update_chat(conn, chat_id, |state| state.labels = labels)
    }
}
