//! Per-session webhook settings set through the API: the URL, extra headers, and the dataTypes
//! the receiver wants. Stored in the outbox, cached in memory; they win over `<ID>_WEBHOOK_URL`
//! and `BASE_WEBHOOK_URL`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Headers a setting may not override: the body's framing and the delivery's own headers.
const RESERVED_HEADERS: [&str; 7] = [
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSettings {
    pub url: String,
    /// Sent with every delivery to `url`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Only these dataTypes go to the webhook; empty means all.
    #[serde(default)]
    pub data_types: Vec<String>,
}

impl WebhookSettings {
    /// Checks the URL and headers; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        match reqwest::Url::parse(&self.url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {}
            _ => return Err(format!("url: {:?} is not an http(s) URL", self.url)),
        }
        for (name, value) in &self.headers {
            let parsed = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("headers: {name:?} is not a header name"))?;
            if RESERVED_HEADERS.contains(&parsed.as_str()) {
                return Err(format!("headers: {name} is set by the gateway itself"));
            }
            reqwest::header::HeaderValue::from_str(value)
                .map_err(|_| format!("headers: the value of {name} is not a header value"))?;
        }
        if let Some(bad) = self.data_types.iter().find(|t| t.trim().is_empty()) {
            return Err(format!("dataTypes: {bad:?} is not an event name"));
        }
        Ok(())
    }

    /// Whether the receiver wants events of this dataType.
    pub fn wants(&self, data_type: &str) -> bool {
        self.data_types.is_empty() || self.data_types.iter().any(|t| t == data_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> WebhookSettings {
        WebhookSettings {
            url: url.into(),
            headers: BTreeMap::new(),
            data_types: vec![],
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert!(settings("https://example.com/hook").validate().is_ok());
        assert!(
            settings("ftp://x/")
                .validate()
                .unwrap_err()
                .starts_with("url")
        );
        assert!(
            settings("not a url")
                .validate()
                .unwrap_err()
                .starts_with("url")
        );
        let mut s = settings("http://x/");
        s.headers.insert("Webhook-Id".into(), "1".into());
        assert!(s.validate().unwrap_err().starts_with("headers"));
        s.headers.clear();
        s.headers.insert("bad name".into(), "1".into());
        assert!(s.validate().unwrap_err().starts_with("headers"));
        s.headers.clear();
        s.headers.insert("x-tenant".into(), "acme".into());
        assert!(s.validate().is_ok());
    }

    #[test]
    fn empty_filter_wants_everything() {
        let mut s = settings("http://x/");
        assert!(s.wants("qr"));
        s.data_types = vec!["message".into()];
        assert!(s.wants("message") && !s.wants("qr"));
    }
}
