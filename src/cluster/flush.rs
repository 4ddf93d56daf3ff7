//! `terminateAll` / `terminateInactive` across the cluster. The profiles are on one shared disk,
//! so a node must never delete the folder of a session another node runs: each node terminates
//! the sessions it holds, and the folders nobody holds are terminated by the node that got the
//! request, under their lease (so no node can start them meanwhile).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};
use futures::StreamExt;
use serde_json::Value;

use super::Cluster;
use super::forward::FORWARDED_BY;
use super::lease::Acquired;
use crate::session::SessionId;

/// Sessions terminated at once on one node (each may log out of WhatsApp first).
const CONCURRENCY: usize = 8;
/// How long another node may take for its part.
const NODE_TIMEOUT: Duration = Duration::from_secs(120);

impl Cluster {
    /// Terminates every session of the cluster, or (`only_inactive`) those not CONNECTED.
    /// `path` is the request's path and query as the client sent it (with BASE_PATH), passed to
    /// the other nodes with the caller's key; a request another node sent (FORWARDED_BY) is
    /// only this node's part.
    pub async fn flush(
        &self,
        only_inactive: bool,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<(), String> {
        if headers.contains_key(FORWARDED_BY) {
            return self.flush_here(only_inactive).await;
        }
        let nodes = self
            .store
            .live_nodes()
            .await
            .map_err(|e| format!("cannot list the nodes: {e}"))?;
        let others = nodes
            .iter()
            .filter(|n| n.id != self.config.node_id)
            .map(|n| self.flush_on(&n.id, &n.url, path, headers.get("x-api-key")));
        let (here, there) = tokio::join!(
            self.flush_here(only_inactive),
            futures::future::join_all(others)
        );
        let mut errors: Vec<String> = here.err().into_iter().collect();
        errors.extend(there.into_iter().filter_map(Result::err));
        // Only now: the folders of the sessions the other nodes just terminated are gone, and
        // those still running there are held, so what is left unheld on disk is nobody's.
        let live: BTreeSet<String> = nodes.into_iter().map(|n| n.id).collect();
        if let Err(err) = self.flush_unowned(&live).await {
            errors.push(err);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// This node's part: the sessions it holds or has in memory.
    async fn flush_here(&self, only_inactive: bool) -> Result<(), String> {
        // Sessions stopped here while Redis was away would be written back as wanted and
        // started again from a folder this flush deletes; none of them runs here now.
        self.rewant.clear();
        let mut ids: Vec<String> = self.held.iter().map(|h| h.key().clone()).collect();
        ids.extend(self.sessions.ids());
        ids.sort();
        ids.dedup();
        let results: Vec<Result<(), String>> = futures::stream::iter(ids)
            .map(|id| async move {
                let Ok(sid) = SessionId::parse(&id) else {
                    return Ok(());
                };
                if only_inactive && self.sessions.validate(&id).await.success {
                    return Ok(());
                }
                self.terminate(&sid)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("{id}: {e}"))
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        join_errors(results)
    }

    /// Asks the node at `url` to do its part, with the caller's key.
    async fn flush_on(
        &self,
        node: &str,
        url: &str,
        path: &str,
        key: Option<&HeaderValue>,
    ) -> Result<(), String> {
        let mut request = self
            .http
            .get(format!("{url}{path}"))
            .timeout(NODE_TIMEOUT)
            .header(FORWARDED_BY, self.config.node_id.as_str());
        if let Some(key) = key {
            request = request.header("x-api-key", key.clone());
        }
        let answer = request
            .send()
            .await
            .map_err(|e| format!("node {node} is not answering: {e}"))?;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if status.is_success() && body["success"] == true {
            return Ok(());
        }
        let why = body["error"]
            .as_str()
            .map_or_else(|| format!("{status} {body}"), str::to_owned);
        Err(format!("node {node}: {why}"))
    }

    /// The session folders on disk that no live node holds: terminated under their lease. Such
    /// a session is not running anywhere, so it is inactive too.
    async fn flush_unowned(&self, live: &BTreeSet<String>) -> Result<(), String> {
        let ids = self.sessions.ids_on_disk();
        let results: Vec<Result<(), String>> = futures::stream::iter(ids)
            .filter_map(|id| async move { SessionId::parse(&id).ok() })
            .map(|id| async move {
                self.terminate_unowned(&id, live)
                    .await
                    .map_err(|e| format!("{id}: {e}"))
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        join_errors(results)
    }

    /// Takes the lease of a folder no live node holds and terminates it; leaves it when a live
    /// node holds it (that node runs the session and did its own part).
    async fn terminate_unowned(
        &self,
        id: &SessionId,
        live: &BTreeSet<String>,
    ) -> Result<(), String> {
        let id_str = id.as_str();
        let lock = self.lock(id_str);
        let _guard = lock.lock().await;
        if self.held.contains_key(id_str) {
            return Ok(());
        }
        let Some((value, clean, acquired_at)) = self.lease_for_flush(id_str, live).await? else {
            return Ok(());
        };
        self.hold(id_str, value.clone(), acquired_at);
        if !clean {
            // As before a start: a holder that did not release may still have its browser on
            // this folder until one TTL from now.
            tokio::time::sleep(self.config.lease_ttl).await;
            if !self.holds(id_str, &value) {
                self.drop_lease(id_str, false).await;
                return Err("the lease was lost while waiting".into());
            }
        }
        self.clear_profile(id_str).await;
        let result = self.sessions.terminate(id).await;
        self.drop_lease(id_str, true).await;
        result.map(|_| ())
    }

    /// The lease of `id` (value, clean, when asked), or `None` when a live node holds it. A
    /// lease left by a node that is gone (dead, its lease not yet expired) is waited out: else
    /// another node would take the session over once it expires, after the flush said it is
    /// gone. A holder that is this node's former self (restarted, same NODE_ID) counts as gone.
    async fn lease_for_flush(
        &self,
        id: &str,
        live: &BTreeSet<String>,
    ) -> Result<Option<(String, bool, Instant)>, String> {
        let deadline = Instant::now() + self.config.lease_ttl + Duration::from_secs(1);
        let mut unwanted = false;
        loop {
            let asked = Instant::now();
            let acquired = self
                .store
                .acquire(id, &self.config.node_id, self.config.lease_ttl)
                .await?;
            if let Acquired::Ours { value, clean } = acquired {
                return Ok(Some((value, clean, asked)));
            }
            // None: released between the two calls; try again at once.
            let Some(owner) = self.store.owner(id).await? else {
                continue;
            };
            if owner != self.config.node_id && live.contains(&owner) {
                return Ok(None);
            }
            if !unwanted {
                // No takeover by another node once the lease expires.
                self.store.unwant(id).await?;
                unwanted = true;
                tracing::info!(session = id, node = %owner, "waiting out the lease of a node that is gone");
            }
            if Instant::now() >= deadline {
                return Err(format!("held by node {owner}, which is not answering"));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

fn join_errors(results: Vec<Result<(), String>>) -> Result<(), String> {
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
