//! Sessions: each one a headless Chromium with WhatsApp Web and our bridge. Knows nothing of HTTP.
//!
//! - [`manager`]: the registry and lifecycle (start, stop, restart, terminate, restore, recover).
//! - [`session`]: one session's browser, page, status and events.
//! - [`browser`]: launch flags, profile dir and its lock.
//! - [`process`]: the Chromium process tree: dies with the daemon, orphans ended at boot.
//! - [`bridge`]: typed calls into the injected JavaScript and the events it reports.
//! - `proxy_auth`: PROXY_USERNAME/PROXY_PASSWORD answered inside Chromium.

pub mod bridge;
pub mod browser;
pub mod manager;
pub mod process;
mod proxy_auth;
#[allow(clippy::module_inception)]
pub mod session;

pub use manager::{SessionManager, StartError, Validation};
pub use session::Session;

use std::fmt;

/// A session id that passed wwebjs-api's check `^[\w-]+$` (ASCII letters, digits, `_`, `-`).
/// Being a valid path segment with no dots or slashes, it also keeps every profile dir inside
/// SESSIONS_PATH.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(String);

impl SessionId {
    pub fn parse(raw: &str) -> Result<Self, InvalidSessionId> {
        let valid = !raw.is_empty()
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(SessionId(raw.to_owned()))
        } else {
            Err(InvalidSessionId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id did not match `^[\w-]+$`.
#[derive(Debug)]
pub struct InvalidSessionId;

#[cfg(test)]
mod tests {
    use super::SessionId;

    #[test]
    fn session_ids_are_word_characters_and_dashes() {
        for ok in ["a", "ABC_1-x", "0"] {
            assert!(SessionId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "ABCD1@", "../etc", "a/b", "a.b", "é", "a b"] {
            assert!(SessionId::parse(bad).is_err(), "{bad}");
        }
    }
}
