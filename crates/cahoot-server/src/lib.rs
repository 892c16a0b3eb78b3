//! Cahoot's server: configuration, HTTP API, WebSocket gateway, auth, durable and live stores, web UI.
//!
//! Startup is testable: [`build_state`] opens the stores, [`serve`] runs the app on a bound listener until a
//! shutdown future resolves, and [`launch`] does both. `main` only parses the command line.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod durable;
pub mod error;
pub mod http;
pub mod images;
pub mod live;
pub mod openapi;
pub mod play;
pub mod quizzes;
pub mod reports;
pub mod results;
pub mod transfer;

pub use config::Config;
pub use error::ApiError;

use anyhow::Context;
use durable::DurableStore;
use live::LiveStore;
use secrecy::ExposeSecret;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub durable: Arc<dyn DurableStore>,
    /// Reads of live games; every change goes through `commands`.
    pub live: Arc<dyn LiveStore>,
    pub auth: Arc<auth::Keys>,
    /// The command layer: the only writer of live games.
    pub commands: play::Commands,
    /// This instance's fan-out to its sockets.
    pub fanout: Arc<play::Fanout>,
    pub metrics: Arc<http::metrics::Metrics>,
    draining: Arc<watch::Sender<bool>>,
}

impl AppState {
    /// Assembles a state from parts (tests and alternative startups).
    pub fn new(
        config: Config,
        durable: Arc<dyn DurableStore>,
        live: Arc<dyn LiveStore>,
        auth: auth::Keys,
    ) -> AppState {
        let metrics = Arc::<http::metrics::Metrics>::default();
        let commands = play::Commands {
            live: live.clone(),
            durable: durable.clone(),
            metrics: metrics.clone(),
            lead_in_ms: config.question_lead_in_ms,
        };
        AppState {
            config: Arc::new(config),
            durable,
            live,
            auth: Arc::new(auth),
            fanout: Arc::new(play::Fanout::new(commands.clone())),
            commands,
            metrics,
            draining: Arc::new(watch::channel(false).0),
        }
    }

    /// From now on `/readyz` answers 503, so the load balancer stops sending new clients here.
    pub fn set_draining(&self) {
        self.draining.send_replace(true);
    }

    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// Resolves-on-change view of the draining flag (e.g. to tell sockets to reconnect elsewhere).
    pub fn draining_signal(&self) -> watch::Receiver<bool> {
        self.draining.subscribe()
    }
}

/// Opens the live store named by `url`. The one place a live backend is chosen.
pub async fn connect_live(url: &str) -> anyhow::Result<Arc<dyn LiveStore>> {
    match url.split(':').next().unwrap_or_default() {
        "memory" => Ok(Arc::new(live::memory::MemoryLiveStore::new())),
        "redis" | "rediss" | "valkey" => {
            Ok(Arc::new(live::valkey::ValkeyLiveStore::connect(url).await?))
        }
        other => {
            anyhow::bail!("unsupported live store URL {other:?} (expected memory or redis://)")
        }
    }
}

/// Opens both stores (applying migrations) and loads or creates the signing keys.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let durable = durable::connect(config.database_url().expose_secret())
        .await
        .context("opening the durable store")?;
    let live = connect_live(config.live_url.expose_secret())
        .await
        .context("opening the live store")?;
    let keys_dir = config.keys_dir();
    let keys = auth::Keys::load_or_create(&keys_dir)
        .with_context(|| format!("loading signing keys from {}", keys_dir.display()))?;
    tracing::info!(
        durable = durable.backend(),
        live = live.backend(),
        kid = keys.signing_kid(),
        "stores ready"
    );
    Ok(AppState::new(config, durable, live, keys))
}

/// Builds the state from `config` and serves on `listener` until `shutdown` resolves.
pub async fn launch(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = build_state(config).await?;
    serve(state, listener, shutdown).await
}

/// Serves the app on an already bound listener. Prints `cahoot listening on http://HOST:PORT` once bound.
///
/// Shutdown: when `shutdown` resolves the instance turns not-ready (`/readyz` 503), keeps serving for
/// `drain_secs` so the load balancer notices, then stops accepting and waits up to
/// `shutdown_timeout_secs` for open connections.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let drain = Duration::from_secs(state.config.drain_secs);
    let timeout = Duration::from_secs(state.config.shutdown_timeout_secs);
    let app = app::app(state.clone());
    let (closing_tx, closing_rx) = watch::channel(false);
    let graceful = {
        let state = state.clone();
        async move {
            shutdown.await;
            tracing::info!("shutdown requested; draining");
            state.set_draining();
            tokio::time::sleep(drain).await;
            closing_tx.send_replace(true);
        }
    };
    println!("cahoot listening on http://{addr}");
    tracing::info!(%addr, "listening");
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(graceful);
    let deadline = async move {
        let mut closing = closing_rx;
        // Wait until the listener closes, then give connections `timeout` to finish.
        if closing.wait_for(|c| *c).await.is_ok() {
            tokio::time::sleep(timeout).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result.context("serving HTTP")?,
        () = deadline => tracing::warn!("connections still open after the shutdown timeout; closing"),
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Installs the global tracing subscriber (`RUST_LOG` filters; default `info`).
pub fn init_tracing(format: config::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // tungstenite traces every received frame, and a `hello` frame carries a token: never log them,
        // whatever RUST_LOG says.
        .add_directive(
            "tungstenite=debug"
                .parse()
                .expect("a valid static directive"),
        );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        config::LogFormat::Json => builder.json().try_init(),
        config::LogFormat::Pretty => builder.try_init(),
    };
}
