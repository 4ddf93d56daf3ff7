//! The connection to Redis and the names of our keys. Every call has a deadline: a Redis that
//! does not answer must never hold up a lease decision.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long one Redis call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// A cheap, cloneable handle on Redis that reconnects by itself.
#[derive(Clone)]
pub struct Store {
    pub(super) conn: ConnectionManager,
}

/// Keys, all under `wagw:`.
pub(super) mod keys {
    /// `<node>:<token>` of the node holding a session, with a TTL.
    pub fn lease(id: &str) -> String {
        format!("wagw:lease:{id}")
    }
    /// The session's fencing counter: every acquisition takes the next token.
    pub fn fence(id: &str) -> String {
        format!("wagw:fence:{id}")
    }
    /// Set when the last holder closed its browser and released the lease itself, so the next
    /// holder may start at once instead of waiting a TTL.
    pub fn released(id: &str) -> String {
        format!("wagw:released:{id}")
    }
    /// The sessions that should be running somewhere.
    pub const SESSIONS: &str = "wagw:sessions";
    /// Node ids seen; each one's details live under [`node`] while it heartbeats.
    pub const NODES: &str = "wagw:nodes";
    pub fn node(id: &str) -> String {
        format!("wagw:node:{id}")
    }
    /// `<node>:<nonce>` of the node using a node's webhook outbox file: the node itself while
    /// it runs, another one carrying its queues on once it is gone.
    pub fn outbox(node: &str) -> String {
        format!("wagw:outbox:{node}")
    }
    /// When Redis started holding our keys (ms, Redis' clock): missing after it lost its data.
    pub const EPOCH: &str = "wagw:epoch";
    /// A session's webhook settings set through the API (JSON).
    pub fn webhook(id: &str) -> String {
        format!("wagw:webhook:{id}")
    }
}

impl Store {
    /// Connects, retrying for up to `patience` (Redis may come up after us).
    pub async fn connect(url: &str, patience: Duration) -> Result<Store, String> {
        let client = redis::Client::open(url).map_err(|e| format!("CLUSTER_REDIS_URL: {e}"))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_max_delay(Duration::from_secs(1));
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match client
                .get_connection_manager_with_config(config.clone())
                .await
            {
                Ok(conn) => return Ok(Store { conn }),
                Err(err) if tokio::time::Instant::now() >= deadline => {
                    return Err(format!("cannot reach Redis: {err}"));
                }
                Err(err) => {
                    tracing::warn!(error = %err, "Redis not reachable yet; retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// Runs a Lua script (by its SHA, loaded on first use) with string keys and arguments.
    pub(super) async fn run<T: redis::FromRedisValue>(
        &self,
        what: &str,
        code: &str,
        keys: &[String],
        args: &[String],
    ) -> Result<T, String> {
        let mut conn = self.conn.clone();
        let script = redis::Script::new(code);
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(arg);
        }
        self.call(what, invocation.invoke_async(&mut conn)).await
    }

    /// Runs one call under [`CALL_TIMEOUT`].
    pub(super) async fn call<T>(
        &self,
        what: &str,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, String> {
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(format!("Redis {what}: {err}")),
            Err(_) => Err(format!("Redis {what}: no answer within {CALL_TIMEOUT:?}")),
        }
    }
}
