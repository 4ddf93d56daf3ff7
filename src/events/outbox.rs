//! The durable outbox: every event, as its exact wire body, in an SQLite file under
//! SESSIONS_PATH, written before `EventBus::publish` returns.
//!
//! Tables:
//! - `events`: one row per event, in `seq` order (AUTOINCREMENT, so a seq is never reused). Its
//!   id is `evt_<seq>`, except for `message` events, whose id derives from the session and the
//!   WhatsApp message id ([`message_event_id`]): the same message always has the same id, and
//!   the store refuses it twice (the crash-window recovery relies on that). Kept after delivery
//!   for `WEBHOOK_MAX_AGE_S` so WebSocket clients can resume; removed earlier only by the disk cap.
//! - `deliveries`: one row per (session, URL, event) still owed to a webhook (`pending`) or
//!   refused for good (`dead`). A row leaves when delivered; a dead letter leaves when replayed
//!   (back to `pending`) or evicted by the disk cap.
//! - `webhook_settings`: per-session webhook configuration set through the API.
//!
//! WAL mode with `synchronous=NORMAL`: a commit is in the WAL file when it returns, so a
//! SIGKILL loses nothing (a power cut may lose the last commits; the OS has not flushed them).
//! One connection behind a mutex: calls are short, and SQLite serialises writers anyway.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// The file, under SESSIONS_PATH.
pub const FILE_NAME: &str = "wa-gateway-outbox.sqlite3";

/// A store error (SQLite's message).
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "outbox: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        StoreError(err.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The id of an event without a derived one: `evt_<seq>`.
pub fn event_id(seq: i64) -> String {
    format!("evt_{seq}")
}

/// The seq inside an `evt_<seq>` id (or a bare number).
pub fn parse_event_id(id: &str) -> Option<i64> {
    id.strip_prefix("evt_")
        .unwrap_or(id)
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
}

/// Whether a text looks like one of our event ids: `evt_<seq>`, a derived `evt_m...`, or a
/// cluster node's `evt_<node>.<seq>`.
pub fn is_event_id(id: &str) -> bool {
    parse_event_id(id).is_some()
        || id.strip_prefix("evt_").is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

/// The id of the `message` event of a WhatsApp message in a session: `evt_m` + 22 base64url
/// characters of SHA-256(session, message id). Stable, so a message raised again after a crash
/// carries the id it would have had.
pub fn message_event_id(session: &str, message_id: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(session.as_bytes())
        .chain_update([0u8])
        .chain_update(message_id.as_bytes())
        .finalize();
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    format!("evt_m{}", &encoded[..22])
}

/// The id column of a row of `events e`.
const ID: &str = "COALESCE(e.event_id, 'evt_' || e.seq)";

/// The head of a delivery queue: the oldest event still owed to one URL.
#[derive(Debug, Clone)]
pub struct Pending {
    pub seq: i64,
    pub id: String,
    pub body: Vec<u8>,
    pub data_type: String,
    pub created_ms: i64,
    pub attempts: u32,
}

/// A stored event as the WebSocket resume reads it.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: String,
    pub body: Vec<u8>,
}

/// One dead letter, as `GET /session/deadLetters/{id}` lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    pub event_id: String,
    pub url: String,
    pub data_type: String,
    /// When the event was raised (ms since the epoch).
    pub created_at: i64,
    /// When it was dead-lettered (ms since the epoch).
    pub dead_at: i64,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// The body that was refused; `null` once the disk cap dropped it (no longer replayable).
    pub event: Option<serde_json::Value>,
}

/// Queue figures of one session, from the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFigures {
    pub pending: u64,
    pub oldest_pending_ms: Option<i64>,
    pub dead_letters: u64,
}

/// What the disk cap removed in one pass.
#[derive(Debug, Default, PartialEq)]
pub struct Eviction {
    /// Delivered events dropped from the resume window.
    pub delivered_dropped: u64,
    /// Pending deliveries dead-lettered because of the cap.
    pub dead_lettered: u64,
    /// Dead letters whose payload was dropped.
    pub payloads_dropped: u64,
}

pub struct Outbox {
    db: Mutex<Connection>,
    /// Cluster mode: every event id is stored whole, `evt_<node>.<seq>`, so ids stay unique
    /// when a session's events move into another node's outbox (see [`Outbox::adopt_session`]).
    id_prefix: Option<String>,
}

/// What [`Outbox::adopt_session`] moved.
#[derive(Debug, Default, PartialEq)]
pub struct Adopted {
    pub events: usize,
    pub deliveries: usize,
    /// The URLs with pending deliveries now (their workers are to be woken).
    pub urls: Vec<String>,
}

/// The prefix of the ids of the node named `node`.
pub fn node_id_prefix(node: &str) -> String {
    format!("evt_{node}.")
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT UNIQUE,
    session TEXT NOT NULL,
    data_type TEXT NOT NULL,
    body BLOB,
    size INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session, seq);
CREATE TABLE IF NOT EXISTS deliveries (
    session TEXT NOT NULL,
    url TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    dead_ms INTEGER,
    PRIMARY KEY (session, url, seq)
);
CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries(state, session, url, seq);
CREATE INDEX IF NOT EXISTS deliveries_by_seq ON deliveries(seq);
CREATE TABLE IF NOT EXISTS webhook_settings (
    session TEXT PRIMARY KEY,
    settings TEXT NOT NULL
);
";

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn restrict_to_owner(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Err(err) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
        tracing::warn!(path = %path.display(), error = %err, "cannot make the outbox private");
    }
}

impl Outbox {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        Self::open_for(dir, None)
    }

    /// Opens the outbox of cluster node `node` (its event ids carry the node's name).
    pub fn open_for(dir: &Path, node: Option<&str>) -> StoreResult<Self> {
        crate::private_files::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(FILE_NAME);
        let db = Connection::open(&path)?;
        // Events hold messages and media: readable by the daemon's user only, like the profiles
        // (SQLite creates its -wal and -shm files with the database's mode).
        restrict_to_owner(&path);
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.pragma_update(None, "temp_store", "MEMORY")?;
        db.set_prepared_statement_cache_capacity(64);
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        db.execute_batch(SCHEMA)?;
        Ok(Outbox {
            db: Mutex::new(db),
            id_prefix: node.map(node_id_prefix),
        })
    }

    /// The id of the event stored at `seq` without a derived id.
    pub fn id_of_seq(&self, seq: i64) -> String {
        match &self.id_prefix {
            Some(prefix) => format!("{prefix}{seq}"),
            None => event_id(seq),
        }
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (its own transactions).
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores an event and its deliveries in one transaction; returns its seq, or `None` when
    /// an event with that derived id is already stored (it was raised before).
    pub fn append(
        &self,
        session: &str,
        data_type: &str,
        event_id: Option<&str>,
        body: &[u8],
        urls: &[String],
    ) -> StoreResult<Option<i64>> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let inserted = tx
            .prepare_cached(
                "INSERT INTO events (event_id, session, data_type, body, size, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(event_id) DO NOTHING",
            )?
            .execute(params![
                event_id,
                session,
                data_type,
                body,
                body.len() as i64,
                now_ms()
            ])?;
        if inserted == 0 {
            return Ok(None);
        }
        let seq = tx.last_insert_rowid();
        if event_id.is_none() && self.id_prefix.is_some() {
            tx.prepare_cached("UPDATE events SET event_id = ?1 WHERE seq = ?2")?
                .execute(params![self.id_of_seq(seq), seq])?;
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO deliveries (session, url, seq, state) VALUES (?1, ?2, ?3, 'pending')",
            )?;
            for url in urls {
                insert.execute(params![session, url, seq])?;
            }
        }
        tx.commit()?;
        Ok(Some(seq))
    }

    /// The seq of an event id, if it is (or was) stored.
    pub fn seq_of(&self, id: &str) -> StoreResult<Option<i64>> {
        if let Some(seq) = parse_event_id(id) {
            return Ok(Some(seq));
        }
        Ok(self
            .db()
            .query_row(
                "SELECT seq FROM events WHERE event_id = ?1",
                params![id],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The `timestamp` of the newest stored `message` event of a session (unix seconds).
    pub fn last_message_timestamp(&self, session: &str) -> StoreResult<Option<i64>> {
        let body: Option<Option<Vec<u8>>> = self
            .db()
            .query_row(
                "SELECT body FROM events WHERE session = ?1 AND data_type = 'message'
                 ORDER BY seq DESC LIMIT 1",
                params![session],
                |row| row.get(0),
            )
            .optional()?;
        Ok(body.flatten().and_then(|body| {
            serde_json::from_slice::<serde_json::Value>(&body).ok()?["data"]["message"]["timestamp"]
                .as_i64()
        }))
    }

    /// The oldest pending delivery of a queue.
    pub fn head(&self, session: &str, url: &str) -> StoreResult<Option<Pending>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT d.seq, e.body, e.data_type, e.created_ms, d.attempts, {ID}
             FROM deliveries d JOIN events e ON e.seq = d.seq
             WHERE d.state = 'pending' AND d.session = ?1 AND d.url = ?2
             ORDER BY d.seq LIMIT 1"
        ))?;
        Ok(stmt
            .query_row(params![session, url], |row| {
                Ok(Pending {
                    seq: row.get(0)?,
                    body: row.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
                    data_type: row.get(2)?,
                    created_ms: row.get(3)?,
                    attempts: row.get(4)?,
                    id: row.get(5)?,
                })
            })
            .optional()?)
    }

    /// The oldest pending deliveries of a queue, oldest first: at most `max_rows`, and no more
    /// payload bytes than `max_bytes` past the first (workers read ahead without holding media
    /// in memory).
    pub fn next_batch(
        &self,
        session: &str,
        url: &str,
        max_rows: usize,
        max_bytes: usize,
    ) -> StoreResult<Vec<Pending>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT d.seq, e.body, e.data_type, e.created_ms, d.attempts, {ID}, e.size
             FROM deliveries d JOIN events e ON e.seq = d.seq
             WHERE d.state = 'pending' AND d.session = ?1 AND d.url = ?2
             ORDER BY d.seq LIMIT ?3"
        ))?;
        let mut rows = stmt.query(params![session, url, max_rows as i64])?;
        let mut batch = Vec::new();
        let mut bytes = 0usize;
        while let Some(row) = rows.next()? {
            let size = row.get::<_, i64>(6)? as usize;
            if !batch.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            batch.push(Pending {
                seq: row.get(0)?,
                body: row.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
                data_type: row.get(2)?,
                created_ms: row.get(3)?,
                attempts: row.get(4)?,
                id: row.get(5)?,
            });
        }
        Ok(batch)
    }

    /// The delivery succeeded: it leaves the queue (the event stays for resume).
    pub fn delivered(&self, session: &str, url: &str, seq: i64) -> StoreResult<()> {
        self.db()
            .prepare_cached("DELETE FROM deliveries WHERE session = ?1 AND url = ?2 AND seq = ?3")?
            .execute(params![session, url, seq])?;
        Ok(())
    }

    /// A failed attempt that will be retried.
    pub fn failed(
        &self,
        session: &str,
        url: &str,
        seq: i64,
        attempts: u32,
        error: &str,
    ) -> StoreResult<()> {
        self.db()
            .prepare_cached(
                // Only while pending: the disk cap may have dead-lettered it meanwhile, and its
                // reason must stay.
                "UPDATE deliveries SET attempts = ?4, last_error = ?5
                 WHERE session = ?1 AND url = ?2 AND seq = ?3 AND state = 'pending'",
            )?
            .execute(params![session, url, seq, attempts, error])?;
        Ok(())
    }

    /// The delivery is given up: it becomes a dead letter and the queue moves on.
    pub fn dead_letter(
        &self,
        session: &str,
        url: &str,
        seq: i64,
        attempts: u32,
        error: &str,
    ) -> StoreResult<()> {
        self.db()
            .prepare_cached(
                "UPDATE deliveries SET state = 'dead', attempts = ?4, last_error = ?5, dead_ms = ?6
                 WHERE session = ?1 AND url = ?2 AND seq = ?3 AND state = 'pending'",
            )?
            .execute(params![session, url, seq, attempts, error, now_ms()])?;
        Ok(())
    }

    /// Every (session, URL) with pending deliveries (workers to start at boot).
    pub fn pending_queues(&self) -> StoreResult<Vec<(String, String)>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT DISTINCT session, url FROM deliveries WHERE state = 'pending' ORDER BY session, url",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Pending deliveries across all queues.
    pub fn pending_total(&self) -> StoreResult<u64> {
        Ok(self.db().query_row(
            "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'",
            [],
            |row| row.get::<_, i64>(0),
        )? as u64)
    }

    /// Queue figures per session.
    pub fn figures(&self) -> StoreResult<Vec<(String, QueueFigures)>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT d.session,
                    SUM(d.state = 'pending'),
                    MIN(CASE WHEN d.state = 'pending' THEN e.created_ms END),
                    SUM(d.state = 'dead')
             FROM deliveries d JOIN events e ON e.seq = d.seq
             GROUP BY d.session ORDER BY d.session",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                QueueFigures {
                    pending: row.get::<_, i64>(1)? as u64,
                    oldest_pending_ms: row.get(2)?,
                    dead_letters: row.get::<_, i64>(3)? as u64,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A session's dead letters, oldest event first, at most `limit`.
    pub fn dead_letters(&self, session: &str, limit: usize) -> StoreResult<Vec<DeadLetter>> {
        let db = self.db();
        let mut stmt = db.prepare(&format!(
            "SELECT {ID}, d.url, e.data_type, e.created_ms, d.dead_ms, d.attempts, d.last_error, e.body
             FROM deliveries d JOIN events e ON e.seq = d.seq
             WHERE d.state = 'dead' AND d.session = ?1
             ORDER BY d.seq LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![session, limit as i64], |row| {
            let body: Option<Vec<u8>> = row.get(7)?;
            Ok(DeadLetter {
                event_id: row.get(0)?,
                url: row.get(1)?,
                data_type: row.get(2)?,
                created_at: row.get(3)?,
                dead_at: row.get::<_, Option<i64>>(4)?.unwrap_or_default(),
                attempts: row.get(5)?,
                last_error: row.get(6)?,
                event: body.and_then(|b| serde_json::from_slice(&b).ok()),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Puts a session's dead letters (all, or those from `from_seq` on) back in their queues,
    /// except those whose payload the disk cap dropped. Returns the queues touched and the count.
    pub fn replay(
        &self,
        session: &str,
        from_seq: Option<i64>,
    ) -> StoreResult<(Vec<String>, usize)> {
        let mut db = self.db();
        let tx = db.transaction()?;
        let from = from_seq.unwrap_or(0);
        let urls: Vec<String> = {
            let mut stmt = tx.prepare(
                "SELECT DISTINCT d.url FROM deliveries d JOIN events e ON e.seq = d.seq
                 WHERE d.state = 'dead' AND d.session = ?1 AND d.seq >= ?2 AND e.body IS NOT NULL",
            )?;
            stmt.query_map(params![session, from], |row| row.get(0))?
                .collect::<Result<_, _>>()?
        };
        let count = tx.execute(
            "UPDATE deliveries SET state = 'pending', attempts = 0, dead_ms = NULL
             WHERE state = 'dead' AND session = ?1 AND seq >= ?2
               AND seq IN (SELECT seq FROM events WHERE body IS NOT NULL)",
            params![session, from],
        )?;
        tx.commit()?;
        Ok((urls, count))
    }

    /// Events of a session after `after_seq`, oldest first (WebSocket resume), at most `limit`.
    pub fn events_after(
        &self,
        session: &str,
        after_seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<StoredEvent>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(&format!(
            "SELECT e.seq, e.body, {ID} FROM events e
             WHERE e.session = ?1 AND e.seq > ?2 AND e.body IS NOT NULL
             ORDER BY e.seq LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![session, after_seq, limit as i64], |row| {
            Ok(StoredEvent {
                seq: row.get(0)?,
                body: row.get(1)?,
                id: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Drops events no queue owes anymore that are older than `max_age_ms`.
    pub fn prune(&self, max_age_ms: i64) -> StoreResult<usize> {
        Ok(self.db().execute(
            "DELETE FROM events WHERE created_ms < ?1
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = events.seq)",
            params![now_ms() - max_age_ms],
        )?)
    }

    /// Payload bytes held (all events that still have one).
    pub fn stored_bytes(&self) -> StoreResult<u64> {
        Ok(self.db().query_row(
            "SELECT COALESCE(SUM(size), 0) FROM events WHERE body IS NOT NULL",
            [],
            |row| row.get::<_, i64>(0),
        )? as u64)
    }

    /// Brings the payload bytes under `cap`, oldest first: delivered events kept for resume go
    /// first, then the oldest pending deliveries are dead-lettered and dead letters lose their
    /// payload (still listed, no longer replayable).
    pub fn enforce_cap(&self, cap: u64) -> StoreResult<Eviction> {
        let mut eviction = Eviction::default();
        let mut db = self.db();
        let tx = db.transaction()?;
        let total = |tx: &rusqlite::Transaction| -> rusqlite::Result<u64> {
            tx.query_row(
                "SELECT COALESCE(SUM(size), 0) FROM events WHERE body IS NOT NULL",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n as u64)
        };
        let mut held = total(&tx)?;
        if held <= cap {
            return Ok(eviction);
        }
        // 1. Delivered events (no delivery row left), oldest first.
        {
            let mut stmt = tx.prepare(
                "SELECT seq, size FROM events e WHERE body IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = e.seq) ORDER BY seq",
            )?;
            let rows: Vec<(i64, i64)> = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (seq, size) in rows {
                if held <= cap {
                    break;
                }
                tx.execute("DELETE FROM events WHERE seq = ?1", params![seq])?;
                held = held.saturating_sub(size as u64);
                eviction.delivered_dropped += 1;
            }
        }
        // 2. Events still owed or dead, oldest first: dead-letter, then drop the payload.
        if held > cap {
            let mut stmt =
                tx.prepare("SELECT seq, size FROM events WHERE body IS NOT NULL ORDER BY seq")?;
            let rows: Vec<(i64, i64)> = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (seq, size) in rows {
                if held <= cap {
                    break;
                }
                eviction.dead_lettered += tx.execute(
                    "UPDATE deliveries SET state = 'dead', dead_ms = ?2,
                        last_error = 'WEBHOOK_MAX_DISK_MB reached: oldest events dropped'
                     WHERE seq = ?1 AND state = 'pending'",
                    params![seq, now_ms()],
                )? as u64;
                tx.execute("UPDATE events SET body = NULL WHERE seq = ?1", params![seq])?;
                held = held.saturating_sub(size as u64);
                eviction.payloads_dropped += 1;
            }
        }
        tx.commit()?;
        Ok(eviction)
    }

    /// Moves a session's events (with their ids) and deliveries (pending and dead, with their
    /// attempts) out of another node's outbox file into this one, keeping their order: the
    /// session now runs here, so its queues continue here. The node named `node` owned the
    /// file; the caller makes sure it is not running (it holds the file's lease).
    ///
    /// Copy first, then delete from the other file: a crash in between leaves the rows in both,
    /// and moving again adds nothing (an event id is stored once, a delivery per event once).
    pub fn adopt_session(&self, file: &Path, node: &str, session: &str) -> StoreResult<Adopted> {
        let db = self.db();
        db.execute(
            "ATTACH DATABASE ?1 AS other",
            params![file.to_string_lossy()],
        )?;
        let moved = (|| -> StoreResult<Adopted> {
            let prefix = node_id_prefix(node);
            let mut adopted = Adopted::default();
            db.execute_batch("BEGIN IMMEDIATE")?;
            let copied = (|| -> rusqlite::Result<()> {
                adopted.events = db.execute(
                    "INSERT INTO main.events (event_id, session, data_type, body, size, created_ms)
                     SELECT COALESCE(event_id, ?2 || seq), session, data_type, body, size, created_ms
                     FROM other.events WHERE session = ?1 ORDER BY seq
                     ON CONFLICT(event_id) DO NOTHING",
                    params![session, prefix],
                )?;
                adopted.deliveries = db.execute(
                    "INSERT OR IGNORE INTO main.deliveries
                        (session, url, seq, state, attempts, last_error, dead_ms)
                     SELECT d.session, d.url, m.seq, d.state, d.attempts, d.last_error, d.dead_ms
                     FROM other.deliveries d
                     JOIN other.events o ON o.seq = d.seq
                     JOIN main.events m ON m.event_id = COALESCE(o.event_id, ?2 || o.seq)
                     WHERE d.session = ?1",
                    params![session, prefix],
                )?;
                Ok(())
            })();
            match copied {
                Ok(()) => db.execute_batch("COMMIT")?,
                Err(err) => {
                    let _ = db.execute_batch("ROLLBACK");
                    return Err(err.into());
                }
            }
            db.execute_batch("BEGIN IMMEDIATE")?;
            let deleted = db
                .execute(
                    "DELETE FROM other.deliveries WHERE session = ?1",
                    params![session],
                )
                .and_then(|_| {
                    db.execute(
                        "DELETE FROM other.events WHERE session = ?1",
                        params![session],
                    )
                });
            match deleted {
                Ok(_) => db.execute_batch("COMMIT")?,
                Err(err) => {
                    let _ = db.execute_batch("ROLLBACK");
                    return Err(err.into());
                }
            }
            let mut stmt = db.prepare(
                "SELECT DISTINCT url FROM main.deliveries WHERE session = ?1 AND state = 'pending'",
            )?;
            adopted.urls = stmt
                .query_map(params![session], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(adopted)
        })();
        if let Err(err) = db.execute_batch("DETACH DATABASE other") {
            tracing::warn!(error = %err, "cannot detach an adopted outbox");
        }
        moved
    }

    /// The sessions with events in another node's outbox file (the caller holds its lease).
    pub fn sessions_in(file: &Path) -> StoreResult<Vec<String>> {
        let db = Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        db.busy_timeout(std::time::Duration::from_secs(5))?;
        let mut stmt = db.prepare("SELECT DISTINCT session FROM events ORDER BY session")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Per-session webhook settings (JSON), all sessions.
    pub fn all_settings(&self) -> StoreResult<Vec<(String, String)>> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT session, settings FROM webhook_settings")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn save_settings(&self, session: &str, settings_json: &str) -> StoreResult<()> {
        self.db().execute(
            "INSERT INTO webhook_settings (session, settings) VALUES (?1, ?2)
             ON CONFLICT(session) DO UPDATE SET settings = excluded.settings",
            params![session, settings_json],
        )?;
        Ok(())
    }

    pub fn clear_settings(&self, session: &str) -> StoreResult<bool> {
        Ok(self.db().execute(
            "DELETE FROM webhook_settings WHERE session = ?1",
            params![session],
        )? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (Outbox, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "wagw-outbox-unit-{}-{}",
            std::process::id(),
            now_ms() ^ (rand_suffix() as i64)
        ));
        (Outbox::open(&dir).unwrap(), dir)
    }

    fn rand_suffix() -> u64 {
        use std::hash::{BuildHasher, RandomState};
        RandomState::new().hash_one(0u8)
    }

    #[test]
    fn queue_is_ordered_and_survives_reopening() {
        let (outbox, dir) = store();
        let urls = vec!["http://a/".to_owned()];
        let first = outbox
            .append("s1", "message", None, b"{\"n\":1}", &urls)
            .unwrap()
            .unwrap();
        let second = outbox
            .append("s1", "message", None, b"{\"n\":2}", &urls)
            .unwrap()
            .unwrap();
        assert!(second > first);
        drop(outbox);
        let outbox = Outbox::open(&dir).unwrap();
        assert_eq!(
            outbox.pending_queues().unwrap(),
            vec![("s1".to_owned(), "http://a/".to_owned())]
        );
        let head = outbox.head("s1", "http://a/").unwrap().unwrap();
        assert_eq!((head.seq, head.body.as_slice()), (first, &b"{\"n\":1}"[..]));
        let batch = outbox.next_batch("s1", "http://a/", 10, 1 << 20).unwrap();
        assert_eq!(
            batch.iter().map(|p| p.seq).collect::<Vec<_>>(),
            [first, second]
        );
        assert_eq!(
            outbox.next_batch("s1", "http://a/", 10, 1).unwrap().len(),
            1,
            "byte cap"
        );
        outbox.delivered("s1", "http://a/", first).unwrap();
        assert_eq!(outbox.head("s1", "http://a/").unwrap().unwrap().seq, second);
        // A dead letter leaves the queue, is listed, and replay puts it back.
        outbox
            .dead_letter("s1", "http://a/", second, 1, "HTTP 400")
            .unwrap();
        assert!(outbox.head("s1", "http://a/").unwrap().is_none());
        let dead = outbox.dead_letters("s1", 10).unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].event_id, event_id(second));
        assert_eq!(dead[0].event.as_ref().unwrap()["n"], 2);
        assert_eq!(outbox.replay("s1", Some(second + 1)).unwrap().1, 0);
        assert_eq!(outbox.replay("s1", None).unwrap().1, 1);
        assert_eq!(outbox.head("s1", "http://a/").unwrap().unwrap().seq, second);
        // Delivered events stay for resume.
        let after = outbox.events_after("s1", 0, 10).unwrap();
        assert_eq!(after.len(), 2);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn dir_of(tag: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!(
            "wagw-outbox-{tag}-{}-{}",
            std::process::id(),
            rand_suffix()
        ))
    }

    #[test]
    fn a_gone_nodes_session_moves_whole_in_order_and_only_once() {
        let (dir_a, dir_b) = (dir_of("a"), dir_of("b"));
        let a = Outbox::open_for(&dir_a, Some("a")).unwrap();
        let b = Outbox::open_for(&dir_b, Some("b")).unwrap();
        let urls = vec!["http://h/".to_owned()];
        // Node b already holds an event of its own, so the seqs differ from node a's.
        b.append("s0", "ready", None, b"{}", &urls)
            .unwrap()
            .unwrap();
        let delivered = a
            .append("s1", "ready", None, b"{\"n\":1}", &urls)
            .unwrap()
            .unwrap();
        a.delivered("s1", "http://h/", delivered).unwrap();
        let failing = a
            .append("s1", "message", Some("evt_mX"), b"{\"n\":2}", &urls)
            .unwrap()
            .unwrap();
        a.failed("s1", "http://h/", failing, 3, "HTTP 503").unwrap();
        let refused = a
            .append("s1", "message_ack", None, b"{\"n\":3}", &urls)
            .unwrap()
            .unwrap();
        a.dead_letter("s1", "http://h/", refused, 1, "HTTP 400")
            .unwrap();
        a.append("s2", "ready", None, b"{}", &urls)
            .unwrap()
            .unwrap();
        let ids: Vec<String> = a
            .events_after("s1", 0, 10)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(
            ids,
            ["evt_a.1", "evt_mX", "evt_a.3"],
            "cluster ids name their node"
        );
        drop(a);

        let file = dir_a.join(FILE_NAME);
        let moved = b.adopt_session(&file, "a", "s1").unwrap();
        assert_eq!((moved.events, moved.deliveries), (3, 2));
        assert_eq!(moved.urls, ["http://h/"]);
        let here = b.events_after("s1", 0, 10).unwrap();
        assert_eq!(
            here.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
            ids,
            "same ids, same order"
        );
        let head = b.head("s1", "http://h/").unwrap().unwrap();
        assert_eq!(
            (head.id.as_str(), head.attempts),
            ("evt_mX", 3),
            "the attempts go along"
        );
        assert_eq!(b.dead_letters("s1", 10).unwrap()[0].event_id, "evt_a.3");
        assert_eq!(
            b.seq_of("evt_mX").unwrap(),
            Some(head.seq),
            "resumable by the old id"
        );
        // The derived id is known here now: the message is not raised twice.
        assert_eq!(
            b.append("s1", "message", Some("evt_mX"), b"{}", &urls)
                .unwrap(),
            None
        );
        // Only s1 moved, and moving again finds nothing.
        assert_eq!(Outbox::sessions_in(&file).unwrap(), ["s2"]);
        let again = b.adopt_session(&file, "a", "s1").unwrap();
        assert_eq!((again.events, again.deliveries), (0, 0));
        // Events without a stored id (a node from before cluster mode) get their node's.
        let legacy_dir = dir_of("legacy");
        let legacy = Outbox::open(&legacy_dir).unwrap();
        legacy
            .append("s3", "ready", None, b"{}", &urls)
            .unwrap()
            .unwrap();
        drop(legacy);
        b.adopt_session(&legacy_dir.join(FILE_NAME), "old", "s3")
            .unwrap();
        assert_eq!(b.events_after("s3", 0, 10).unwrap()[0].id, "evt_old.1");
        for dir in [dir_a, dir_b, legacy_dir] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    #[test]
    fn disk_cap_drops_delivered_first_then_dead_letters_the_oldest() {
        let (outbox, dir) = store();
        let urls = vec!["http://a/".to_owned()];
        let body = vec![b'x'; 1000];
        let delivered = outbox
            .append("s1", "message", None, &body, &urls)
            .unwrap()
            .unwrap();
        outbox.delivered("s1", "http://a/", delivered).unwrap();
        let old = outbox
            .append("s1", "message", None, &body, &urls)
            .unwrap()
            .unwrap();
        let new = outbox
            .append("s1", "message", None, &body, &urls)
            .unwrap()
            .unwrap();
        let eviction = outbox.enforce_cap(1500).unwrap();
        assert_eq!(
            eviction,
            Eviction {
                delivered_dropped: 1,
                dead_lettered: 1,
                payloads_dropped: 1
            }
        );
        assert_eq!(outbox.head("s1", "http://a/").unwrap().unwrap().seq, new);
        let dead = outbox.dead_letters("s1", 10).unwrap();
        assert_eq!(dead[0].event_id, event_id(old));
        assert!(dead[0].event.is_none());
        assert_eq!(outbox.stored_bytes().unwrap(), 1000);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_message_is_stored_once_under_its_derived_id() {
        let (outbox, dir) = store();
        let id = message_event_id("s1", "false_1555@c.us_ABC");
        assert_eq!(id, message_event_id("s1", "false_1555@c.us_ABC"));
        assert_ne!(id, message_event_id("s2", "false_1555@c.us_ABC"));
        assert!(is_event_id(&id) && id.len() == 27);
        let body = br#"{"dataType":"message","data":{"message":{"timestamp":1700000000}},"sessionId":"s1"}"#;
        let urls = vec!["http://a/".to_owned()];
        let seq = outbox
            .append("s1", "message", Some(&id), body, &urls)
            .unwrap();
        assert!(seq.is_some());
        assert_eq!(
            outbox
                .append("s1", "message", Some(&id), body, &urls)
                .unwrap(),
            None
        );
        assert_eq!(outbox.seq_of(&id).unwrap(), seq);
        assert_eq!(outbox.head("s1", "http://a/").unwrap().unwrap().id, id);
        assert_eq!(
            outbox.last_message_timestamp("s1").unwrap(),
            Some(1700000000)
        );
        assert_eq!(outbox.last_message_timestamp("s2").unwrap(), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn event_ids_round_trip() {
        assert_eq!(parse_event_id(&event_id(42)), Some(42));
        assert_eq!(parse_event_id("42"), Some(42));
        assert_eq!(parse_event_id("evt_x"), None);
        assert_eq!(parse_event_id("evt_0"), None);
    }
}
