//! Scoped API keys: keys the admin (API_KEY) creates and revokes, each limited to some session
//! ids and to read-only or full use. Kept in SESSIONS_PATH/api-keys.json (0600), hashed.
//!
//! A key is 32 random bytes from the OS, so a plain SHA-256 is enough to store it: slow password
//! hashes exist to protect guessable secrets, and nobody guesses 256 random bits. A stolen file
//! gives no usable key, and checking a key costs one hash.

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

const FILE_NAME: &str = "api-keys.json";
/// Prefix of every scoped key: tells it from the admin key at a glance (and in leaked-secret scans).
const PREFIX: &str = "wagw_";

/// What a scoped key may do on its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeyAccess {
    /// Getters only: nothing sent, nothing changed.
    Read,
    /// Every operation of its sessions.
    Full,
}

/// A scoped key as the API shows it (never the secret or its hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Session ids the key may use.
    pub sessions: Vec<String>,
    pub access: KeyAccess,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at: u64,
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    #[serde(flatten)]
    info: KeyInfo,
    sha256: String,
}

#[derive(Serialize, Deserialize, Default)]
struct KeyFile {
    keys: Vec<StoredKey>,
}

pub struct KeyStore {
    file: PathBuf,
    keys: RwLock<Vec<StoredKey>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(len: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(hex(&bytes))
}

fn digest(secret: &[u8]) -> String {
    hex(&Sha256::digest(secret))
}

impl KeyStore {
    /// Loads the keys of `sessions_path` (none when the file does not exist yet).
    pub fn open(sessions_path: &Path) -> std::io::Result<Self> {
        let file = sessions_path.join(FILE_NAME);
        let keys = match std::fs::read(&file) {
            Ok(bytes) => {
                serde_json::from_slice::<KeyFile>(&bytes)
                    .map_err(|e| {
                        std::io::Error::other(format!("{} is not a key file: {e}", file.display()))
                    })?
                    .keys
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(KeyStore {
            file,
            keys: RwLock::new(keys),
        })
    }

    /// Creates a key; returns the secret (shown once) and its description.
    pub fn create(
        &self,
        name: Option<String>,
        sessions: Vec<String>,
        access: KeyAccess,
    ) -> std::io::Result<(String, KeyInfo)> {
        let secret = format!("{PREFIX}{}", random_hex(32)?);
        let info = KeyInfo {
            id: random_hex(8)?,
            name,
            sessions,
            access,
            created_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
        };
        let mut keys = self.keys.write().expect("key store lock");
        keys.push(StoredKey {
            info: info.clone(),
            sha256: digest(secret.as_bytes()),
        });
        if let Err(e) = self.save(&keys) {
            keys.pop();
            return Err(e);
        }
        Ok((secret, info))
    }

    /// Revokes a key by id; false when there is none.
    pub fn revoke(&self, id: &str) -> std::io::Result<bool> {
        let mut keys = self.keys.write().expect("key store lock");
        let Some(at) = keys.iter().position(|k| k.info.id == id) else {
            return Ok(false);
        };
        let removed = keys.remove(at);
        if let Err(e) = self.save(&keys) {
            keys.insert(at, removed);
            return Err(e);
        }
        Ok(true)
    }

    pub fn list(&self) -> Vec<KeyInfo> {
        let keys = self.keys.read().expect("key store lock");
        keys.iter().map(|k| k.info.clone()).collect()
    }

    /// The key whose secret is `given`, if any.
    pub fn find(&self, given: &[u8]) -> Option<KeyInfo> {
        if !given.starts_with(PREFIX.as_bytes()) {
            return None;
        }
        let hash = digest(given);
        let keys = self.keys.read().expect("key store lock");
        keys.iter()
            .find(|k| k.sha256 == hash)
            .map(|k| k.info.clone())
    }

    fn save(&self, keys: &[StoredKey]) -> std::io::Result<()> {
        if let Some(dir) = self.file.parent() {
            crate::private_files::create_dir_all(dir)?;
        }
        let file = KeyFile {
            keys: keys
                .iter()
                .map(|k| StoredKey {
                    info: k.info.clone(),
                    sha256: k.sha256.clone(),
                })
                .collect(),
        };
        let bytes = serde_json::to_vec_pretty(&file).expect("keys serialise");
        crate::private_files::write(&self.file, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stored_hashed_and_survive_a_restart() {
        let dir = std::env::temp_dir().join(format!("wagw-keys-{}", std::process::id()));
        let store = KeyStore::open(&dir).unwrap();
        let (secret, info) = store
            .create(Some("crm".into()), vec!["s1".into()], KeyAccess::Read)
            .unwrap();
        assert!(secret.starts_with("wagw_") && secret.len() == 5 + 64);
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
        assert!(!text.contains(&secret[5..]), "the secret is not stored");
        assert!(text.contains(&digest(secret.as_bytes())));

        let again = KeyStore::open(&dir).unwrap();
        let found = again.find(secret.as_bytes()).expect("found after reload");
        assert_eq!(
            (found.id.as_str(), found.access),
            (info.id.as_str(), KeyAccess::Read)
        );
        assert!(again.find(b"wagw_0000").is_none());
        assert!(again.find(&secret.as_bytes()[..60]).is_none());

        assert!(again.revoke(&info.id).unwrap());
        assert!(!again.revoke(&info.id).unwrap());
        assert!(
            KeyStore::open(&dir)
                .unwrap()
                .find(secret.as_bytes())
                .is_none()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
