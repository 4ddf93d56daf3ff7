//! wa-sim: a WhatsApp Web simulator for tests, benchmarks and manual runs.
//!
//! One process serves three things on one port:
//! - the page at `/`: plain JavaScript modelling WhatsApp Web's internal modules
//!   (`window.require('WAWebCollections')`, `WAWebSocketModel`, ...), so unmodified
//!   whatsapp-web.js and the gateway's bridge can drive it (`page`, `assets/page/`);
//! - the simulated network behind it: accounts, linked devices, chats, groups, messages
//!   and media, reached by the page over a WebSocket at `/ws` (`network`, `device_socket`)
//!   and media over HTTP (`/mms/...` upload, `/v/...` download);
//! - the control API under `/_sim/`, playing the phones (`control`; contract in
//!   `notes/CONTRACTS.md`), with a typed Rust client on [`SimHandle`].

mod client;
mod control;
mod device_socket;
pub mod ids;
mod media;
pub mod network;
mod page;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::sync::{oneshot, watch};

pub use client::{SentMessage, SimClient};
use network::Network;

/// How often an unpaired page gets a new QR ref (WhatsApp rotates about every 20 s).
pub const DEFAULT_REF_INTERVAL: Duration = Duration::from_secs(20);

/// Delay between the server ack (1) and the delivery ack (2) of a message a device sent.
const DELIVERY_DELAY: Duration = Duration::from_millis(150);

/// Shared state of the running simulator.
pub struct Sim {
    network: Mutex<Network>,
    ref_interval: Duration,
    /// Flips to true on shutdown so open device WebSockets close (graceful shutdown
    /// would otherwise wait for the browsers to hang up).
    closing: watch::Sender<bool>,
}

impl Sim {
    fn network(&self) -> MutexGuard<'_, Network> {
        // A panic while holding the lock leaves a usable network; keep serving.
        self.network.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks a message delivered (ack 2) after the simulated network delay.
    fn schedule_delivery_ack(self: &Arc<Self>, short_id: String) {
        let sim = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DELIVERY_DELAY).await;
            sim.network().mark_delivered(&short_id);
        });
    }
}

/// Options for [`start_with`].
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// The address to listen on: loopback by default, `0.0.0.0` to be reachable from other
    /// hosts (a container).
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub ref_interval: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            ref_interval: DEFAULT_REF_INTERVAL,
        }
    }
}

/// A running simulator. Dropping it (or [`SimHandle::shutdown`]) stops the server.
pub struct SimHandle {
    addr: SocketAddr,
    sim: Arc<Sim>,
    client: SimClient,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT/`, the URL to open the page at.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The control API client for this simulator.
    pub fn client(&self) -> &SimClient {
        &self.client
    }

    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) {
        self.stop_serving();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl std::ops::Deref for SimHandle {
    type Target = SimClient;
    fn deref(&self) -> &SimClient {
        &self.client
    }
}

impl SimHandle {
    fn stop_serving(&mut self) {
        self.sim.closing.send_replace(true);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop_serving();
    }
}

/// Starts a simulator on 127.0.0.1 with a free port.
pub async fn start() -> SimHandle {
    start_with(SimOptions::default()).await
}

/// Starts a simulator on 127.0.0.1:`port`.
pub async fn start_on(port: u16) -> SimHandle {
    start_with(SimOptions {
        port,
        ..SimOptions::default()
    })
    .await
}

/// Starts a simulator; panics when the port cannot be bound (a test setup error).
pub async fn start_with(options: SimOptions) -> SimHandle {
    let requested = SocketAddr::new(options.host, options.port);
    let listener = tokio::net::TcpListener::bind(requested)
        .await
        .unwrap_or_else(|e| panic!("wa-sim cannot bind {requested}: {e}"));
    let addr = listener.local_addr().expect("bound address");
    let sim = Arc::new(Sim {
        network: Mutex::new(Network::new()),
        ref_interval: options.ref_interval,
        closing: watch::Sender::new(false),
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(sim.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    SimHandle {
        addr,
        sim,
        client: SimClient::new(format!("http://{addr}/")),
        stop: Some(stop),
        task: Some(task),
    }
}

fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/ws", get(device_socket::upgrade))
        .merge(media::routes())
        .nest("/_sim", control::routes())
        .with_state(sim)
}
