//! The engine: owns the store, ingests webhooks, and answers clients.

pub mod access;
mod admission;
mod answers;
pub mod api;
mod appender;
mod apply_lanes;
pub mod assign;
mod auto_reply;
mod broadcast;
mod checkpointer;
pub mod cluster;
mod connect;
mod dashboard;
pub mod event_scope;
pub mod files;
pub mod health;
pub mod hub;
pub mod ingest;
mod journal_commit;
#[cfg(test)]
mod journal_commit_tests;
mod journal_prune;
mod kapso;
mod kapso_reconnect;
mod kept_clock;
pub mod kept_demo;
pub mod lock;
pub mod media;
mod media_prune;
pub mod metrics;
mod numbers_cache;
pub mod outbox;
mod outgoing;
mod public_paths;
mod read_pool;
mod read_receipts;
pub mod remote_api;
mod retention;
mod routing;
pub mod scheduler;
mod send;
mod send_template;
pub mod sequences;
pub mod serve;
mod signup;
pub mod signup_http;
pub mod socket;
mod socket_halves;
pub mod store_at;
mod store_error;
pub mod store_marker;
mod syncer;
pub mod templates;
mod tenants;
#[cfg(test)]
mod test_stores;
pub mod tokens;
#[cfg(test)]
mod tokens_tests;
mod uploads;
mod wake;
mod webhook_journal;
mod websocket_frame;
pub mod writer;

pub use read_pool::ReadPool;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use wabox_config::Config;
use wabox_secret::crypto::Sealer;
use wabox_store::StoreError;
use writer::WriterHandle;

/// How the engine was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineMode {
    /// `wabox serve`: listeners, ingestion, the socket.
    Serve,
    /// A CLI command found no engine and runs the API itself for its own short life.
    InProcess,
}

/// The parts every request handler needs.
pub struct Engine {
    pub config: Config,
    pub mode: EngineMode,
    pub writer: WriterHandle,
    pub readers: ReadPool,
    /// Where the store is (SQLite's file, or the shared PostgreSQL database).
    pub store_at: store_at::StoreAt,
    /// With a PostgreSQL store: this engine among the others (`cluster.rs`).
    pub cluster: Option<Arc<cluster::Cluster>>,
    cluster_threads: Mutex<Vec<std::thread::JoinHandle<()>>>,
    pub sealer: Sealer,
    /// Set by the demo only: its simulator's numbers and tokens, for the wizard (`kept_demo.rs`).
    pub demo_numbers: std::sync::OnceLock<Vec<wabox_protocol::DemoNumber>>,
    /// The event hub, started by the first subscriber (`hub.rs`).
    hub: std::sync::OnceLock<hub::Hub>,
    /// The Unix user the engine runs as: always an admin of its own data.
    pub own_uid: u32,
    pub graph: wabox_cloud::GraphClient,
    /// Kapso's Platform API, when `[kapso] api_key` is set.
    pub kapso: Option<wabox_cloud::kapso::KapsoClient>,
    /// Wakes the outbox worker when something is queued.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Who has an inbox open, for automatic assignment.
    pub presence: assign::Presence,
    /// The customer message each conversation was last marked read up to on WhatsApp.
    read_receipts: read_receipts::ReadReceipts,
    /// The sequence files, as last read.
    pub sequences: sequences::Registry,
    /// Wakes the sequence scheduler (an enrollment added, resumed, the clock moved).
    pub scheduler_wake: Arc<tokio::sync::Notify>,
    /// Wakes the broadcast task (a broadcast started or resumed).
    pub broadcast_wake: Arc<tokio::sync::Notify>,
    /// Tells the automatic answers to look again at recent messages: this engine took over
    /// partitions, whose previous owner may have died between a commit and its answer.
    pub answers_look_again: Arc<tokio::sync::Notify>,
    /// `WABOX_MOVABLE_CLOCK=1`: clients may move the clock ahead (tests, the demo).
    pub movable_clock: bool,
    numbers_cache: numbers_cache::NumbersCache,
    /// Files clients are sending in chunks.
    uploads: uploads::Uploads,
    /// Sessions open with a token (`/api`), closed when it is revoked.
    pub remote_sessions: tokens::RemoteSessions,
    /// The listener's own address when it is on loopback: the public URL for a browser on this
    /// machine (the demo, tests) while `[webhook] public_url` is not set.
    pub(crate) loopback_url: std::sync::OnceLock<String>,
    /// Pushes handed to subscribers since start (`GET /metrics`).
    pub pushes: Arc<std::sync::atomic::AtomicU64>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not create the data dir {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Files(#[from] files::FilesError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "could not connect to the PostgreSQL store {at} ([store] url, or WABOX_STORE_URL): {detail}"
    )]
    StoreConnect { at: String, detail: String },
    #[error(
        "the PostgreSQL database {at} holds no wabox store but other tables ({tables}): give wabox a database of its own (createdb wabox), or check [store] url (or WABOX_STORE_URL)"
    )]
    ForeignDatabase { at: String, tables: String },
    #[error(
        "this data dir's store is the PostgreSQL database {to}: set [store] url (or WABOX_STORE_URL) to it (is --config the engine's?); to use the SQLite store here again instead, remove {marker}"
    )]
    StoreMoved { to: String, marker: String },
    #[error(transparent)]
    Seal(#[from] wabox_secret::crypto::SealError),
    #[error(
        "this store's tokens were sealed with another key than {key}: put back the key they were sealed with, then start again (with this one every send would fail)"
    )]
    SealKeyChanged { key: String },
    #[error(
        "this data dir has no seal key, and the store's tokens were sealed with another engine's: copy keys/seal.key from an engine of this store (or the data dir it was migrated from) to {key} (mode 0600), or set WABOX_SEAL_KEY, then start again"
    )]
    SealKeyMissing { key: String },
    #[error(transparent)]
    Graph(#[from] wabox_cloud::GraphError),
    #[error(transparent)]
    Kapso(#[from] wabox_cloud::kapso::KapsoError),
}

/// Refuses a seal key that does not open what the store sealed; a store that has no check yet
/// gets one, sealed with this key.
fn seal_key_fits(
    at: &store_at::StoreAt,
    sealer: &Sealer,
    data_dir: &Path,
) -> Result<(), StartError> {
    let conn = at.open_writer()?;
    let sealed = wabox_store::seal_check::something_sealed(&conn)?;
    if sealed.is_some_and(|s| sealer.open(&s).is_err()) {
        return Err(StartError::SealKeyChanged {
            key: Sealer::key_source(data_dir),
        });
    }
    if wabox_store::seal_check::read(&conn)?.is_none() {
        wabox_store::seal_check::write(&conn, &sealer.seal(wabox_store::seal_check::TEXT))?;
    }
    Ok(())
}

/// The database file inside a data dir.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("wabox.db")
}

/// Creates the data dir if needed, with no access for others (it holds the keys and the store).
/// Called by whoever is about to own it (an engine, a command starting one in-process): from here
/// on this process creates files for its own user only.
pub fn ensure_data_dir(data_dir: &Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    files::private_umask();
    if !data_dir.exists() {
        // Private from its first instant; `share_data_dir` opens it to the team's group.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(|source| StartError::DataDir {
                path: data_dir.display().to_string(),
                source,
            })?;
    }
    Ok(())
}

/// The team's group, when it exists on this host.
pub fn team_group(name: &str) -> Option<nix::unistd::Group> {
    nix::unistd::Group::from_name(name).ok().flatten()
}

/// The data dir is traversable (not listable) by the team's group, so its members reach the
/// socket and nothing else: mode 0710, group the team's. Without that group, 0700.
pub fn share_data_dir(data_dir: &Path, group: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match team_group(group) {
        Some(g) => {
            std::os::unix::fs::chown(data_dir, None, Some(g.gid.as_raw()))?;
            0o710
        }
        None => 0o700,
    };
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(mode))
}

impl Engine {
    /// The event hub that pushes changes to subscribers; started on first use.
    pub fn hub(self: &Arc<Self>) -> &hub::Hub {
        self.hub.get_or_init(|| hub::Hub::start(self))
    }

    /// Opens the store and starts the writer. The caller must hold the engine lock.
    pub fn start(config: Config, mode: EngineMode) -> Result<Arc<Engine>, StartError> {
        ensure_data_dir(&config.data_dir)?;
        // Before the store is opened: a store left 0644 by an older version is closed first.
        let own_uid = nix::unistd::getuid().as_raw();
        files::secure(&config.data_dir, &config.group, own_uid)?;
        // This process owns the data dir now (the caller holds the lock): its log goes there.
        wabox_logging::open_file(&config.data_dir);
        let at = store_at::StoreAt::from_config(&config);
        if !at.is_postgres() {
            store_marker::refuse_sqlite(&config.data_dir)?;
        }
        if at.check_postgres()? == Some(true) {
            let said = format!(
                "the PostgreSQL database {} holds no wabox store yet: making one (an empty schema)",
                at.shown()
            );
            match mode {
                EngineMode::Serve => tracing::warn!("{said}"),
                EngineMode::InProcess => eprintln!("wabox: {said}"),
            }
        }
        // A key made just now by `load`, for a data dir that had none (an engine being added):
        // if the store was sealed with another, this one is taken away again and the operator
        // told to bring the store's key, rather than to "put back" a key there never was.
        let key_file = Sealer::key_file(&config.data_dir);
        let had_key = std::env::var_os("WABOX_SEAL_KEY").is_some() || key_file.exists();
        let sealer = Sealer::load(&config.data_dir)?;
        match seal_key_fits(&at, &sealer, &config.data_dir) {
            // On SQLite there is no other engine to copy from: "put back the key" stands.
            Err(StartError::SealKeyChanged { .. }) if !had_key && at.is_postgres() => {
                let _ = std::fs::remove_file(&key_file);
                return Err(StartError::SealKeyMissing {
                    key: key_file.display().to_string(),
                });
            }
            fits => fits?,
        }
        // Only now that the store took this engine (reached, a wabox store, the same seal key):
        // a failed try (a mistyped host, a stranger's key) must not mark a SQLite data dir.
        if at.is_postgres()
            && let Err(e) = store_marker::write(&config.data_dir, &at.shown())
        {
            tracing::warn!(error = %e, "could not note the store's address in the data dir");
        }
        // On PostgreSQL, other engines may share the store: this one's name on its events, and
        // (serving) its leases on the work.
        let cluster = at
            .is_postgres()
            .then(|| Arc::new(cluster::Cluster::new(mode == EngineMode::Serve)));
        let (writer, thread) = writer::start(&at, mode == EngineMode::Serve, cluster.clone())?;
        let movable_clock = config.movable_clock;
        if movable_clock
            && let Some(offset) = std::env::var("WABOX_CLOCK_OFFSET")
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .or_else(|| kept_clock::read(&config.data_dir))
        {
            // A restarted engine picks up the time where its predecessor had moved it (a test
            // says so; a kept demo's data dir remembers it).
            wabox_domain::time::advance_clock(offset - wabox_domain::time::clock_offset());
        }
        let timeout = std::time::Duration::from_secs(config.outbox.request_timeout_seconds.max(1));
        let mut graph =
            wabox_cloud::GraphClient::new(&config.graph_base_url, &config.graph_version, timeout)?;
        let mut kapso = None;
        if let Some(key) = &config.kapso.api_key {
            graph = graph.with_kapso_proxy(
                &config.kapso.meta_base_url,
                &config.kapso.meta_version,
                key.clone(),
            );
            kapso = Some(wabox_cloud::kapso::KapsoClient::new(
                &config.kapso.base_url,
                key.clone(),
                timeout,
            )?);
        }
        Ok(Arc::new(Engine {
            graph,
            kapso,
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            presence: assign::Presence::default(),
            read_receipts: Default::default(),
            sequences: sequences::Registry::new(config.sequences_dir.clone()),
            scheduler_wake: Arc::new(tokio::sync::Notify::new()),
            broadcast_wake: Arc::new(tokio::sync::Notify::new()),
            answers_look_again: Arc::new(tokio::sync::Notify::new()),
            movable_clock,
            numbers_cache: numbers_cache::NumbersCache::default(),
            uploads: uploads::Uploads::new(&config.data_dir),
            remote_sessions: Default::default(),
            loopback_url: std::sync::OnceLock::new(),
            pushes: Arc::default(),
            readers: ReadPool::new(at.clone()),
            store_at: at,
            cluster,
            cluster_threads: Mutex::new(Vec::new()),
            demo_numbers: std::sync::OnceLock::new(),
            hub: std::sync::OnceLock::new(),
            config,
            mode,
            writer,
            sealer,
            own_uid,
            writer_thread: Mutex::new(Some(thread)),
        }))
    }

    /// A number's stored credential, opened: its Meta token, or the way through Kapso's proxy.
    pub fn open_credential(
        &self,
        sealed: &[u8],
    ) -> Result<wabox_cloud::Credential, wabox_secret::crypto::SealError> {
        self.sealer
            .open(sealed)
            .map(wabox_cloud::Credential::from_stored)
    }

    /// With a PostgreSQL store, a serving engine joins the others: its lease keeper and event
    /// relay start (threads of their own, with connections of their own).
    pub fn join_cluster(self: &Arc<Self>) -> std::io::Result<()> {
        let Some(cluster) = self.cluster.clone().filter(|c| c.takes_work) else {
            return Ok(());
        };
        let runtime = tokio::runtime::Handle::current();
        // A serving engine holds the data dir's lock: the one that served here before is dead.
        let previous = cluster::previous::swap(&self.config.data_dir, &cluster.me);
        let keeper = cluster::keeper::start(self.clone(), cluster.clone(), runtime, previous)?;
        let relay = cluster::relay::start(self.clone(), cluster)?;
        if let Ok(mut threads) = self.cluster_threads.lock() {
            threads.extend([keeper, relay]);
        }
        Ok(())
    }

    /// Stops the writer after the jobs already queued, and waits for it.
    pub fn shutdown(self: Arc<Self>) {
        // Its leases go back first (once its sends in flight are done), for the other engines
        // to take at once rather than when they would lapse.
        if let Some(cluster) = &self.cluster {
            cluster.stop();
        }
        let threads = self
            .cluster_threads
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        for t in threads {
            let _ = t.join();
        }
        let thread = self.writer_thread.lock().ok().and_then(|mut t| t.take());
        self.writer.stop();
        drop(self);
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}
