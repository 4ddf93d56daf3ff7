//! Cluster mode (on with `CLUSTER_REDIS_URL`): many nodes, one API. Each session runs on the
//! node holding its lease in Redis; any node answers any request and forwards those of sessions
//! owned elsewhere; sessions of a node that dies (or drains) are taken over by the others from
//! the same profile on shared storage, without a QR.
//!
//! - [`store`]: the Redis connection and key names.
//! - [`lease`]: acquire, renew (check-and-extend), release, with fencing tokens.
//! - [`registry`]: node heartbeats, placement on the least loaded node.
//! - [`forward`]: passing a request to the owner node.
//! - [`outboxes`]: each node's webhook outbox under a lease; a gone node's queues carried on by
//!   the others; webhook settings shared in Redis.
//!
//! Safety: a holder renews every third of the TTL and stops the browser once it could not
//! renew for half of it, so it is gone before the lease can expire. A node taking a lease whose
//! last holder did not release it cleanly (it died, or Redis lost its data) waits one TTL more
//! before launching, by when any earlier holder has stopped by its own deadline.

pub mod flush;
pub mod forward;
pub mod lease;
pub mod outboxes;
pub mod registry;
pub mod store;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::config::{ClusterConfig, Config};
use crate::events::EventBus;
use crate::session::browser::profile_dir;
use crate::session::{SessionId, SessionManager, StartError};
use lease::{Acquired, Renewal};
use outboxes::{OwnLease, OwnOutbox};
use registry::NodeInfo;
use store::Store;

/// How often a node heartbeats and looks for sessions without an owner.
const TICK: Duration = Duration::from_secs(1);
/// A node that has not heartbeaten for this long is gone from the registry.
const NODE_TTL: Duration = Duration::from_secs(5);
/// A session whose start failed here is left to others (or a later try) for this long.
const CLAIM_BACKOFF: Duration = Duration::from_secs(30);
/// Every this many ticks, the outboxes of gone nodes are swept for queues nobody carries on.
const SWEEP_EVERY: u32 = 5;

/// A lease this node holds, kept alive by its renew task.
struct Held {
    value: String,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Where a request for a session should be answered.
pub enum Route {
    Here,
    /// At this NODE_URL.
    There(String),
    /// The owner is not in the registry (dead, its lease not yet expired).
    Unavailable(String),
}

pub struct Cluster {
    pub config: ClusterConfig,
    store: Store,
    sessions: Arc<SessionManager>,
    bus: Arc<EventBus>,
    own_outbox: tokio::sync::Mutex<OwnLease>,
    sessions_path: PathBuf,
    auto_start: bool,
    held: DashMap<String, Held>,
    /// Serialises this node's lease work per session (claim, start, stop, handoff).
    locks: DashMap<String, Arc<tokio::sync::Mutex<()>>>,
    failed: DashMap<String, Instant>,
    /// Sessions stopped because Redis could not be reached: written back to the sessions that
    /// should run once it answers again (a restarted Redis may have lost the list).
    rewant: DashMap<String, ()>,
    draining: AtomicBool,
    claims: Arc<Semaphore>,
    pub http: reqwest::Client,
    me: Weak<Cluster>,
}

impl Cluster {
    /// Connects to Redis (waiting up to 30 s for it) and takes this node's lease on its webhook
    /// outbox file: both before the outbox is opened.
    pub async fn prepare(config: &Config) -> Result<(Store, OwnOutbox), String> {
        let cluster = config.cluster.as_ref().expect("cluster mode is on");
        let store = Store::connect(&cluster.redis_url, Duration::from_secs(30)).await?;
        let own = OwnOutbox::claim(&store, &cluster.node_id, cluster.lease_ttl).await?;
        Ok((store, own))
    }

    pub fn new(
        config: &Config,
        (store, own): (Store, OwnOutbox),
        sessions: Arc<SessionManager>,
        bus: Arc<EventBus>,
    ) -> Result<Arc<Cluster>, String> {
        let cluster = config.cluster.clone().expect("cluster mode is on");
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Arc::new_cyclic(|me| Cluster {
            config: cluster,
            store,
            sessions,
            bus,
            own_outbox: tokio::sync::Mutex::new(OwnLease {
                value: own.value,
                last_ok: Instant::now(),
                paused: false,
            }),
            sessions_path: config.sessions_path.clone(),
            auto_start: config.auto_start_sessions,
            held: DashMap::new(),
            locks: DashMap::new(),
            failed: DashMap::new(),
            rewant: DashMap::new(),
            draining: AtomicBool::new(false),
            claims: Arc::new(Semaphore::new(config.session_start_concurrency)),
            http,
            me: me.clone(),
        }))
    }

    pub fn node_id(&self) -> &str {
        &self.config.node_id
    }

    fn me(&self) -> Arc<Cluster> {
        self.me
            .upgrade()
            .expect("the cluster is alive while in use")
    }

    fn lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks.entry(id.to_owned()).or_default().clone()
    }

    /// At boot: the sessions found on the shared disk should run (AUTO_START_SESSIONS), then
    /// heartbeat and claim a share of the sessions without an owner, every second.
    pub async fn run(&self) {
        if self.auto_start {
            let on_disk = self.sessions.ids_on_disk();
            if let Err(err) = self.store.want(&on_disk).await {
                tracing::warn!(error = %err, "cannot list the sessions on disk in Redis");
            }
        }
        let me = self.me.clone();
        tokio::spawn(async move {
            for tick in 0u32.. {
                let Some(cluster) = me.upgrade() else { return };
                cluster.heartbeat().await;
                cluster.keep_own_outbox().await;
                cluster.write_back_wanted().await;
                cluster.claim_orphans().await;
                if tick % SWEEP_EVERY == SWEEP_EVERY - 1 {
                    cluster.sweep_outboxes().await;
                }
                drop(cluster);
                tokio::time::sleep(TICK).await;
            }
        });
    }

    fn info(&self) -> NodeInfo {
        NodeInfo {
            id: self.config.node_id.clone(),
            url: self.config.node_url.clone(),
            sessions: self.held.len(),
            draining: self.draining.load(Ordering::SeqCst),
        }
    }

    async fn heartbeat(&self) {
        if let Err(err) = self.store.heartbeat(&self.info(), NODE_TTL).await {
            tracing::warn!(error = %err, "heartbeat failed");
        }
    }

    async fn write_back_wanted(&self) {
        let ids: Vec<String> = self.rewant.iter().map(|e| e.key().clone()).collect();
        if ids.is_empty() {
            return;
        }
        // First what Redis may have lost with them, for the node that takes them next.
        for id in &ids {
            self.reassert_webhook(id).await;
        }
        if self.store.want(&ids).await.is_ok() {
            for id in ids {
                self.rewant.remove(&id);
            }
        }
    }

    /// Takes this node's share of the sessions that should run and have no owner.
    async fn claim_orphans(&self) {
        if self.draining.load(Ordering::SeqCst) {
            return;
        }
        let Ok(wanted) = self.store.wanted().await else {
            return;
        };
        self.failed.retain(|_, at| at.elapsed() < CLAIM_BACKOFF);
        let candidates: Vec<String> = wanted
            .into_iter()
            .filter(|id| !self.held.contains_key(id) && !self.failed.contains_key(id))
            .filter(|id| SessionId::parse(id).is_ok())
            .collect();
        let (Ok(owners), Ok(nodes)) = (
            self.store.owners(&candidates).await,
            self.store.live_nodes().await,
        ) else {
            return;
        };
        let orphans: Vec<String> = candidates
            .into_iter()
            .zip(owners)
            .filter(|(_, owner)| owner.is_none())
            .map(|(id, _)| id)
            .collect();
        let shares = registry::share_out(&orphans, &nodes);
        for (id, node) in shares {
            if node != self.config.node_id {
                continue;
            }
            let cluster = self.me();
            let permits = self.claims.clone();
            tokio::spawn(async move {
                let _permit = permits.acquire().await;
                let Ok(sid) = SessionId::parse(&id) else {
                    return;
                };
                tracing::warn!(session = %id, node = cluster.node_id(), "taking over session");
                match cluster.start_with(&sid, false).await {
                    Ok(()) => crate::metrics::cluster_lease("takeover"),
                    Err(StartError::AlreadyExists) => {}
                    Err(err) => {
                        tracing::warn!(session = %id, error = ?err, "takeover failed; leaving it to others for a while");
                        cluster.failed.insert(id, Instant::now());
                    }
                }
            });
        }
    }

    /// Starts a session here under its lease (a start request placed on this node).
    pub async fn start(&self, id: &SessionId) -> Result<(), StartError> {
        if self.draining.load(Ordering::SeqCst) {
            return Err(StartError::Failed(format!(
                "node {} is draining and takes no new sessions",
                self.config.node_id
            )));
        }
        self.start_with(id, true).await
    }

    async fn start_with(&self, id: &SessionId, requested: bool) -> Result<(), StartError> {
        let lock = self.lock(id.as_str());
        let _guard = lock.lock().await;
        let id_str = id.as_str();
        if self.held.contains_key(id_str) {
            if self.sessions.contains(id_str) {
                return Err(StartError::AlreadyExists);
            }
            return self.sessions.start(id).await;
        }
        let acquired_at = Instant::now();
        let acquired = self
            .store
            .acquire(id_str, &self.config.node_id, self.config.lease_ttl)
            .await
            .map_err(StartError::Failed)?;
        let Acquired::Ours { value, clean } = acquired else {
            return Err(StartError::AlreadyExists);
        };
        self.hold(id_str, value.clone(), acquired_at);
        crate::metrics::cluster_lease("acquired");
        // Before the first event of this run: the session's webhook settings apply here, then
        // the queues and events a gone node held for it continue here.
        self.load_webhook(id_str).await;
        self.adopt_queues_of(id_str).await;
        let profile_exists = profile_dir(&self.sessions_path, id_str).exists();
        if !clean && profile_exists {
            // The last holder did not say it stopped: by one TTL from now it has, whatever
            // happened to it (its own renew deadline is shorter than the TTL).
            tracing::info!(session = id_str, wait = ?self.config.lease_ttl, "lease taken from a holder that did not release it; waiting before launching");
            tokio::time::sleep(self.config.lease_ttl).await;
            if !self.holds(id_str, &value) {
                return Err(StartError::Failed(
                    "the lease was lost while waiting".into(),
                ));
            }
            // A holder paused past its lease may have raised a last event meanwhile.
            self.adopt_queues_of(id_str).await;
        }
        if profile_exists {
            self.clear_profile(id_str).await;
        }
        let result = self.sessions.start(id).await;
        match &result {
            Ok(()) => {
                if let Err(err) = self.store.want(&[id_str.to_owned()]).await {
                    tracing::warn!(session = id_str, error = %err, "cannot record the session in Redis");
                }
            }
            Err(_) => self.drop_lease(id_str, requested && !profile_exists).await,
        }
        result
    }

    /// Under the lease no other node runs this session, so a Chromium still on its profile here
    /// is an orphan and a browser lock is stale (maybe another host's, which the lock check
    /// of a single node would not dare remove).
    async fn clear_profile(&self, id: &str) {
        let profile = profile_dir(&self.sessions_path, id);
        if let Ok(profile) = profile.canonicalize() {
            crate::session::process::end_holders(&profile).await;
        }
        for name in ["SingletonLock", "SingletonCookie", "SingletonSocket"] {
            let _ = std::fs::remove_file(profile.join(name));
        }
    }

    fn holds(&self, id: &str, value: &str) -> bool {
        self.held.get(id).is_some_and(|h| h.value == value)
    }

    /// Records a lease and spawns its renew task.
    fn hold(&self, id: &str, value: String, acquired_at: Instant) {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(keep_lease(
            self.me.clone(),
            id.to_owned(),
            value.clone(),
            acquired_at,
            stopped,
        ));
        self.held.insert(id.to_owned(), Held { value, stop, task });
        // Placement reads the counts: publish the new one now, not at the next tick.
        let me = self.me.clone();
        tokio::spawn(async move {
            if let Some(cluster) = me.upgrade() {
                cluster.heartbeat().await;
            }
        });
    }

    /// Ends the renew task, then releases the lease (clean: the browser is closed).
    async fn drop_lease(&self, id: &str, forget: bool) {
        let Some((_, held)) = self.held.remove(id) else {
            if forget && matches!(self.store.owner(id).await, Ok(None)) {
                let _ = self.store.unwant(id).await;
            }
            return;
        };
        held.stop.send_replace(true);
        let _ = held.task.await;
        match self.store.release(id, &held.value, forget).await {
            Ok(()) => crate::metrics::cluster_lease("released"),
            Err(err) => {
                tracing::warn!(session = id, error = %err, "cannot release the lease; it expires by itself")
            }
        }
    }

    /// The lease could not be kept: stop the browser at once (another node may take it soon).
    /// `unreachable`: Redis did not answer (rather than another node holding the lease).
    async fn lost(&self, id: &str, value: &str, unreachable: bool) {
        if self.held.remove_if(id, |_, h| h.value == value).is_none() {
            return;
        }
        crate::metrics::cluster_lease("lost");
        tracing::error!(
            session = id,
            unreachable,
            "lease lost; stopping the browser"
        );
        // The stop waits its turn in the session's lane; should an operation hold the lane
        // (a restart launching, say), the browser's process group is killed rather than left
        // running past the lease.
        let pid = self.sessions.get(id).map(|s| s.pid());
        let stop = self.sessions.stop(id);
        tokio::pin!(stop);
        if tokio::time::timeout(self.config.lease_ttl / 4, &mut stop)
            .await
            .is_err()
        {
            if let Some(pid) = pid
                && crate::session::process::group_alive(pid as i32)
            {
                tracing::error!(
                    session = id,
                    pid,
                    "the stop is held up; killing the browser"
                );
                // SAFETY: plain syscall on the process group our launcher created for this
                // browser, checked to still have members (so the id was not reused).
                unsafe {
                    libc::kill(-(pid as i32), libc::SIGKILL);
                }
            }
            stop.await;
        }
        if unreachable {
            self.rewant.insert(id.to_owned(), ());
        }
    }

    /// A stop request: close the browser, release the lease, and the session no longer runs.
    pub async fn stop(&self, id: &str) {
        let lock = self.lock(id);
        let _guard = lock.lock().await;
        self.sessions.stop(id).await;
        self.drop_lease(id, true).await;
    }

    /// A terminate request: as the manager's, then the lease goes and the session is forgotten.
    pub async fn terminate(&self, id: &SessionId) -> Result<bool, String> {
        let lock = self.lock(id.as_str());
        let _guard = lock.lock().await;
        let result = self.sessions.terminate(id).await;
        self.drop_lease(id.as_str(), true).await;
        result
    }

    /// Closes a session here and leaves it for another node to take at once.
    async fn hand_off(&self, id: &str) {
        let lock = self.lock(id);
        let _guard = lock.lock().await;
        self.sessions.stop(id).await;
        self.drop_lease(id, false).await;
    }

    /// Stops taking sessions and hands every session of this node to the others.
    pub async fn drain(&self) -> Vec<String> {
        self.draining.store(true, Ordering::SeqCst);
        self.heartbeat().await;
        let ids: BTreeSet<String> = self.held.iter().map(|h| h.key().clone()).collect();
        tracing::warn!(
            count = ids.len(),
            "draining: handing sessions to other nodes"
        );
        futures::future::join_all(ids.iter().map(|id| self.hand_off(id))).await;
        ids.into_iter().collect()
    }

    /// At shutdown, after the browsers are closed: release every lease for others to take.
    pub async fn shutdown(&self) {
        self.draining.store(true, Ordering::SeqCst);
        let ids: Vec<String> = self.held.iter().map(|h| h.key().clone()).collect();
        futures::future::join_all(ids.iter().map(|id| self.drop_lease(id, false))).await;
        let _ = self.store.leave(&self.config.node_id).await;
    }

    /// At the very end of a shutdown, after the last webhook flush: what is still queued is
    /// left for the other nodes to carry on.
    pub async fn release_own_outbox(&self) {
        let value = self.own_outbox.lock().await.value.clone();
        let _ = self
            .store
            .release_outbox(&self.config.node_id, &value)
            .await;
    }

    /// Where a request for session `id` should be answered; `start` places a session that
    /// has no owner on the least loaded node.
    pub async fn route(&self, id: &str, start: bool) -> Route {
        if self.held.contains_key(id) || self.sessions.contains(id) {
            return Route::Here;
        }
        let owner = match self.store.owner(id).await {
            Ok(owner) => owner,
            Err(err) => {
                tracing::warn!(session = id, error = %err, "cannot look up the owner; answering here");
                return Route::Here;
            }
        };
        match owner {
            Some(node) if node == self.config.node_id => Route::Here,
            Some(node) => match self.store.node(&node).await {
                Ok(Some(info)) => Route::There(info.url),
                _ => Route::Unavailable(format!(
                    "session {id} is on node {node}, which is not answering; another node takes it over within a minute"
                )),
            },
            None if start => match self.store.live_nodes().await {
                Ok(nodes) => match registry::least_loaded(&nodes) {
                    Some(node) if node.id != self.config.node_id => Route::There(node.url.clone()),
                    _ => Route::Here,
                },
                Err(_) => Route::Here,
            },
            None => Route::Here,
        }
    }

    /// Every session with an owner in the cluster, and this node's own.
    pub async fn all_sessions(&self) -> Vec<String> {
        let mut ids: BTreeSet<String> = self.sessions.ids().into_iter().collect();
        if let Ok(wanted) = self.store.wanted().await
            && let Ok(owners) = self.store.owners(&wanted).await
        {
            ids.extend(
                wanted
                    .into_iter()
                    .zip(owners)
                    .filter(|(_, o)| o.is_some())
                    .map(|(id, _)| id),
            );
        }
        ids.into_iter().collect()
    }

    /// Live nodes and the owner of every session that should run.
    pub async fn overview(&self) -> Result<(Vec<NodeInfo>, Vec<(String, Option<String>)>), String> {
        let nodes = self.store.live_nodes().await?;
        let wanted = self.store.wanted().await?;
        let owners = self.store.owners(&wanted).await?;
        Ok((nodes, wanted.into_iter().zip(owners).collect()))
    }

    /// A live node's details.
    pub async fn node(&self, id: &str) -> Result<Option<NodeInfo>, String> {
        self.store.node(id).await
    }
}

/// Renews a lease every third of the TTL until told to stop; stops the browser once it could not
/// renew for half the TTL (measured from when the last successful renew was sent).
async fn keep_lease(
    cluster: Weak<Cluster>,
    id: String,
    value: String,
    acquired_at: Instant,
    mut stopped: watch::Receiver<bool>,
) {
    let Some((ttl, interval, grace, store)) = cluster.upgrade().map(|c| {
        (
            c.config.lease_ttl,
            c.config.renew_interval(),
            c.config.renew_deadline(),
            c.store.clone(),
        )
    }) else {
        return;
    };
    let mut last_ok = acquired_at;
    let mut failing = false;
    loop {
        let pause = if failing {
            Duration::from_millis(250)
        } else {
            interval
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let deadline = last_ok + grace;
        let sent = Instant::now();
        let left = deadline.saturating_duration_since(sent);
        let outcome = tokio::time::timeout(left, store.renew(&id, &value, ttl)).await;
        // None: still ours. Some(unreachable): lost.
        let lost = match outcome {
            Ok(Ok(Renewal::Extended)) => {
                last_ok = sent;
                failing = false;
                None
            }
            Ok(Ok(Renewal::Reasserted)) => {
                tracing::warn!(session = %id, "lease was missing from Redis (restarted?); set again");
                last_ok = sent;
                failing = false;
                if let Some(cluster) = cluster.upgrade() {
                    cluster.reassert_webhook(&id).await;
                }
                None
            }
            Ok(Ok(Renewal::Lost)) => Some(false),
            Ok(Err(err)) => {
                if !failing {
                    tracing::warn!(session = %id, error = %err, "lease renewal failed; retrying");
                }
                failing = true;
                (Instant::now() >= deadline).then_some(true)
            }
            Err(_) => Some(true),
        };
        if let Some(unreachable) = lost {
            if !*stopped.borrow()
                && let Some(cluster) = cluster.upgrade()
            {
                // Its own task: `lost` stops the session, which must not wait on this one.
                tokio::spawn(async move { cluster.lost(&id, &value, unreachable).await });
            }
            return;
        }
    }
}
