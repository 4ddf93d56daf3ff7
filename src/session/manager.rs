//! The registry of sessions: start (once per id), stop, restart, terminate, restore at boot,
//! recover after a crash, and close everything at shutdown.

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};

use super::SessionId;
use super::bridge::BridgeError;
use super::browser::profile_dir;
use super::session::{Death, Session, SessionContext};
use crate::config::Config;
use crate::events::EventBus;

/// A recovered session that stays up this long has its recovery attempts forgiven.
const RECOVERY_RESET_AFTER: Duration = Duration::from_secs(300);

enum Slot {
    /// Launching (inside its lane); readers see "not connected".
    Starting,
    Running(Arc<Session>),
}

/// What wwebjs-api's `validateSession` answers.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Validation {
    pub success: bool,
    pub state: Option<String>,
    pub message: String,
}

impl Validation {
    fn failed(state: Option<String>, message: &str) -> Self {
        Validation {
            success: false,
            state,
            message: message.to_owned(),
        }
    }
}

/// Why a start did not happen.
#[derive(Debug)]
pub enum StartError {
    AlreadyExists,
    /// MAX_SESSIONS sessions are in memory already.
    TooMany(usize),
    Failed(String),
}

struct Recovery {
    attempts: u32,
    last: Instant,
}

/// One queued lifecycle operation of an id.
type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

pub struct SessionManager {
    ctx: SessionContext,
    sessions: DashMap<String, Slot>,
    /// One lane per id with work queued or running: start, stop, restart, terminate and
    /// recovery of an id run one after the other, in the order they arrived, each in a task of
    /// its own, so a client that hangs up cannot cut an operation in half.
    lanes: DashMap<String, mpsc::UnboundedSender<Job>>,
    /// Held while checking MAX_SESSIONS and reserving a slot, so two ids cannot both take the
    /// last place.
    admission: std::sync::Mutex<()>,
    recoveries: DashMap<String, Recovery>,
    /// The start running in each id's lane, cancelled by a stop or terminate that arrives
    /// meanwhile (so the stop does not wait for a launch it would undo).
    launching: DashMap<String, watch::Sender<bool>>,
    me: Weak<SessionManager>,
}

impl SessionManager {
    /// Creates the manager and its recovery task.
    pub fn new(config: Arc<Config>, bus: Arc<EventBus>) -> Arc<Self> {
        let (deaths, died) = mpsc::unbounded_channel();
        let manager = Arc::new_cyclic(|me| SessionManager {
            ctx: SessionContext {
                media_downloads: Arc::new(Semaphore::new(config.media_download_concurrency)),
                config,
                bus,
                deaths,
            },
            sessions: DashMap::new(),
            lanes: DashMap::new(),
            admission: std::sync::Mutex::new(()),
            recoveries: DashMap::new(),
            launching: DashMap::new(),
            me: me.clone(),
        });
        tokio::spawn(recovery_loop(Arc::downgrade(&manager), died));
        manager
    }

    pub fn config(&self) -> &Config {
        &self.ctx.config
    }

    /// Ids of the sessions in memory (starting or running), sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.sessions.iter().map(|e| e.key().clone()).collect();
        ids.sort();
        ids
    }

    /// A running session.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        match self.sessions.get(id).as_deref() {
            Some(Slot::Running(session)) => Some(session.clone()),
            _ => None,
        }
    }

    /// Whether the id is in memory (starting or running).
    pub fn contains(&self, id: &str) -> bool {
        self.sessions.contains_key(id)
    }

    /// Every running session (for metrics).
    pub fn running(&self) -> Vec<Arc<Session>> {
        self.sessions
            .iter()
            .filter_map(|e| match e.value() {
                Slot::Running(session) => Some(session.clone()),
                Slot::Starting => None,
            })
            .collect()
    }

    /// Ids being launched right now.
    pub fn starting(&self) -> Vec<String> {
        self.sessions
            .iter()
            .filter(|e| matches!(e.value(), Slot::Starting))
            .map(|e| e.key().clone())
            .collect()
    }

    /// Runs `op` in the id's lane after the operations queued before it and answers its result
    /// (`Err` if it panicked). The operation runs to its end even if the caller stops waiting.
    async fn in_lane<T, F>(
        &self,
        id: &str,
        op: impl FnOnce(Arc<Self>) -> F + Send + 'static,
    ) -> Result<T, String>
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let manager = self
            .me
            .upgrade()
            .expect("the manager is alive while in use");
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                // Its own task: a panic in one operation does not take the lane down.
                let result = tokio::spawn(op(manager)).await;
                if let Ok(result) = result {
                    let _ = reply.send(result);
                }
            })
        });
        self.enqueue(id, job);
        answer.await.map_err(|_| {
            tracing::error!(session = id, "a lifecycle operation panicked");
            "internal error".to_string()
        })
    }

    fn enqueue(&self, id: &str, job: Job) {
        match self.lanes.entry(id.to_owned()) {
            Entry::Occupied(mut lane) => {
                if let Err(mpsc::error::SendError(job)) = lane.get().send(job) {
                    lane.insert(self.open_lane(id, job));
                }
            }
            Entry::Vacant(lane) => {
                lane.insert(self.open_lane(id, job));
            }
        }
    }

    fn open_lane(&self, id: &str, first: Job) -> mpsc::UnboundedSender<Job> {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(first);
        tokio::spawn(run_lane(self.me.clone(), id.to_owned(), tx.clone(), rx));
        tx
    }

    /// Starts a session; a second start of the same id answers `AlreadyExists`.
    pub async fn start(&self, id: &SessionId) -> Result<(), StartError> {
        let id = id.to_string();
        self.in_lane(&id.clone(), move |m| async move { m.start_now(&id).await })
            .await
            .unwrap_or_else(|err| Err(StartError::Failed(err)))
    }

    /// In the lane: reserve the slot (within MAX_SESSIONS), launch, fill it. A failed start
    /// removes the profile folder unless it was there before (it may hold a login).
    async fn start_now(&self, id: &str) -> Result<(), StartError> {
        {
            let _admission = self.admission.lock().unwrap();
            if self.sessions.contains_key(id) {
                return Err(StartError::AlreadyExists);
            }
            if let Some(max) = self.ctx.config.max_sessions
                && self.sessions.len() >= max
            {
                return Err(StartError::TooMany(max));
            }
            self.sessions.insert(id.to_owned(), Slot::Starting);
        }
        let existed = profile_dir(&self.ctx.config.sessions_path, id).exists();
        let (cancel, mut cancelled) = watch::channel(false);
        self.launching.insert(id.to_owned(), cancel);
        let result = tokio::select! {
            result = self.launch_into_slot(id) => result,
            () = async {
                if cancelled.wait_for(|c| *c).await.is_err() {
                    std::future::pending::<()>().await;
                }
            } => {
                // The launch future is dropped: its browser, if any, is killed on drop.
                self.sessions.remove(id);
                self.wait_profile_released(id).await;
                tracing::info!(session = id, "start cancelled by a stop");
                Err(StartError::Failed("session was stopped while starting".into()))
            }
        };
        self.launching.remove(id);
        if result.is_err() && !existed {
            self.delete_profile_dir(id).await;
        }
        result
    }

    /// Launches the browser for a slot marked `Starting` and fills it (in the lane).
    async fn launch_into_slot(&self, id: &str) -> Result<(), StartError> {
        match Session::start(id, self.ctx.clone()).await {
            Ok(session) => {
                self.sessions.insert(id.to_owned(), Slot::Running(session));
                tracing::info!(session = id, "session started");
                Ok(())
            }
            Err(err) => {
                self.sessions.remove(id);
                tracing::warn!(session = id, error = %err, "session failed to start");
                Err(StartError::Failed(err))
            }
        }
    }

    /// wwebjs-api's `validateSession`: is the session there and CONNECTED?
    pub async fn validate(&self, id: &str) -> Validation {
        let slot = self.sessions.get(id).map(|slot| match &*slot {
            Slot::Starting => None,
            Slot::Running(session) => Some(session.clone()),
        });
        let session = match slot {
            None => return Validation::failed(None, "session_not_found"),
            Some(None) => return Validation::failed(None, "session_not_connected"),
            Some(Some(session)) => session,
        };
        match session.state().await {
            Ok(Some(state)) if state == "CONNECTED" => Validation {
                success: true,
                state: Some(state),
                message: "session_connected".into(),
            },
            Ok(state) => Validation::failed(state, "session_not_connected"),
            Err(BridgeError::Timeout) => Validation::failed(None, "session closed"),
            Err(BridgeError::PageGone(_)) => Validation::failed(None, "browser tab closed"),
            Err(BridgeError::Failed { message, .. }) => Validation::failed(None, &message),
        }
    }

    /// Cancels the start running for `id`, if any (a stop or terminate is queued behind it).
    fn cancel_launch(&self, id: &str) {
        if let Some(cancel) = self.launching.get(id) {
            cancel.send_replace(true);
        }
    }

    /// Waits (a while) until no Chromium holds the session's profile any more.
    async fn wait_profile_released(&self, id: &str) {
        let Ok(profile) = profile_dir(&self.ctx.config.sessions_path, id).canonicalize() else {
            return;
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !super::process::holding_profile(&profile).is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Closes a session's browser and forgets it; the profile stays, so a later start needs no QR.
    pub async fn stop(&self, id: &str) {
        self.cancel_launch(id);
        let id = id.to_owned();
        let _ = self
            .in_lane(&id.clone(), move |m| async move { m.stop_now(&id).await })
            .await;
    }

    async fn stop_now(&self, id: &str) {
        let removed = self.sessions.remove(id);
        self.recoveries.remove(id);
        self.ctx.bus.close_session(id);
        if let Some((_, Slot::Running(session))) = removed {
            session.close().await;
        }
    }

    /// Stops and starts again. `None` when the session is unknown.
    pub async fn restart(&self, id: &SessionId) -> Option<Result<(), StartError>> {
        let id = id.to_string();
        self.in_lane(&id.clone(), move |m| async move {
            let previous = match m.sessions.get(&id).as_deref() {
                None => return None,
                Some(Slot::Starting) => return Some(Err(StartError::AlreadyExists)),
                Some(Slot::Running(session)) => session.clone(),
            };
            m.sessions.insert(id.clone(), Slot::Starting);
            crate::metrics::restarted(&id);
            previous.close().await;
            Some(m.launch_into_slot(&id).await)
        })
        .await
        .unwrap_or_else(|err| Some(Err(StartError::Failed(err))))
    }

    /// Logs out (when connected) or closes, forgets the session and deletes its profile dir.
    /// `false` when the session is neither in memory nor on disk.
    pub async fn terminate(&self, id: &SessionId) -> Result<bool, String> {
        self.cancel_launch(id.as_str());
        let id = id.to_string();
        self.in_lane(
            &id.clone(),
            move |m| async move { m.terminate_now(&id).await },
        )
        .await
        .and_then(|result| result)
    }

    async fn terminate_now(&self, id: &str) -> Result<bool, String> {
        let on_disk = profile_dir(&self.ctx.config.sessions_path, id).exists();
        let validation = self.validate(id).await;
        let removed = self.sessions.remove(id);
        self.recoveries.remove(id);
        self.ctx.bus.close_session(id);
        let in_memory = removed.is_some();
        if let Some((_, Slot::Running(session))) = removed {
            if validation.success {
                session.logout().await
            } else {
                session.close().await
            }
        }
        if !in_memory && !on_disk {
            return Ok(false);
        }
        self.delete_profile(id).await?;
        Ok(true)
    }

    async fn delete_profile(&self, id: &str) -> Result<(), String> {
        let dir = profile_dir(&self.ctx.config.sessions_path, id);
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(format!("cannot delete {}: {err}", dir.display())),
        }
    }

    /// Removes the folder a failed start created.
    async fn delete_profile_dir(&self, id: &str) {
        if let Err(err) = self.delete_profile(id).await {
            tracing::warn!(session = id, error = %err, "cannot remove the folder of a failed start");
        }
    }

    /// Terminates every session (in memory or on disk), or only those not CONNECTED.
    pub async fn terminate_many(&self, only_inactive: bool) -> Result<(), String> {
        let mut ids: BTreeSet<String> = self.ids().into_iter().collect();
        ids.extend(self.ids_on_disk());
        for id in ids {
            let Ok(id) = SessionId::parse(&id) else {
                continue;
            };
            if only_inactive && self.validate(id.as_str()).await.success {
                continue;
            }
            self.terminate(&id).await?;
        }
        Ok(())
    }

    /// Session ids that have a profile dir under SESSIONS_PATH.
    pub fn ids_on_disk(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.ctx.config.sessions_path) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| {
                e.file_name()
                    .to_str()?
                    .strip_prefix("session-")
                    .map(str::to_owned)
            })
            .filter(|id| SessionId::parse(id).is_ok())
            .collect();
        ids.sort();
        ids
    }

    /// Starts every session found on disk, a few at a time, in the background.
    pub fn restore_all(self: &Arc<Self>) {
        let ids = self.ids_on_disk();
        if ids.is_empty() {
            return;
        }
        let permits = Arc::new(Semaphore::new(self.ctx.config.session_start_concurrency));
        for id in ids {
            let Ok(id) = SessionId::parse(&id) else {
                continue;
            };
            let manager = self.clone();
            let permits = permits.clone();
            tokio::spawn(async move {
                let _permit = permits.acquire().await;
                tracing::warn!(session = %id, "Existing session detected");
                if let Err(StartError::TooMany(max)) = manager.start(&id).await {
                    tracing::warn!(session = %id, max, "not restored: MAX_SESSIONS reached");
                }
            });
        }
    }

    /// Closes every browser and waits for the processes.
    pub async fn shutdown(&self) {
        let sessions = self.running();
        self.sessions.clear();
        futures::future::join_all(sessions.iter().map(|s| s.close())).await;
    }

    /// Relaunches a session whose browser or page died (or hung past a reload), with backoff
    /// and an attempt cap. Only the session that died is replaced: a stop or restart meanwhile
    /// wins.
    async fn recover(&self, death: Death) {
        let id = death.session_id.clone();
        if !self.ctx.config.recover_sessions {
            tracing::warn!(session = %id, why = death.why, "session died; RECOVER_SESSIONS is off");
            return;
        }
        let attempt = {
            let mut entry = self.recoveries.entry(id.clone()).or_insert(Recovery {
                attempts: 0,
                last: Instant::now(),
            });
            if entry.last.elapsed() > RECOVERY_RESET_AFTER {
                entry.attempts = 0;
            }
            entry.attempts += 1;
            entry.last = Instant::now();
            entry.attempts
        };
        if attempt > self.ctx.config.recover_max_attempts {
            tracing::error!(session = %id, "session keeps dying; giving up recovery");
            self.stop(&id).await;
            return;
        }
        let delay = Duration::from_millis(500 * 2u64.pow(attempt - 1)).min(Duration::from_secs(30));
        tracing::warn!(session = %id, attempt, ?delay, why = death.why, "recovering session");
        tokio::time::sleep(delay).await;
        let generation = death.generation;
        let outcome = self
            .in_lane(&id.clone(), move |m| async move {
                if !m.recoveries.contains_key(&id) {
                    return None; // stopped or terminated meanwhile
                }
                match m.get(&id) {
                    // The session that died is still there: replace it.
                    Some(dead) if dead.generation == generation => {
                        m.sessions.insert(id.clone(), Slot::Starting);
                        dead.close().await;
                        Some(m.launch_into_slot(&id).await)
                    }
                    // An earlier attempt failed and left no session: start anew.
                    None if generation == 0 && !m.sessions.contains_key(&id) => {
                        Some(m.start_now(&id).await)
                    }
                    // Restarted meanwhile: nothing to recover.
                    _ => None,
                }
            })
            .await
            .ok()
            .flatten();
        match outcome {
            None => {}
            Some(Ok(())) => {
                crate::metrics::recovered(&death.session_id, "relaunch");
                tracing::warn!(session = %death.session_id, attempt, "session recovered")
            }
            Some(Err(err)) => {
                tracing::error!(session = %death.session_id, error = ?err, "recovery failed");
                // The slot is gone; try again from scratch with the next backoff step.
                let _ = self.ctx.deaths.send(Death {
                    generation: 0,
                    ..death
                });
            }
        }
    }
}

/// Runs an id's jobs one by one; the lane closes itself (under the map's lock, so no job can
/// slip in unseen) once nothing is queued.
async fn run_lane(
    manager: Weak<SessionManager>,
    id: String,
    me: mpsc::UnboundedSender<Job>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    loop {
        while let Ok(job) = jobs.try_recv() {
            job().await;
        }
        let Some(m) = manager.upgrade() else { return };
        let closed = m
            .lanes
            .remove_if(&id, |_, lane| lane.same_channel(&me) && jobs.is_empty());
        if closed.is_some() {
            return;
        }
        drop(m);
        if jobs.is_empty() {
            // Not ours any more (replaced after a panic): nothing to wait for.
            return;
        }
    }
}

async fn recovery_loop(manager: Weak<SessionManager>, mut died: mpsc::UnboundedReceiver<Death>) {
    while let Some(death) = died.recv().await {
        let Some(manager) = manager.upgrade() else {
            break;
        };
        tokio::spawn(async move { manager.recover(death).await });
    }
}
