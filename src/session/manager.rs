//! The registry of sessions: start (once per id), stop, restart, terminate, restore at boot,
//! recover after a crash, and close everything at shutdown.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use serde::Serialize;
use tokio::sync::{Semaphore, mpsc};

use super::SessionId;
use super::bridge::BridgeError;
use super::browser::profile_dir;
use super::session::{Session, SessionContext};
use crate::config::Config;
use crate::events::EventBus;

/// A recovered session that stays up this long has its recovery attempts forgiven.
const RECOVERY_RESET_AFTER: Duration = Duration::from_secs(300);

enum Slot {
    /// Launching; the id is taken so a second start cannot launch a second browser.
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
    Failed(String),
}

struct Recovery {
    attempts: u32,
    last: Instant,
}

pub struct SessionManager {
    ctx: SessionContext,
    sessions: DashMap<String, Slot>,
    recoveries: DashMap<String, Recovery>,
}

impl SessionManager {
    /// Creates the manager and its recovery task.
    pub fn new(config: Arc<Config>, bus: Arc<EventBus>) -> Arc<Self> {
        let (deaths, died) = mpsc::unbounded_channel();
        let manager = Arc::new(SessionManager {
            ctx: SessionContext {
                config,
                bus,
                deaths,
            },
            sessions: DashMap::new(),
            recoveries: DashMap::new(),
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

    /// Starts a session; a second start of the same id answers `AlreadyExists`.
    pub async fn start(&self, id: &SessionId) -> Result<(), StartError> {
        match self.sessions.entry(id.to_string()) {
            Entry::Occupied(_) => return Err(StartError::AlreadyExists),
            Entry::Vacant(slot) => {
                slot.insert(Slot::Starting);
            }
        }
        self.launch_into_slot(id.as_str()).await
    }

    /// Launches the browser for a slot marked `Starting` and fills it.
    async fn launch_into_slot(&self, id: &str) -> Result<(), StartError> {
        let started = Session::start(id, self.ctx.clone()).await;
        match started {
            Ok(session) => {
                // A stop or terminate during the launch removed the slot: honour it.
                let orphan = match self.sessions.get_mut(id) {
                    Some(mut slot) if matches!(*slot, Slot::Starting) => {
                        *slot = Slot::Running(session.clone());
                        None
                    }
                    _ => Some(session),
                };
                if let Some(session) = orphan {
                    session.close().await;
                    return Err(StartError::Failed(
                        "session was stopped while starting".into(),
                    ));
                }
                tracing::info!(session = id, "session started");
                Ok(())
            }
            Err(err) => {
                self.sessions
                    .remove_if(id, |_, slot| matches!(slot, Slot::Starting));
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
        match session.live_state().await {
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

    /// Closes a session's browser and forgets it; the profile stays, so a later start needs no QR.
    pub async fn stop(&self, id: &str) {
        let removed = self.sessions.remove(id);
        self.recoveries.remove(id);
        self.ctx.bus.close_session(id);
        if let Some((_, Slot::Running(session))) = removed {
            session.close().await;
        }
    }

    /// Stops and starts again. `None` when the session is unknown.
    pub async fn restart(&self, id: &SessionId) -> Option<Result<(), StartError>> {
        let previous = match self.sessions.get_mut(id.as_str()) {
            None => return None,
            Some(mut slot) => match std::mem::replace(&mut *slot, Slot::Starting) {
                Slot::Starting => return Some(Err(StartError::AlreadyExists)),
                Slot::Running(session) => session,
            },
        };
        previous.close().await;
        Some(self.launch_into_slot(id.as_str()).await)
    }

    /// Logs out (when connected) or closes, forgets the session and deletes its profile dir.
    /// `false` when the session is neither in memory nor on disk.
    pub async fn terminate(&self, id: &SessionId) -> Result<bool, String> {
        let on_disk = profile_dir(&self.ctx.config.sessions_path, id.as_str()).exists();
        let validation = self.validate(id.as_str()).await;
        let removed = self.sessions.remove(id.as_str());
        self.recoveries.remove(id.as_str());
        self.ctx.bus.close_session(id.as_str());
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

    async fn delete_profile(&self, id: &SessionId) -> Result<(), String> {
        let dir = profile_dir(&self.ctx.config.sessions_path, id.as_str());
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(format!("cannot delete {}: {err}", dir.display())),
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
                let _ = manager.start(&id).await;
            });
        }
    }

    /// Closes every browser and waits for the processes.
    pub async fn shutdown(&self) {
        let sessions: Vec<Arc<Session>> = self
            .sessions
            .iter()
            .filter_map(|e| match e.value() {
                Slot::Running(session) => Some(session.clone()),
                Slot::Starting => None,
            })
            .collect();
        self.sessions.clear();
        futures::future::join_all(sessions.iter().map(|s| s.close())).await;
    }

    /// Restarts a session whose browser or page died, with backoff and an attempt cap.
    async fn recover(&self, id: &str) {
        let Ok(id) = SessionId::parse(id) else { return };
        if !self.ctx.config.recover_sessions {
            tracing::warn!(session = %id, "session died; RECOVER_SESSIONS is off");
            return;
        }
        let attempt = {
            let mut entry = self.recoveries.entry(id.to_string()).or_insert(Recovery {
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
            self.stop(id.as_str()).await;
            return;
        }
        let delay = Duration::from_millis(500 * 2u64.pow(attempt - 1)).min(Duration::from_secs(30));
        tracing::warn!(session = %id, attempt, ?delay, "recovering session");
        tokio::time::sleep(delay).await;
        if !self.recoveries.contains_key(id.as_str()) {
            return; // stopped or terminated meanwhile
        }
        // A failed earlier attempt removed the session: start it anew then.
        let result = match self.restart(&id).await {
            Some(result) => result,
            None => self.start(&id).await,
        };
        match result {
            Ok(()) => tracing::warn!(session = %id, attempt, "session recovered"),
            Err(StartError::AlreadyExists) => {}
            Err(StartError::Failed(err)) => {
                tracing::error!(session = %id, error = %err, "recovery failed");
                let _ = self.ctx.deaths.send(id.to_string());
            }
        }
    }
}

async fn recovery_loop(
    manager: std::sync::Weak<SessionManager>,
    mut died: mpsc::UnboundedReceiver<String>,
) {
    while let Some(id) = died.recv().await {
        let Some(manager) = manager.upgrade() else {
            break;
        };
        tokio::spawn(async move { manager.recover(&id).await });
    }
}
