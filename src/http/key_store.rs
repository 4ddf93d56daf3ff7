//! Scoped API keys: keys the admin (API_KEY) creates and revokes, each limited to some session
//! ids and to read-only or full use. Kept in SESSIONS_PATH/api-keys.json (0600), hashed.
//!
//! A key is 32 random bytes from the OS, so a plain SHA-256 is enough to store it: slow password
//! hashes exist to protect guessable secrets, and nobody guesses 256 random bits. A stolen file
//! gives no usable key, and checking a key costs one hash.
//!
//! The file is the truth, for one daemon and for the nodes of a cluster that share
//! SESSIONS_PATH alike: a lookup notices a changed file with one `stat` and reads it again, so a
//! key created or revoked on any node counts everywhere at the next request; writes take an
//! exclusive `flock` on api-keys.lock and re-read the file under it, so concurrent creates from
//! several nodes all survive.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

const FILE_NAME: &str = "api-keys.json";
const LOCK_NAME: &str = "api-keys.lock";
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
    /// Beside `file`: held with an exclusive lock across every read-modify-write, by every
    /// process sharing SESSIONS_PATH (the nodes of a cluster), so no write loses another's key.
    lock: PathBuf,
    cache: RwLock<Cache>,
}

/// The keys as last read, and what the file looked like then.
struct Cache {
    seen: Option<Fingerprint>,
    /// `Err` when the file could not be read or parsed: every scoped key is refused then
    /// (a broken file must not keep a revoked key alive).
    keys: Result<Vec<StoredKey>, String>,
}

/// What a `stat` tells of the file; `None` stands for no file. Every write goes through a
/// rename (a new inode) with a later mtime ([`crate::private_files::write_newer`]), so a change
/// always changes this.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Fingerprint {
    dev: u64,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    len: u64,
}

impl Fingerprint {
    fn of(meta: &std::fs::Metadata) -> Self {
        Fingerprint {
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            len: meta.size(),
        }
    }
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

/// Stats `file` (`None`: there is none).
fn stat(file: &Path) -> std::io::Result<Option<Fingerprint>> {
    match std::fs::metadata(file) {
        Ok(meta) => Ok(Some(Fingerprint::of(&meta))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads `file` and the fingerprint of what was read (taken from the open handle, so the two
/// agree even when a writer renames a new file in between).
fn load(file: &Path) -> std::io::Result<(Option<Fingerprint>, Vec<StoredKey>)> {
    let mut handle = match std::fs::File::open(file) {
        Ok(handle) => handle,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, Vec::new())),
        Err(e) => return Err(e),
    };
    let seen = Fingerprint::of(&handle.metadata()?);
    let mut bytes = Vec::new();
    handle.read_to_end(&mut bytes)?;
    let parsed = serde_json::from_slice::<KeyFile>(&bytes)
        .map_err(|e| std::io::Error::other(format!("{} is not a key file: {e}", file.display())))?;
    Ok((Some(seen), parsed.keys))
}

impl KeyStore {
    /// Loads the keys of `sessions_path` (none when the file does not exist yet).
    pub fn open(sessions_path: &Path) -> std::io::Result<Self> {
        let file = sessions_path.join(FILE_NAME);
        let (seen, keys) = load(&file)?;
        Ok(KeyStore {
            lock: sessions_path.join(LOCK_NAME),
            file,
            cache: RwLock::new(Cache {
                seen,
                keys: Ok(keys),
            }),
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
        let stored = StoredKey {
            info: info.clone(),
            sha256: digest(secret.as_bytes()),
        };
        self.modify(|keys| {
            keys.push(stored);
            true
        })?;
        Ok((secret, info))
    }

    /// Revokes a key by id; false when there is none.
    pub fn revoke(&self, id: &str) -> std::io::Result<bool> {
        self.modify(|keys| {
            let before = keys.len();
            keys.retain(|k| k.info.id != id);
            keys.len() != before
        })
    }

    /// Every key, as the file holds them now.
    pub fn list(&self) -> std::io::Result<Vec<KeyInfo>> {
        let cache = self.fresh();
        match &cache.keys {
            Ok(keys) => Ok(keys.iter().map(|k| k.info.clone()).collect()),
            Err(e) => Err(std::io::Error::other(e.clone())),
        }
    }

    /// The key whose secret is `given`, if any, as the file holds them now (one `stat` per call;
    /// the file is read again only when it changed).
    pub fn find(&self, given: &[u8]) -> Option<KeyInfo> {
        if !given.starts_with(PREFIX.as_bytes()) {
            return None;
        }
        let hash = digest(given);
        let cache = self.fresh();
        cache
            .keys
            .as_ref()
            .ok()?
            .iter()
            .find(|k| k.sha256 == hash)
            .map(|k| k.info.clone())
    }

    /// The cache, read again first if the file changed since (another node, another instance).
    fn fresh(&self) -> RwLockReadGuard<'_, Cache> {
        let now = stat(&self.file);
        {
            let cache = self.cache.read().expect("key store lock");
            if matches!(&now, Ok(now) if *now == cache.seen) {
                return cache;
            }
        }
        let mut cache = self.cache.write().expect("key store lock");
        match load(&self.file) {
            Ok((seen, keys)) => {
                cache.seen = seen;
                cache.keys = Ok(keys);
            }
            Err(e) => {
                // Remember the fingerprint of the broken file so that it is not read (and
                // logged) on every request; a repaired file has another one.
                let seen = stat(&self.file).ok().flatten();
                if cache.keys.is_ok() || cache.seen != seen {
                    tracing::error!(file = %self.file.display(), error = %e,
                        "cannot read the scoped API keys; refusing every scoped key until it is fixed");
                }
                cache.seen = seen;
                cache.keys = Err(e.to_string());
            }
        }
        drop(cache);
        self.cache.read().expect("key store lock")
    }

    /// Read-modify-write under the cross-process lock: the file is read again under it, so a
    /// key another process wrote a moment ago is kept. `change` says whether it changed anything.
    fn modify(&self, change: impl FnOnce(&mut Vec<StoredKey>) -> bool) -> std::io::Result<bool> {
        if let Some(dir) = self.file.parent() {
            crate::private_files::create_dir_all(dir)?;
        }
        let lock = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&self.lock)?;
        // flock(2): one holder per open file, so threads of this process exclude each other too;
        // released when `lock` is closed, also when the process dies.
        lock.lock()?;
        let (mut seen, mut keys) = load(&self.file)?;
        let changed = change(&mut keys);
        if changed {
            let file = KeyFile { keys };
            let bytes = serde_json::to_vec_pretty(&file).expect("keys serialise");
            crate::private_files::write_newer(&self.file, &bytes)?;
            keys = file.keys;
            seen = stat(&self.file)?;
        }
        // Still under the lock, so the cache cannot go back to an older file.
        let mut cache = self.cache.write().expect("key store lock");
        cache.seen = seen;
        cache.keys = Ok(keys);
        Ok(changed)
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

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wagw-keys-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn two_stores_on_one_dir_see_each_others_changes_at_once() {
        // Two nodes of a cluster: one SESSIONS_PATH, a KeyStore each.
        let dir = temp_dir("shared");
        let a = KeyStore::open(&dir).unwrap();
        let b = KeyStore::open(&dir).unwrap();
        assert!(b.list().unwrap().is_empty());

        let (secret, info) = a.create(None, vec!["s1".into()], KeyAccess::Full).unwrap();
        assert_eq!(
            b.find(secret.as_bytes()).expect("b sees a's key").id,
            info.id
        );
        assert_eq!(b.list().unwrap().len(), 1);

        // Revoke one and create another of the same length in a burst: the file keeps its
        // length and may get the old inode back, and b must still notice.
        assert!(b.revoke(&info.id).unwrap());
        assert!(
            a.find(secret.as_bytes()).is_none(),
            "revoked on b, refused on a"
        );
        let (second, second_info) = a.create(None, vec!["s1".into()], KeyAccess::Full).unwrap();
        assert!(b.find(second.as_bytes()).is_some());
        assert!(b.revoke(&second_info.id).unwrap());
        let (third, _) = a.create(None, vec!["s1".into()], KeyAccess::Full).unwrap();
        assert!(b.find(second.as_bytes()).is_none());
        assert!(b.find(third.as_bytes()).is_some());
        assert!(!a.revoke(&info.id).unwrap(), "already gone");

        // The file was deleted by hand: no keys, on every node.
        std::fs::remove_file(dir.join(FILE_NAME)).unwrap();
        assert!(a.find(third.as_bytes()).is_none());
        assert!(b.list().unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_creates_from_two_stores_all_survive() {
        let dir = temp_dir("concurrent");
        let stores = [
            std::sync::Arc::new(KeyStore::open(&dir).unwrap()),
            std::sync::Arc::new(KeyStore::open(&dir).unwrap()),
        ];
        let workers: Vec<_> = (0..4)
            .map(|n| {
                let store = stores[n % 2].clone();
                std::thread::spawn(move || {
                    (0..10)
                        .map(|_| {
                            store
                                .create(None, vec!["s1".into()], KeyAccess::Read)
                                .unwrap()
                                .0
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let secrets: Vec<String> = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect();
        assert_eq!(secrets.len(), 40);
        let fresh = KeyStore::open(&dir).unwrap();
        for store in stores.iter().map(|s| &**s).chain([&fresh]) {
            assert_eq!(store.list().unwrap().len(), 40);
            assert!(secrets.iter().all(|s| store.find(s.as_bytes()).is_some()));
        }
        let mode = std::fs::metadata(dir.join(FILE_NAME)).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_broken_file_refuses_every_scoped_key_and_is_not_overwritten() {
        let dir = temp_dir("broken");
        let store = KeyStore::open(&dir).unwrap();
        let (secret, _) = store
            .create(None, vec!["s1".into()], KeyAccess::Full)
            .unwrap();
        std::fs::write(dir.join(FILE_NAME), b"{ not json").unwrap();
        assert!(store.find(secret.as_bytes()).is_none());
        assert!(
            store
                .list()
                .unwrap_err()
                .to_string()
                .contains("is not a key file")
        );
        assert!(
            store
                .create(None, vec!["s1".into()], KeyAccess::Full)
                .is_err()
        );
        assert_eq!(std::fs::read(dir.join(FILE_NAME)).unwrap(), b"{ not json");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
