//! The node registry: each node heartbeats its URL, its session count and whether it drains;
//! placement picks the least loaded live node, and orphaned sessions are shared out the same way.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::store::{Store, keys};

/// What a node says about itself in each heartbeat.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeInfo {
    pub id: String,
    pub url: String,
    /// Leases it holds (sessions running or being started).
    pub sessions: usize,
    pub draining: bool,
}

impl Store {
    /// Publishes this node's details for `ttl` (they vanish if it stops heartbeating).
    pub async fn heartbeat(&self, info: &NodeInfo, ttl: Duration) -> Result<(), String> {
        let mut conn = self.conn.clone();
        let body = serde_json::to_string(info).expect("node info serialises");
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(keys::node(&info.id))
            .arg(body)
            .arg("PX")
            .arg(ttl.as_millis() as u64)
            .ignore()
            .cmd("SADD")
            .arg(keys::NODES)
            .arg(&info.id)
            .ignore();
        self.call("heartbeat", pipe.query_async::<()>(&mut conn))
            .await
    }

    /// Takes this node out of the registry (at shutdown).
    pub async fn leave(&self, id: &str) -> Result<(), String> {
        let mut conn = self.conn.clone();
        self.call(
            "leave",
            redis::cmd("DEL")
                .arg(keys::node(id))
                .query_async::<i64>(&mut conn),
        )
        .await
        .map(|_| ())
    }

    /// Nodes heartbeating now, sorted by id.
    pub async fn live_nodes(&self) -> Result<Vec<NodeInfo>, String> {
        let mut conn = self.conn.clone();
        let ids: Vec<String> = self
            .call(
                "list nodes",
                redis::cmd("SMEMBERS")
                    .arg(keys::NODES)
                    .query_async(&mut conn),
            )
            .await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("MGET");
        for id in &ids {
            cmd.arg(keys::node(id));
        }
        let values: Vec<Option<String>> =
            self.call("get nodes", cmd.query_async(&mut conn)).await?;
        let mut nodes: Vec<NodeInfo> = values
            .into_iter()
            .flatten()
            .filter_map(|v| serde_json::from_str(&v).ok())
            .collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(nodes)
    }

    /// One live node's details.
    pub async fn node(&self, id: &str) -> Result<Option<NodeInfo>, String> {
        let mut conn = self.conn.clone();
        let value: Option<String> = self
            .call(
                "get node",
                redis::cmd("GET").arg(keys::node(id)).query_async(&mut conn),
            )
            .await?;
        Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
    }
}

/// The live node that should take a new session: not draining, fewest sessions, then by id.
pub fn least_loaded(nodes: &[NodeInfo]) -> Option<&NodeInfo> {
    nodes
        .iter()
        .filter(|n| !n.draining)
        .min_by(|a, b| (a.sessions, &a.id).cmp(&(b.sessions, &b.id)))
}

/// Shares sessions without an owner among the nodes that take sessions, one at a time to the
/// least loaded (counting what it was given so far). Every node computes the same answer from
/// the same registry, so each claims only its own share; the lease settles any disagreement.
pub fn share_out(orphans: &[String], nodes: &[NodeInfo]) -> BTreeMap<String, String> {
    let mut load: Vec<(usize, String)> = nodes
        .iter()
        .filter(|n| !n.draining)
        .map(|n| (n.sessions, n.id.clone()))
        .collect();
    let mut shares = BTreeMap::new();
    if load.is_empty() {
        return shares;
    }
    for id in orphans {
        let lightest = load.iter_mut().min().expect("not empty");
        lightest.0 += 1;
        shares.insert(id.clone(), lightest.1.clone());
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, sessions: usize, draining: bool) -> NodeInfo {
        NodeInfo {
            id: id.into(),
            url: format!("http://{id}"),
            sessions,
            draining,
        }
    }

    #[test]
    fn new_sessions_go_to_the_least_loaded_node_that_is_not_draining() {
        let nodes = [node("a", 2, false), node("b", 0, true), node("c", 1, false)];
        assert_eq!(least_loaded(&nodes).unwrap().id, "c");
        assert_eq!(least_loaded(&[node("b", 0, true)]), None);
        let tie = [node("b", 1, false), node("a", 1, false)];
        assert_eq!(least_loaded(&tie).unwrap().id, "a");
    }

    #[test]
    fn orphans_are_shared_out_evenly_and_never_to_a_draining_node() {
        let nodes = [node("a", 3, false), node("b", 1, false), node("c", 0, true)];
        let orphans: Vec<String> = ["s1", "s2", "s3", "s4"].map(String::from).into();
        let shares = share_out(&orphans, &nodes);
        let to = |n: &str| shares.values().filter(|v| *v == n).count();
        assert_eq!((to("a"), to("b"), to("c")), (1, 3, 0), "{shares:?}");
        assert!(share_out(&orphans, &[node("c", 0, true)]).is_empty());
    }
}
