//! `pet serve`: a local, read-only web dashboard of a store (its trajectories
//! with comment, size and provenance, a runs table that filters, sorts and pages
//! on the server, a page per run, charts), with the JSON API behind it
//! documented in `docs/api.md`. The page refreshes itself while a sweep runs.

pub mod api;
pub mod assets;
pub mod error;
pub mod state;
pub mod values;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use tokio::sync::oneshot;

use pet_core::Store;

pub use error::{ApiError, ServeError};
pub use state::AppState;

/// How often the server checks the store for new runs.
pub const REFRESH: Duration = Duration::from_secs(1);

/// The dashboard's routes over a state.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/style.css", get(assets::style))
        .route("/api/store", get(api::store))
        .route("/api/traj/{name}/runs", get(api::runs))
        .route("/api/traj/{name}/runs/{index}", get(api::run))
        .route("/api/traj/{name}/node", get(api::node))
        .route("/api/traj/{name}/{file}", get(api::drawing))
        .fallback(|| async {
            ApiError::not_found(
                "no such page; the dashboard is at / and the API under /api (see docs/api.md)",
            )
        })
        .with_state(state)
}

/// True for addresses only this machine reaches.
pub fn is_local(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Reads the store, binds `addr` (port 0: any free port) and serves on a
    /// thread of its own until dropped or [`Server::wait`]ed on.
    pub fn start(store: Arc<dyn Store>, url: &str, addr: SocketAddr) -> Result<Server, ServeError> {
        Self::start_with(store, url, addr, REFRESH)
    }

    /// [`Server::start`] with the store checked for new runs every `refresh`.
    pub fn start_with(
        store: Arc<dyn Store>,
        url: &str,
        addr: SocketAddr,
        refresh: Duration,
    ) -> Result<Server, ServeError> {
        let state = Arc::new(AppState::new(store, url)?);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        let listener = rt
            .block_on(tokio::net::TcpListener::bind(addr))
            .map_err(|source| ServeError::Listen { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| ServeError::Listen { addr, source })?;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let watcher = state.clone();
                let refresher = tokio::spawn(async move {
                    let mut tick = tokio::time::interval(refresh);
                    loop {
                        tick.tick().await;
                        let s = watcher.clone();
                        match tokio::task::spawn_blocking(move || s.refresh()).await {
                            Ok(Err(e)) => tracing::warn!("re-reading the store failed: {e}"),
                            Err(e) => tracing::warn!("re-reading the store stopped: {e}"),
                            Ok(Ok(_)) => {}
                        }
                    }
                });
                let app = router(state);
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
                refresher.abort();
                if let Err(e) = served {
                    tracing::error!("the server stopped: {e}");
                }
            });
        });
        Ok(Server {
            addr: bound,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The dashboard's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Serves until the process is stopped.
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
