//! wa-gateway: a REST, webhook and WebSocket gateway over WhatsApp Web, compatible with
//! wwebjs-api.
//!
//! - [`config`]: every environment variable, parsed once.
//! - [`http`]: the axum router under BASE_PATH (auth, rate limit, the 149 operations, docs,
//!   dashboard, WebSocket). Knows nothing of CDP.
//! - [`session`]: one headless Chromium per WhatsApp session, driven over CDP, with the
//!   JavaScript bridge of `assets/bridge`. Knows nothing of HTTP.
//! - [`events`]: the events sessions raise, fanned out to webhooks and WebSockets.
//! - [`metrics`]: Prometheus metrics, served at `/metrics`.
//! - [`cluster`]: cluster mode: session leases in Redis, node registry, forwarding, takeover.
//! - [`private_files`]: what we write under SESSIONS_PATH is the daemon user's only.
//!
//! [`Gateway::bind`] builds the whole daemon; `main` and the tests both use it.

pub mod cluster;
pub mod config;
pub mod events;
pub mod http;
pub mod metrics;
pub mod private_files;
pub mod session;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use config::Config;
use events::EventBus;
use http::{App, AppState};
use session::SessionManager;

/// A bound, not yet serving, daemon.
pub struct Gateway {
    state: AppState,
    listener: TcpListener,
}

impl Gateway {
    /// Builds the app and binds its port (0 picks a free one).
    pub async fn bind(config: Config) -> std::io::Result<Self> {
        let config = Arc::new(config);
        // Cluster mode: Redis first, as this node's outbox file is opened only under its lease.
        let prepared = match &config.cluster {
            Some(_) => Some(
                cluster::Cluster::prepare(&config)
                    .await
                    .map_err(std::io::Error::other)?,
            ),
            None => None,
        };
        let bus = Arc::new(EventBus::new(config.clone()).map_err(std::io::Error::other)?);
        spawn_outbox_pruning(&bus);
        let sessions = SessionManager::new(config.clone(), bus.clone());
        let keys = Arc::new(http::key_store::KeyStore::open(&config.sessions_path)?);
        let listener = TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], config.port))).await?;
        let cluster = match prepared {
            Some(prepared) => Some(
                cluster::Cluster::new(&config, prepared, sessions.clone(), bus.clone())
                    .map_err(std::io::Error::other)?,
            ),
            None => None,
        };
        Ok(Gateway {
            state: AppState(Arc::new(App {
                config,
                sessions,
                bus,
                cluster,
                keys,
            })),
            listener,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then stops accepting, closes every browser (waiting
    /// for the processes) and flushes pending webhooks within SHUTDOWN_TIMEOUT_MS.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state;
        let config = state.config.clone();
        // A Chromium left on one of our profiles by an earlier run would keep its lock. In
        // cluster mode the profiles are shared and a Chromium on them may be another node's:
        // each is ended only under its session's lease, right before a launch.
        if config.cluster.is_none() {
            session::process::end_orphans(&config.sessions_path).await;
        }
        match &state.cluster {
            // The sessions on the shared disk are placed across the nodes by their leases.
            Some(cluster) => cluster.run().await,
            None if config.auto_start_sessions => state.sessions.restore_all(),
            None => {}
        }
        let app = http::router(state.clone());
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let server = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let mut stop_rx = stop_rx;
            let _ = stop_rx.wait_for(|stop| *stop).await;
        });
        let mut server = tokio::spawn(async move { server.await });
        tokio::select! {
            result = &mut server => return result.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            _ = shutdown => {}
        }
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
        // WebSocket subscribers would hold the graceful shutdown open forever.
        for id in state.sessions.ids() {
            state.bus.close_session(&id);
        }
        let grace = config.shutdown_timeout;
        let (_, _) = tokio::join!(
            async { tokio::time::timeout(grace, &mut server).await },
            state.sessions.shutdown(),
        );
        // The browsers are closed: other nodes may take the sessions at once.
        if let Some(cluster) = &state.cluster {
            cluster.shutdown().await;
        }
        state.bus.flush(grace).await;
        if let Some(cluster) = &state.cluster {
            cluster.release_own_outbox().await;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Drops delivered events past WEBHOOK_MAX_AGE_S once a minute (they only serve resume).
fn spawn_outbox_pruning(bus: &Arc<EventBus>) {
    let bus = Arc::downgrade(bus);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        tick.tick().await;
        loop {
            tick.tick().await;
            let Some(bus) = bus.upgrade() else { break };
            tokio::task::spawn_blocking(move || bus.prune());
        }
    });
}
