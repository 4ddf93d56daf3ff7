//! The webhook outboxes of a cluster: each node has its own SQLite file on the shared storage
//! (`SESSIONS_PATH/outbox-<NODE_ID>/`), and holds a lease on it in Redis while it runs. When a
//! node is gone, its file's lease expires and the others carry its queues on: the node that
//! takes one of its sessions moves that session's events and deliveries into its own outbox
//! before launching the browser (so the session's webhooks stay in order, and WebSocket clients
//! resume with the ids they know), and a sweep moves the rest (sessions nobody runs now).
//!
//! One process opens a file at a time: its node while it holds the lease, another node only
//! while it holds it in the node's place. A node that cannot renew its lease holds its
//! deliveries back, as another may adopt what its file holds.
//!
//! The per-session webhook settings set through the API live in Redis too (`wagw:webhook:<id>`):
//! whatever node answers the request, the node that runs the session applies them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::Cluster;
use super::lease::ms;
use super::store::{Store, keys};
use crate::events::outbox::FILE_NAME;
use crate::events::settings::WebhookSettings;

/// How long an adopter waits for another adopter of the same file to finish.
const ADOPTER_PATIENCE: Duration = Duration::from_secs(5);

/// KEYS lease; ARGV value, ttl ms. 1: extended. 2: it was gone (Redis lost it): set again.
/// 0: another node holds it (this one was taken for gone).
const RENEW: &str = r"
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
";

/// KEYS lease; ARGV value. Deletes the lease if it is this holding.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

/// KEYS lease; ARGV former value, new value, ttl ms. Replaces exactly that former holding.
const TAKE_OVER: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
";

impl Store {
    /// Takes the lease on `node`'s outbox file if nobody holds it; answers the holder otherwise.
    pub async fn claim_outbox(
        &self,
        node: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<Result<(), String>, String> {
        let mut conn = self.conn.clone();
        let set: Option<String> = self
            .call(
                "claim outbox",
                redis::cmd("SET")
                    .arg(keys::outbox(node))
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(ms(ttl))
                    .query_async(&mut conn),
            )
            .await?;
        if set.is_some() {
            return Ok(Ok(()));
        }
        let holder: Option<String> = self
            .call(
                "outbox holder",
                redis::cmd("GET")
                    .arg(keys::outbox(node))
                    .query_async(&mut conn),
            )
            .await?;
        Ok(Err(holder.unwrap_or_default()))
    }

    /// Sets the lease on `node`'s outbox file over a former holding of the same node (a node
    /// restarted under its name: its former self is gone).
    pub async fn take_own_outbox(
        &self,
        node: &str,
        former: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, String> {
        let done: i64 = self
            .run(
                "take outbox",
                TAKE_OVER,
                &[keys::outbox(node)],
                &[former.to_owned(), value.to_owned(), ms(ttl)],
            )
            .await?;
        Ok(done == 1)
    }

    /// Renews a holding: true when extended (or set again), false when another holds it.
    pub async fn renew_outbox(
        &self,
        node: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<bool, String> {
        let code: i64 = self
            .run(
                "renew outbox",
                RENEW,
                &[keys::outbox(node)],
                &[value.to_owned(), ms(ttl)],
            )
            .await?;
        Ok(code != 0)
    }

    pub async fn release_outbox(&self, node: &str, value: &str) -> Result<(), String> {
        self.run::<i64>(
            "release outbox",
            RELEASE,
            &[keys::outbox(node)],
            &[value.to_owned()],
        )
        .await
        .map(|_| ())
    }

    /// The session's webhook settings set through the API.
    pub async fn webhook(&self, session: &str) -> Result<Option<WebhookSettings>, String> {
        let mut conn = self.conn.clone();
        let json: Option<String> = self
            .call(
                "get webhook",
                redis::cmd("GET")
                    .arg(keys::webhook(session))
                    .query_async(&mut conn),
            )
            .await?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| format!("stored webhook settings: {e}")))
            .transpose()
    }

    /// Stores (or with `None` clears) the session's webhook settings; `only_if_absent` writes
    /// only over nothing (a node putting back what Redis lost). Answers whether a key changed.
    pub async fn save_webhook(
        &self,
        session: &str,
        settings: Option<&WebhookSettings>,
        only_if_absent: bool,
    ) -> Result<bool, String> {
        let mut conn = self.conn.clone();
        let key = keys::webhook(session);
        match settings {
            Some(settings) => {
                let json = serde_json::to_string(settings).expect("settings serialise");
                let mut cmd = redis::cmd("SET");
                cmd.arg(&key).arg(json);
                if only_if_absent {
                    cmd.arg("NX");
                }
                let set: Option<String> =
                    self.call("set webhook", cmd.query_async(&mut conn)).await?;
                Ok(set.is_some())
            }
            None => {
                let removed: i64 = self
                    .call(
                        "clear webhook",
                        redis::cmd("DEL").arg(&key).query_async(&mut conn),
                    )
                    .await?;
                Ok(removed > 0)
            }
        }
    }
}

/// KEYS epoch. The age in ms (Redis' clock) of the epoch mark, set now if it is missing: a
/// Redis that restarted without its data, or was flushed, has a young one.
const EPOCH: &str = r"
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
local born = redis.call('GET', KEYS[1])
if not born then
  redis.call('SET', KEYS[1], now_ms)
  return 0
end
return now_ms - tonumber(born)
";

/// How long after Redis lost its data no node's file is taken for gone: every live node has
/// heartbeaten and renewed its outbox lease again by then (each does every second, and each
/// Redis call may take up to 2 s).
const SETTLE: Duration = Duration::from_secs(8);

impl Store {
    /// How long ago Redis last started afresh (lost or never had our keys).
    pub async fn epoch_age(&self) -> Result<Duration, String> {
        let age: i64 = self
            .run("epoch", EPOCH, &[keys::EPOCH.to_owned()], &[])
            .await?;
        Ok(Duration::from_millis(age.max(0) as u64))
    }
}

/// This node's lease on its own outbox file, taken before the file is opened.
pub struct OwnOutbox {
    pub value: String,
}

impl OwnOutbox {
    /// Waits until no other node holds this node's outbox file (an adopter finishing), then
    /// holds it. A holding by this node's former self (a crash, then a restart) is taken over.
    pub async fn claim(store: &Store, node: &str, ttl: Duration) -> Result<OwnOutbox, String> {
        let value = format!("{node}:{}", nonce());
        let mut told = false;
        loop {
            match store.claim_outbox(node, &value, ttl).await? {
                Ok(()) => return Ok(OwnOutbox { value }),
                Err(holder) if super::lease::holder(&holder) == node => {
                    if store.take_own_outbox(node, &holder, &value, ttl).await? {
                        return Ok(OwnOutbox { value });
                    }
                }
                Err(holder) => {
                    if !told {
                        tracing::warn!(
                            holder = super::lease::holder(&holder),
                            "another node is carrying on this node's webhook outbox; waiting for it to finish"
                        );
                        told = true;
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    }
}

fn nonce() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The outbox files of other nodes on the shared storage: (node, file).
fn other_outboxes(sessions_path: &Path, me: &str) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(sessions_path) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let node = name.strip_prefix("outbox-")?.to_owned();
            let file = entry.path().join(FILE_NAME);
            (node != me && file.is_file()).then_some((node, file))
        })
        .collect();
    found.sort();
    found
}

/// The state of this node's own outbox lease, as its renewals went.
pub(super) struct OwnLease {
    pub value: String,
    pub last_ok: Instant,
    pub paused: bool,
}

impl Cluster {
    /// Renews this node's lease on its outbox file (every tick); holds deliveries back while it
    /// is in doubt, and takes the file back once free.
    pub(super) async fn keep_own_outbox(&self) {
        let node = self.config.node_id.clone();
        let ttl = self.config.lease_ttl;
        let value = self.own_outbox.lock().await.value.clone();
        let renewed = match self.store.renew_outbox(&node, &value, ttl).await {
            Ok(true) => Ok(()),
            // Taken for gone: wait for the adopter to finish, then hold it again.
            Ok(false) => match self.store.claim_outbox(&node, &value, ttl).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(true),
                Err(_) => Err(false),
            },
            Err(_) => Err(false),
        };
        let mut own = self.own_outbox.lock().await;
        match renewed {
            Ok(()) => {
                own.last_ok = Instant::now();
                if own.paused {
                    tracing::warn!("webhook outbox lease held again; deliveries go on");
                    own.paused = false;
                    self.bus.pause_deliveries(false);
                }
            }
            Err(taken) => {
                let in_doubt = taken || own.last_ok.elapsed() >= self.config.renew_deadline();
                if in_doubt && !own.paused {
                    tracing::error!(
                        taken,
                        "cannot renew the webhook outbox lease; deliveries held back"
                    );
                    own.paused = true;
                    self.bus.pause_deliveries(true);
                }
            }
        }
    }

    /// Whether Redis has held our keys long enough that a node missing from it is gone: right
    /// after Redis lost its data, every node looks gone and every outbox lease free.
    async fn redis_settled(&self) -> bool {
        self.store.epoch_age().await.is_ok_and(|age| age >= SETTLE)
    }

    /// Moves session `id`'s events and queues out of the outbox files of nodes that are gone,
    /// into this node's (it holds the session's lease). Files of live nodes are theirs: those
    /// nodes deliver what they hold.
    pub(super) async fn adopt_queues_of(&self, id: &str) {
        if !self.redis_settled().await {
            tracing::info!(
                session = id,
                "Redis lost its data a moment ago; queues of gone nodes are moved later"
            );
            return;
        }
        let Ok(live) = self.store.live_nodes().await else {
            return;
        };
        for (node, file) in other_outboxes(&self.sessions_path, &self.config.node_id) {
            if live.iter().any(|n| n.id == node) {
                continue;
            }
            self.with_outbox_of(&node, ADOPTER_PATIENCE, |cluster| {
                let session = id.to_owned();
                let file = file.clone();
                let node = node.clone();
                async move {
                    cluster.adopt_into_own(&file, &node, &session).await;
                }
            })
            .await;
        }
    }

    /// Now and then: the outbox files of nodes that are gone may still hold queues of sessions
    /// nobody is about to take (stopped ones) or of sessions this node runs: carry them on here.
    pub(super) async fn sweep_outboxes(&self) {
        let others = other_outboxes(&self.sessions_path, &self.config.node_id);
        if others.is_empty() || !self.redis_settled().await {
            return;
        }
        let (Ok(wanted), Ok(nodes)) = (self.store.wanted().await, self.store.live_nodes().await)
        else {
            return;
        };
        for (node, file) in others {
            if nodes.iter().any(|n| n.id == node) {
                continue;
            }
            let wanted = wanted.clone();
            let gone = node.clone();
            // No waiting in the tick: another node sweeping this file now does the work.
            self.with_outbox_of(&gone, Duration::ZERO, |cluster| async move {
                let listed = {
                    let file = file.clone();
                    tokio::task::spawn_blocking(move || {
                        crate::events::outbox::Outbox::sessions_in(&file)
                    })
                    .await
                };
                let Ok(Ok(sessions)) = listed else { return };
                let Ok(owners) = cluster.store.owners(&sessions).await else {
                    return;
                };
                for (session, owner) in sessions.iter().zip(owners) {
                    // A session that runs (or is about to) is its owner's to move, so that its
                    // queue stays in order on one node: a node taking it moves it before
                    // launching, and an owner's own sweep finds what was left behind.
                    let mine = owner.as_deref() == Some(cluster.node_id());
                    if mine || !wanted.contains(session) {
                        cluster.adopt_into_own(&file, &node, session).await;
                    }
                }
            })
            .await;
        }
    }

    /// Runs `work` holding the lease on `node`'s outbox file in its place; skips a live node's
    /// file, and waits up to `patience` for another adopter of it.
    async fn with_outbox_of<F, Fut>(&self, node: &str, patience: Duration, work: F)
    where
        F: FnOnce(std::sync::Arc<Cluster>) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let value = format!("{}:{}", self.config.node_id, nonce());
        let started = Instant::now();
        loop {
            match self
                .store
                .claim_outbox(node, &value, self.config.lease_ttl)
                .await
            {
                Ok(Ok(())) => break,
                // Its node holds it: alive, it delivers what it holds.
                Ok(Err(holder)) if super::lease::holder(&holder) == node => return,
                Ok(Err(_)) if started.elapsed() < patience => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(Err(holder)) => {
                    if !patience.is_zero() {
                        tracing::warn!(
                            node,
                            holder,
                            "another node is still adopting this outbox; left to it"
                        );
                    }
                    return;
                }
                Err(err) => {
                    tracing::warn!(node, error = %err, "cannot claim a gone node's outbox");
                    return;
                }
            }
        }
        work(self.me()).await;
        if let Err(err) = self.store.release_outbox(node, &value).await {
            tracing::warn!(node, error = %err, "cannot release a gone node's outbox; it expires");
        }
    }

    async fn adopt_into_own(&self, file: &Path, node: &str, session: &str) {
        let bus = self.bus.clone();
        let (file, node_name, session_id) = (file.to_owned(), node.to_owned(), session.to_owned());
        let moved =
            tokio::task::spawn_blocking(move || bus.adopt_session(&file, &node_name, &session_id))
                .await;
        match moved {
            Ok(Ok(adopted)) if adopted.events + adopted.deliveries > 0 => {
                crate::metrics::cluster_adopted(adopted.events, adopted.deliveries);
                tracing::warn!(
                    session,
                    from = node,
                    events = adopted.events,
                    deliveries = adopted.deliveries,
                    "carried on a gone node's webhook queue"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(err)) => {
                tracing::error!(session, from = node, error = %err, "cannot adopt a gone node's webhook queue")
            }
            Err(_) => {}
        }
    }

    /// Applies the session's webhook settings as Redis holds them (its lease was just taken).
    pub(super) async fn load_webhook(&self, id: &str) {
        match self.store.webhook(id).await {
            Ok(settings) => self.bus.apply_webhook(id, settings),
            Err(err) => {
                tracing::warn!(session = id, error = %err, "cannot read the session's webhook settings; keeping what this node has")
            }
        }
    }

    /// Puts the session's webhook settings back in Redis if it lost them (it restarted).
    pub(super) async fn reassert_webhook(&self, id: &str) {
        if let Some(settings) = self.bus.api_webhook(id) {
            let _ = self.store.save_webhook(id, Some(&settings), true).await;
        }
    }

    /// A webhook set or cleared through the API, stored in Redis for every node (the caller
    /// applies it here: this node runs the session, or none does). True when a key changed.
    pub async fn save_webhook(
        &self,
        id: &str,
        settings: Option<&WebhookSettings>,
    ) -> Result<bool, String> {
        self.store.save_webhook(id, settings, false).await
    }

    /// The session's webhook settings set through the API, as Redis holds them.
    pub async fn webhook(&self, id: &str) -> Result<Option<WebhookSettings>, String> {
        self.store.webhook(id).await
    }
}
