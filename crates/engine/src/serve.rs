//! `wabox serve`: the engine as a service — webhook listener, ingestion, and the client socket.

use super::lock::{EngineLock, Holder};
use super::{Engine, EngineMode, socket};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use wabox_config::Config;
use wabox_webhook::http::{WebhookState, router};

/// Whether a serving engine holds the data dir's lock now (a command's brief hold is not one).
fn engine_serving(config: &Config) -> bool {
    std::fs::read_to_string(config.data_dir.join("engine.lock"))
        .map(|who| who.starts_with("engine"))
        .unwrap_or(false)
        && EngineLock::is_held(&config.data_dir)
}

/// Takes the engine lock for a long-running engine. A one-shot command may hold it for a moment,
/// so wait a little for that; another engine is refused at once.
pub fn lock_for_engine(config: &Config) -> anyhow::Result<EngineLock> {
    super::ensure_data_dir(&config.data_dir)?;
    let held_by_engine = engine_serving(config);
    let wait = if held_by_engine {
        Duration::ZERO
    } else {
        Duration::from_secs(5)
    };
    Ok(EngineLock::acquire(&config.data_dir, Holder::Engine, wait)?)
}

/// Starts the webhook listener on `listen` (port 0 picks one) and returns the bound address.
pub async fn spawn_webhook_listener(
    engine: &Arc<Engine>,
    listen: SocketAddr,
) -> anyhow::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let state = Arc::new(WebhookState {
        writer: Arc::new(super::webhook_journal::ListenerJournal {
            writer: engine.writer.clone(),
            cluster: engine.cluster.clone(),
        }),
        app_secret: engine.config.require_app_secret()?.clone(),
        verify_token: engine.config.require_verify_token()?.clone(),
        kapso_secret: engine.config.kapso.webhook_secret.clone(),
        counts: Default::default(),
        refusals: wabox_logging::repeated::Repeated::per_minute(),
    });
    let tcp = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("could not listen on {listen}: {e} (is another program using it? change [webhook] listen)"))?;
    let addr = tcp.local_addr()?;
    if addr.ip().is_loopback() {
        let _ = engine.loopback_url.set(format!("http://{addr}"));
    }
    let app = router(state.clone())
        .merge(super::signup_http::router(engine.clone()))
        .merge(super::metrics::router(engine.clone(), state))
        .merge(super::remote_api::router(engine.clone()));
    let task = tokio::spawn(wabox_webhook::listener::serve(tcp, app));
    Ok((addr, task))
}

/// Raises the soft limit on open files to the hard one: each webhook and client connection is a
/// descriptor, and the usual soft limit (1024) is what a flood of idle connections exhausted,
/// making Meta's deliveries time out. The unit file sets the hard limit (`LimitNOFILE`).
fn raise_open_files_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => {
            if let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                tracing::warn!(error = %e, soft, hard, "could not raise the open-files limit");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the open-files limit"),
    }
}

/// An engine with everything running: webhook listener, client socket, outbox, template sync.
pub struct RunningEngine {
    pub engine: Arc<Engine>,
    pub webhook_addr: SocketAddr,
    pub socket: std::path::PathBuf,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    lock: EngineLock,
}

impl RunningEngine {
    /// Takes the lock and starts every part of the engine.
    pub async fn start(
        config: Config,
        listen_override: Option<SocketAddr>,
    ) -> anyhow::Result<RunningEngine> {
        // An engine already serving this data dir is the first thing to say (a second
        // `wabox serve` without the config was told about its missing secrets instead).
        if engine_serving(&config) {
            let who =
                std::fs::read_to_string(config.data_dir.join("engine.lock")).unwrap_or_default();
            return Err(super::lock::LockError::Held {
                dir: config.data_dir.display().to_string(),
                holder: who.trim().to_string(),
            }
            .into());
        }
        // Refuse early, before taking anything, if the webhook could not be checked.
        config.require_app_secret()?;
        config.require_verify_token()?;
        let lock = lock_for_engine(&config)?;
        raise_open_files_limit();
        let listen = listen_override.unwrap_or(config.listen);
        let data_dir = config.data_dir.clone();
        let group = config.group.clone();
        let engine = Engine::start(config, EngineMode::Serve)?;
        // With a PostgreSQL store: leases taken (its share of the work) and the other engines'
        // events followed, before anything works a partition.
        engine.join_cluster()?;
        let unix = socket::bind(&data_dir, &group)?;
        let socket = socket::socket_path(&data_dir);
        let (webhook_addr, http) = spawn_webhook_listener(&engine, listen).await?;
        let clients = tokio::spawn(socket::serve(engine.clone(), unix));
        let outbox = super::outbox::start(engine.clone()).await?;
        let templates = super::templates::spawn_periodic(engine.clone());
        let media = super::media::spawn(engine.clone());
        let assign = tokio::spawn(super::assign::run(engine.clone()));
        let auto_reply = tokio::spawn(super::auto_reply::run(engine.clone()));
        let tokens = super::health::spawn_token_watch(engine.clone());
        let sequences = super::scheduler::spawn(engine.clone());
        let broadcasts = super::broadcast::spawn(engine.clone());
        let journal_prune = super::journal_prune::spawn(engine.clone());
        let media_prune = super::media_prune::spawn(engine.clone());
        tracing::info!(%webhook_addr, socket = %socket.display(), "engine started");
        Ok(RunningEngine {
            engine,
            webhook_addr,
            socket,
            tasks: [
                http, clients, outbox, templates, media, assign, auto_reply, tokens, sequences,
                broadcasts,
            ]
            .into_iter()
            .chain(journal_prune)
            .chain(media_prune)
            .collect(),
            lock,
        })
    }

    /// Stops accepting work, finishes the writes already queued, and lets go of the lock.
    pub fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = std::fs::remove_file(&self.socket);
        self.engine.shutdown();
        drop(self.lock);
    }
}

/// Runs until SIGINT or SIGTERM.
pub async fn run(config: Config, listen_override: Option<SocketAddr>) -> anyhow::Result<()> {
    let data_dir = config.data_dir.clone();
    let running = RunningEngine::start(config, listen_override).await?;
    println!("wabox engine running");
    println!("  webhook: http://{}/webhook", running.webhook_addr);
    println!("  socket:  {}", running.socket.display());
    println!("  data:    {}", data_dir.display());
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    shutdown_signal().await;
    tracing::info!("stopping: no new deliveries are accepted; queued work is finished");
    running.stop();
    Ok(())
}

pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
