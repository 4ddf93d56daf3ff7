//! Message search, as WhatsApp Web asks its servers for it: the messages an account can see
//! whose text contains the query (case-insensitive), newest first, a page at a time.

use serde_json::Value;

use super::{ConnId, NetResult, Network};

impl Network {
    /// Page `page` (from 1) of `count` matches, optionally only in `chat_id`; `eof` is true when
    /// no later page has more.
    pub fn search_messages(
        &self,
        conn: ConnId,
        query: &str,
        chat_id: Option<&str>,
        page: usize,
        count: usize,
    ) -> NetResult<(Vec<Value>, bool)> {
        let phone = self.require_phone(conn)?;
        let needle = query.to_lowercase();
        let matches: Vec<Value> = self
            .messages
            .iter()
            .rev()
            .filter(|m| !m.revoked && m.visible_to(self, &phone))
            .filter(|m| chat_id.is_none_or(|chat| m.chat_id_for(&phone) == chat))
            .filter(|m| {
                ["body", "caption"].iter().any(|field| {
                    m.content
                        .get(*field)
                        .and_then(Value::as_str)
                        .is_some_and(|text| text.to_lowercase().contains(&needle))
                })
            })
            .skip(page.saturating_sub(1) * count)
            .take(count + 1)
            .map(|m| self.view_message(m, &phone))
            .collect();
        let eof = matches.len() <= count;
        Ok((matches.into_iter().take(count).collect(), eof))
    }
}
