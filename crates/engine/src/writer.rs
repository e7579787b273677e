//! The one writer. A thread owns the write connection; HTTP handlers and API calls hand it jobs.
//!
//! Journal appends are group-committed: every append waiting when the thread wakes goes into one
//! transaction, and each caller is answered only after that commit, so a 200 always means "on
//! disk". With nothing pending, a group's deliveries are applied in the transaction that journals
//! them; behind a backlog, the thread applies pending entries between commits in small batches,
//! in a transaction the next appends commit in (`journal_commit`), so acknowledging stays fast
//! while processing catches up and both share one commit. The engine's commits do not wait
//! for the disk: `syncer` syncs the log and answers after (`Durability`).
//!
//! On PostgreSQL a serving engine journals on threads of its own (`appender`) and applies on
//! others (`apply_lanes`); this thread keeps the API's write jobs and the search index.

use super::appender::{self, AppendJob};
use super::apply_lanes::{self, Lanes};
use super::checkpointer::Checkpointer;
use super::journal_commit::{self, Arrival, OpenIngest};
use super::syncer::{self, Answer, Syncer};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, oneshot};
use wabox_store::db::Connection;
use wabox_store::{self as store, StoreError, StoreEvent};

/// At most this many queued jobs are taken per wake-up (one journal transaction at most).
const MAX_JOBS_PER_COMMIT: usize = 2048;
/// Journal entries applied per transaction between two looks at the job queue.
const INGEST_BATCH: usize = 64;
/// Messages added to the search index per transaction, when there is nothing else to do.
const SEARCH_BATCH: usize = 1_000;
/// The same on PostgreSQL, where a message's words cost about 0.2 ms to work out: a batch holds
/// off a delivery arriving meanwhile for about 50 ms at most.
const SEARCH_BATCH_POSTGRES: usize = 250;
/// How long processed entries wait, uncommitted, for the next journal appends to commit with.
const APPEND_WAIT: Duration = Duration::from_millis(2);
/// How long the writer must have had nothing to do before it indexes.
const SEARCH_QUIET: Duration = Duration::from_millis(50);
/// Under a stream with no quiet moment, the index still takes a batch this often: from about
/// 200 deliveries a second (or several engines' together) a 50 ms pause is rare, and search
/// fell behind for as long as the stream lasted.
const SEARCH_MAX_WAIT: Duration = Duration::from_secs(2);

/// Whether the transaction holding a job's writes committed, or why it was rolled back.
type Committed = store::Result<()>;
/// Answers a job's caller once the transaction holding its writes has committed or was rolled
/// back.
type Reply = Box<dyn FnOnce(Committed) + Send>;
/// What the writer is given to do: writes, then the answer to give once they are durable, and
/// whether the writes may stand (false: the job panicked, so they are rolled back). Called
/// without a context, the job does not run and its answer says so (no transaction could start).
type WriteFn = Box<dyn FnOnce(Result<&mut WriterCtx, StoreError>) -> (Reply, bool) + Send>;

enum Job {
    Journal {
        arrival: Arrival,
        reply: oneshot::Sender<store::Result<i64>>,
    },
    Run(WriteFn),
    /// The same, run before the `Run`s taken with it, in a transaction of their own.
    RunFirst(WriteFn),
    /// Another engine journaled a delivery this one applies: look at the journal.
    Backlog,
    /// Finish what was taken with it, then end the thread.
    Stop,
}

/// The state a write job runs with: the connection, and the events to push once it commits.
pub struct WriterCtx {
    pub conn: Connection,
    pub events: Vec<StoreEvent>,
    /// With several engines on one PostgreSQL store: this engine's leases, and its name on the
    /// events it writes for the others.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
    /// With a cluster: the partitions this connection applies deliveries of.
    pub lane: store::cluster::Lane,
    /// With a cluster: how far this connection has applied each partition.
    pub floors: store::cluster::Floors,
}

impl WriterCtx {
    pub fn new(
        conn: Connection,
        cluster: Option<Arc<crate::cluster::Cluster>>,
        lane: store::cluster::Lane,
    ) -> WriterCtx {
        WriterCtx {
            conn,
            events: Vec::new(),
            cluster,
            lane,
            floors: store::cluster::Floors::default(),
        }
    }

    /// Before a commit: with other engines, the events of the transaction (from `from` in the
    /// buffer) go into the store with it, and PostgreSQL wakes the others at its commit.
    pub fn share_events(&self, from: usize) -> store::Result<()> {
        match &self.cluster {
            Some(c) if self.events.len() > from => {
                store::cluster::write_events(&self.conn, &c.me, &self.events[from..])
            }
            _ => Ok(()),
        }
    }

    /// The lease this engine applies a tenant's deliveries under; every tenant's, alone.
    pub fn lease_of_tenant(&self, tenant_id: i64) -> Option<Option<store::cluster::Lease>> {
        self.cluster.as_ref().map(|c| c.lease_of_tenant(tenant_id))
    }
}

/// Counters the HTTP `healthz` and the bench read without touching the database.
#[derive(Debug, Default)]
pub struct WriterStats {
    /// New journal rows (a repeated body counts once).
    pub journaled: AtomicU64,
    pub processed: AtomicU64,
    pub unrouted: AtomicU64,
    pub invalid: AtomicU64,
    pub commits: AtomicU64,
    /// Bumped by every committed change to tenants, numbers or queues: cached directory answers
    /// older than it are stale.
    pub directory: AtomicU64,
}

/// A cheap, cloneable way to hand work to the writer thread.
#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<Job>,
    /// On PostgreSQL, the journal's own threads (`appender`): deliveries are acknowledged once
    /// journaled, and applied after.
    journal: Option<mpsc::Sender<AppendJob>>,
    /// On PostgreSQL, the connections that apply the journal (`apply_lanes`).
    lanes: Option<Arc<Lanes>>,
    pub stats: Arc<WriterStats>,
    /// Every committed change this engine hears of: its own writes, and (with other engines on
    /// the store) theirs, which the event relay adds.
    pub events: broadcast::Sender<StoreEvent>,
    /// Only this engine's own writes. What must happen once per change in the whole cluster
    /// (an automatic answer to a customer's message) follows these: the engine that applied a
    /// message is the one that answers it, and the others do not read it at all.
    pub own_events: broadcast::Sender<StoreEvent>,
}

/// Where the events of a commit go: to every subscriber, and to those of this engine's own.
#[derive(Clone)]
pub(crate) struct EventSenders {
    pub all: broadcast::Sender<StoreEvent>,
    pub own: broadcast::Sender<StoreEvent>,
}

impl WriterHandle {
    /// Journals a delivery; resolves once it is committed.
    pub async fn journal(&self, body: Bytes) -> store::Result<i64> {
        let (reply, rx) = oneshot::channel();
        // Hashed (and on SQLite parsed) here, on the caller's thread: the writer's is the one
        // every delivery waits for.
        let sent = match &self.journal {
            Some(journal) => journal
                .send(AppendJob::Append((appender::Filed::new(body), reply)))
                .map_err(|_| ()),
            None => self
                .tx
                .send(Job::Journal {
                    arrival: Arrival::new(body),
                    reply,
                })
                .map_err(|_| ()),
        };
        sent.map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Runs `f` on the writer thread, inside a transaction shared with the other jobs waiting
    /// at that moment (one commit for all of them), in a savepoint of its own: an `Err` (or a
    /// panic) rolls back what `f` wrote and the events it pushed, and the others stand. It
    /// resolves only after the commit, so what `f` wrote is durable when the caller hears back;
    /// its events are broadcast then too. `f` must not open a transaction of its own. The job's
    /// own error and the writer's (stopped, not started, not committed, panicked) come back as
    /// one `StoreError`.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriterCtx) -> store::Result<T> + Send + 'static,
    ) -> store::Result<T> {
        self.send_job(f, Job::Run).await
    }

    /// As `run`, for a write something waits on by the clock (the outbox's claim of the sends a
    /// number may make now): it runs before the other jobs of its wake-up, in a transaction of
    /// its own, so it waits at most for the batch in progress. On PostgreSQL, with 32 agents
    /// queueing, a claim behind their batch took 40 ms, nearly the 50 ms a number's bucket held then.
    pub async fn run_first<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriterCtx) -> store::Result<T> + Send + 'static,
    ) -> store::Result<T> {
        self.send_job(f, Job::RunFirst).await
    }

    async fn send_job<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriterCtx) -> store::Result<T> + Send + 'static,
        kind: fn(WriteFn) -> Job,
    ) -> store::Result<T> {
        let (reply, rx) = oneshot::channel();
        let job: WriteFn = Box::new(move |ctx| {
            let ctx = match ctx {
                Ok(ctx) => ctx,
                Err(e) => return (refused(reply, e), false),
            };
            // A bug in one job must cost that job only: its writes are rolled back, its caller
            // hears so, and the writer (with every other caller) lives on.
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(ctx))) {
                // A job that failed keeps nothing: its writes and events go with its savepoint.
                Ok(result) => {
                    let keep = result.is_ok();
                    (
                        Box::new(move |committed: Committed| {
                            let _ = reply.send(committed.and(result));
                        }),
                        keep,
                    )
                }
                Err(_) => {
                    tracing::error!("a write job panicked: its writes were rolled back");
                    (refused(reply, StoreError::JobPanicked), false)
                }
            }
        });
        self.tx
            .send(kind(job))
            .map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// On PostgreSQL, how many lanes apply the journal now (`apply_lanes::lanes_for`).
    pub fn apply_lanes(&self) -> Option<i64> {
        self.lanes.as_ref().map(|l| l.active())
    }

    /// Asks the thread to look at the journal for deliveries to apply.
    pub fn wake_backlog(&self) {
        match &self.lanes {
            Some(lanes) => lanes.wake(),
            None => {
                let _ = self.tx.send(Job::Backlog);
            }
        }
    }

    /// Asks the thread to end once the jobs queued before this are done.
    pub fn stop(&self) {
        if let Some(journal) = &self.journal {
            let _ = journal.send(AppendJob::Stop);
        }
        let _ = self.tx.send(Job::Stop);
    }
}

/// Opens the store and starts the writer thread. With `ingest`, it also applies pending journal
/// entries (the engine); without, it only runs the jobs it is given (a one-shot CLI command).
pub fn start(
    at: &crate::store_at::StoreAt,
    ingest: bool,
    cluster: Option<Arc<crate::cluster::Cluster>>,
) -> Result<(WriterHandle, std::thread::JoinHandle<()>), store::StoreError> {
    let conn = at.open_writer()?;
    // On SQLite, the engine's writer leaves copying the log into the database to a thread of
    // its own; a one-shot command's writer keeps SQLite's automatic checkpoints. PostgreSQL's
    // commit returns once its log is flushed: no helper is needed there.
    let sqlite = conn.as_sqlite().zip(at.sqlite_path());
    let checkpointer = match sqlite {
        Some((sqlite, db_path)) if ingest => Some(Checkpointer::start(db_path, sqlite)?),
        _ => None,
    };
    // The engine's writer commits without waiting for the disk, and a thread of its own syncs
    // the log before anyone hears back (`syncer`); a one-shot command's commits wait for it.
    let syncer = match sqlite {
        Some((sqlite, db_path)) if ingest => {
            store::wal::defer_log_sync(sqlite)?;
            Some(Syncer::start(db_path).map_err(|e| {
                store::StoreError::invalid(format!("could not start the sync thread: {e}"))
            })?)
        }
        _ => None,
    };
    let (tx, rx) = mpsc::channel();
    let events = EventSenders {
        all: broadcast::channel(4096).0,
        own: broadcast::channel(4096).0,
    };
    let stats = Arc::new(WriterStats::default());
    // A serving engine on PostgreSQL journals on connections of its own (`appender`) and
    // applies on others (`apply_lanes`).
    if let Some(c) = &cluster {
        c.start_notifier(at).map_err(not_started("notify"))?;
    }
    let (lanes, journal, appender_threads) =
        match cluster.clone().filter(|c| ingest && c.takes_work) {
            Some(c) => {
                let lanes = Arc::new(
                    Lanes::start(
                        apply_lanes::connect(at)?,
                        c.clone(),
                        stats.clone(),
                        events.clone(),
                    )
                    .map_err(not_started("apply"))?,
                );
                let woken = lanes.clone();
                let wake = Box::new(move || {
                    woken.wake();
                    c.notify(store::cluster::JOURNAL_CHANNEL);
                });
                let conns = (0..appender::JOURNAL_CONNECTIONS)
                    .map(|_| at.open_reader())
                    .collect::<Result<Vec<_>, _>>()?;
                let (journal, threads) =
                    appender::start(conns, stats.clone(), wake).map_err(not_started("journal"))?;
                (Some(lanes), Some(journal), threads)
            }
            None => (None, None, Vec::new()),
        };
    let handle = WriterHandle {
        tx,
        journal,
        lanes: lanes.clone(),
        stats: stats.clone(),
        events: events.all.clone(),
        own_events: events.own.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("wabox-writer".into())
        .spawn(move || {
            let mut ctx = WriterCtx::new(conn, cluster, store::cluster::Lane::ALL);
            let durability = Durability {
                checkpointer: checkpointer.as_ref(),
                syncer: syncer.as_ref(),
            };
            run_loop(
                &mut ctx,
                rx,
                ingest,
                lanes.as_deref(),
                &stats,
                &events,
                durability,
            );
            // The journal's thread was told to stop with this one: what it took commits, and
            // the lanes apply what they hold.
            for t in appender_threads {
                let _ = t.join();
            }
            if let Some(lanes) = &lanes {
                lanes.stop();
            }
            // Answer what waits for the disk before anything closes the store: the connection
            // closed last checkpoints and removes the log.
            drop(syncer);
            drop(checkpointer);
            drop(ctx);
        })
        .map_err(|e| {
            store::StoreError::invalid(format!("could not start the writer thread: {e}"))
        })?;
    Ok((handle, thread))
}

/// The error of a helper thread that could not be started.
fn not_started(what: &'static str) -> impl Fn(std::io::Error) -> StoreError {
    move |e| StoreError::invalid(format!("could not start the {what} thread: {e}"))
}

/// The engine writer's helpers on the way to disk: the thread that copies the log into the
/// database, and the one that syncs it before callers hear back.
#[derive(Clone, Copy)]
struct Durability<'a> {
    checkpointer: Option<&'a Checkpointer>,
    syncer: Option<&'a Syncer>,
}

fn run_loop(
    ctx: &mut WriterCtx,
    rx: mpsc::Receiver<Job>,
    ingest: bool,
    lanes: Option<&Lanes>,
    stats: &WriterStats,
    events: &EventSenders,
    Durability {
        checkpointer,
        syncer,
    }: Durability<'_>,
) {
    // With lanes, they apply the journal, and this thread does everything else.
    let ingest = ingest && lanes.is_none();
    // Entries left pending by a crash are processed first thing.
    let mut backlog = ingest;
    // Messages not in the search index yet are indexed when nothing else waits.
    let mut search_behind = true;
    // When the index last took a batch, or found nothing to take.
    let mut indexed_at = Instant::now();
    let search_batch = match ctx.conn.dialect() {
        store::db::Dialect::Sqlite => SEARCH_BATCH,
        store::db::Dialect::Postgres => SEARCH_BATCH_POSTGRES,
    };
    // Entries applied in a transaction left open for the next appends to commit in.
    let mut open: Option<OpenIngest> = None;
    // The last wake-up brought appends: under a stream of deliveries, the next are on their way.
    let mut arriving = false;
    loop {
        let first = if open.is_some() && arriving {
            // Wait a moment for the next appends, so they share the open transaction's commit.
            match rx.recv_timeout(APPEND_WAIT) {
                Ok(job) => Some(job),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else if backlog || open.is_some() {
            match rx.try_recv() {
                Ok(job) => Some(job),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => break,
            }
        } else if search_behind {
            // Index only after a quiet moment: under a burst of webhooks, acknowledging and
            // applying them comes first, and the index catches up when the burst ends.
            match rx.recv_timeout(SEARCH_QUIET) {
                Ok(job) => Some(job),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            // Wake now and then even when idle, so a backlog can never be stranded.
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(job) => Some(job),
                Err(RecvTimeoutError::Timeout) => {
                    backlog = ingest;
                    search_behind = true;
                    None
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        };
        let idle = first.is_none();
        // Whether this turn commits (or tries to): the log may have grown.
        let wrote = !idle || open.is_some();
        arriving = false;
        if let Some(first) = first {
            let mut appends = Vec::new();
            let mut runs = Vec::new();
            let mut firsts = Vec::new();
            let mut stop = false;
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Journal { arrival, reply } => appends.push((arrival, reply)),
                    Job::Run(f) => runs.push(f),
                    Job::RunFirst(f) => firsts.push(f),
                    Job::Backlog => backlog |= ingest,
                    Job::Stop => stop = true,
                }
                if !stop && appends.len() + runs.len() + firsts.len() < MAX_JOBS_PER_COMMIT {
                    next = rx.try_recv().ok();
                }
            }
            if !appends.is_empty() {
                let done = journal_commit::commit_appends(ctx, appends, open.take(), stats, syncer);
                search_behind |= done.committed;
                arriving = true;
                // A failed commit leaves what its open transaction applied pending again.
                backlog |= ingest && (done.left_pending || !done.committed);
                publish(ctx, events, syncer);
            } else if let Some(o) = open.take() {
                // A write job runs in a transaction of its own.
                search_behind |= journal_commit::commit(ctx, o, stats);
                publish(ctx, events, syncer);
            }
            // After the appends (the journal's answers come first on SQLite), before the rest.
            if !firsts.is_empty() {
                run_batch(ctx, firsts, events, stats, syncer);
            }
            if !runs.is_empty() {
                run_batch(ctx, runs, events, stats, syncer);
            }
            if stop {
                return;
            }
        } else if let Some(o) = open.take() {
            search_behind |= journal_commit::commit(ctx, o, stats);
            publish(ctx, events, syncer);
        }
        // No transaction is open here.
        if let Some(c) = checkpointer.filter(|_| wrote) {
            c.committed();
            if let Some(sqlite) = ctx.conn.as_sqlite() {
                c.restart_if_long(sqlite);
            }
        }
        // A stream with no quiet moment gets a batch indexed now and then all the same,
        // between two transactions.
        if search_behind && indexed_at.elapsed() >= SEARCH_MAX_WAIT {
            search_behind = index_batch(ctx, search_batch, checkpointer);
            indexed_at = Instant::now();
        }
        if backlog {
            match journal_commit::begin(ctx, INGEST_BATCH) {
                Ok(o) => {
                    backlog = o.as_ref().is_some_and(|o| o.applied() == INGEST_BATCH);
                    open = o;
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not process the journal; retrying shortly");
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        } else if search_behind
            && idle
            && open.is_none()
            && lanes.is_none_or(|l| l.quiet_for(SEARCH_QUIET))
            && ctx
                .cluster
                .as_ref()
                .is_none_or(|c| c.journal_quiet_for(SEARCH_QUIET))
        {
            search_behind = index_batch(ctx, search_batch, checkpointer);
            indexed_at = Instant::now();
        }
    }
    // The job queue is gone: what was applied still commits.
    if let Some(o) = open.take() {
        journal_commit::commit(ctx, o, stats);
        publish(ctx, events, syncer);
    }
}

/// Indexes a batch of messages for search; whether more may wait.
fn index_batch(ctx: &mut WriterCtx, batch: usize, checkpointer: Option<&Checkpointer>) -> bool {
    match store::search::index_pending(&mut ctx.conn, batch) {
        Ok(n) => {
            if let Some(c) = checkpointer.filter(|_| n > 0) {
                c.committed();
            }
            n == batch
        }
        Err(e) => {
            tracing::error!(error = %e, "could not update the search index");
            false
        }
    }
}

/// Runs jobs in one transaction and answers them after its commit.
fn run_batch(
    ctx: &mut WriterCtx,
    runs: Vec<WriteFn>,
    events: &EventSenders,
    stats: &WriterStats,
    syncer: Option<&Syncer>,
) {
    if let Err(e) = ctx.conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(error = %e, count = runs.len(), "could not start a write transaction; its jobs fail");
        // Run outside a transaction, a job's first statements would commit even when a later
        // one failed: none runs, and each caller hears that nothing was written.
        let e = Arc::new(e);
        for f in runs {
            let (reply, _) = f(Err(StoreError::NotStarted(e.clone())));
            reply(Err(StoreError::NotStarted(e.clone())));
        }
        return;
    }
    let events_before = ctx.events.len();
    let count = runs.len();
    let mut opened = open_savepoint(ctx);
    let mut replies: Vec<Reply> = Vec::with_capacity(count);
    for (k, f) in runs.into_iter().enumerate() {
        let (reply, next) = run_one(ctx, f, opened, k + 1 < count);
        replies.push(reply);
        opened = next;
    }
    let shared = ctx.share_events(events_before);
    let committed = match shared
        .map_err(journal_commit::db_error)
        .and_then(|()| ctx.conn.execute_batch("COMMIT"))
    {
        Ok(()) => None,
        Err(e) => {
            tracing::error!(error = %e, "a write transaction could not be committed; rolled back");
            let _ = ctx.conn.execute_batch("ROLLBACK");
            ctx.events.clear();
            Some(Arc::new(e))
        }
    };
    // Before anyone hears back, so a cached answer read after this reply is already stale.
    if committed.is_none()
        && ctx
            .events
            .iter()
            .any(|e| matches!(e, StoreEvent::DirectoryChanged))
    {
        stats.directory.fetch_add(1, Ordering::SeqCst);
    }
    match committed {
        // Each caller hears back once its writes are on disk.
        None => {
            let answers = replies
                .into_iter()
                .map(|reply| Box::new(move || reply(Ok(()))) as Answer);
            syncer::when_durable(syncer, answers.collect());
        }
        Some(e) => {
            for reply in replies {
                reply(Err(StoreError::NotCommitted(e.clone())));
            }
        }
    }
    publish(ctx, events, syncer);
}

/// The answer of a job whose writes were not made, whatever became of the transaction.
fn refused<R: Send + 'static>(reply: oneshot::Sender<store::Result<R>>, why: StoreError) -> Reply {
    Box::new(move |_| {
        let _ = reply.send(Err(why));
    })
}

const OPEN_JOB: &str = "SAVEPOINT writer_job";

/// Opens a job's savepoint on its own (the first of a batch, or after a failed close).
fn open_savepoint(ctx: &mut WriterCtx) -> Result<(), Arc<store::db::Error>> {
    ctx.conn.execute_batch(OPEN_JOB).map_err(|e| {
        tracing::error!(error = %e, "could not open a job's savepoint; the job fails");
        Arc::new(e)
    })
}

/// One job in its own savepoint (`opened`: whether opening it worked): a job that panicked
/// leaves neither writes nor events behind, and the others of the batch commit as if it had not
/// run. With a job after it, closing this one's savepoint opens the next one's in the same round
/// trip: on PostgreSQL each is one, and a queued send is only three or four statements besides.
/// Returns the reply, and (with a job after it) whether the next savepoint is open.
fn run_one(
    ctx: &mut WriterCtx,
    f: WriteFn,
    opened: Result<(), Arc<store::db::Error>>,
    another: bool,
) -> (Reply, Result<(), Arc<store::db::Error>>) {
    let events_before = ctx.events.len();
    if let Err(e) = opened {
        let reply = f(Err(StoreError::NotStarted(e))).0;
        let next = match another {
            true => open_savepoint(ctx),
            false => Ok(()),
        };
        return (reply, next);
    }
    let (reply, keep) = f(Ok(ctx));
    let close = match keep {
        true => "RELEASE writer_job",
        false => {
            ctx.events.truncate(events_before);
            "ROLLBACK TO writer_job; RELEASE writer_job"
        }
    };
    if !another {
        if let Err(e) = ctx.conn.execute_batch(close) {
            tracing::error!(error = %e, "could not close a job's savepoint");
        }
        return (reply, Ok(()));
    }
    let next = match ctx.conn.execute_batch(&format!("{close}; {OPEN_JOB}")) {
        Ok(()) => Ok(()),
        Err(e) => {
            // Which of the two failed is not known: the next job opens its own, or fails.
            tracing::error!(error = %e, "could not close a job's savepoint");
            open_savepoint(ctx)
        }
    };
    (reply, next)
}

/// Broadcasts the events of what was just committed, once it is durable and after the callers
/// heard back, as before the log was synced on a thread of its own: no subscriber (the
/// scheduler, an inbox) is told of a write that a crash could still undo. (A reader can still
/// see it sooner: SQLite shows a commit to every connection at once. The outbox sends only
/// what it marked through the writer, so after that mark is durable.)
pub(super) fn publish(ctx: &mut WriterCtx, events: &EventSenders, syncer: Option<&Syncer>) {
    if ctx.events.is_empty() {
        return;
    }
    let batch = std::mem::take(&mut ctx.events);
    // They were written for the other engines with the commit (`share_events`): wake them.
    if let Some(c) = &ctx.cluster {
        c.notify(store::cluster::EVENTS_CHANNEL);
    }
    let events = events.clone();
    syncer::when_durable(
        syncer,
        vec![Box::new(move || {
            for e in batch {
                // No subscriber is fine: events are a courtesy, the store is the truth.
                if events.own.receiver_count() > 0 {
                    let _ = events.own.send(e.clone());
                }
                let _ = events.all.send(e);
            }
        })],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_writer(dir: &tempfile::TempDir) -> (WriterHandle, std::thread::JoinHandle<()>) {
        let at = crate::store_at::StoreAt::Sqlite(dir.path().join("wabox.db"));
        start(&at, false, None).unwrap()
    }

    /// A job that holds the writer a moment, so that the jobs queued after it share one wake-up.
    fn hold(writer: &WriterHandle) -> impl std::future::Future<Output = store::Result<()>> + '_ {
        writer.run(|_| {
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        })
    }

    fn probe_tables(conn: &Connection) -> i64 {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'probe%'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(-1)
    }

    #[tokio::test]
    async fn a_panicking_job_is_rolled_back_and_the_writer_lives_on() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _thread) = sqlite_writer(&dir);
        let mut seen = writer.events.subscribe();
        let before = writer.run(|ctx| Ok(probe_tables(&ctx.conn))).await.unwrap();
        let failed = writer
            .run(|ctx| -> store::Result<()> {
                ctx.conn.execute_batch("CREATE TABLE probe_a(x)").unwrap();
                ctx.events.push(StoreEvent::DirectoryChanged);
                panic!("a bug in a job");
            })
            .await;
        let Err(StoreError::JobPanicked) = failed else {
            panic!("the panicked job was answered {failed:?}");
        };
        let why = StoreError::JobPanicked.to_string();
        assert!(why.contains("nothing of it was kept"), "{why}");
        // The writer still runs jobs, and nothing of the panicked one is left, not its event.
        let kept = writer
            .run(|ctx| {
                ctx.conn.execute_batch("CREATE TABLE probe_b(x)")?;
                Ok(probe_tables(&ctx.conn))
            })
            .await
            .unwrap();
        assert_eq!(kept, before + 1, "only probe_b: probe_a was rolled back");
        assert!(
            seen.try_recv().is_err(),
            "the panicked job's event was not sent"
        );
        writer.stop();
    }

    #[tokio::test]
    async fn a_job_that_fails_half_way_keeps_nothing_and_sends_no_event() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _thread) = sqlite_writer(&dir);
        let mut seen = writer.events.subscribe();
        let failed: store::Result<()> = writer
            .run(|ctx| {
                ctx.conn.execute_batch("CREATE TABLE probe_half(x)")?;
                ctx.events.push(StoreEvent::DirectoryChanged);
                Err(StoreError::invalid("a check after the first write refused"))
            })
            .await;
        assert!(
            matches!(&failed, Err(StoreError::Invalid(why)) if why.english().contains("refused")),
            "the job's own error comes back as it was: {failed:?}"
        );
        let left = writer.run(|ctx| Ok(probe_tables(&ctx.conn))).await.unwrap();
        assert_eq!(left, 0, "the first write went with the job");
        assert!(
            seen.try_recv().is_err(),
            "no event of a job that kept nothing"
        );
        writer.stop();
    }

    /// Closing a job's savepoint and opening the next one's share a round trip: a job that
    /// failed in the store (which leaves a PostgreSQL transaction refusing everything until its
    /// savepoint is rolled back) or panicked costs only itself, on either store.
    #[tokio::test]
    async fn a_batch_with_a_failed_and_a_panicked_job_keeps_the_others_on_each_store() {
        crate::test_stores::on_each_store(|url| async move {
            let dir = tempfile::tempdir().unwrap();
            let at = match url {
                Some(url) => crate::store_at::StoreAt::Postgres(wabox_secret::Secret::new(url)),
                None => crate::store_at::StoreAt::Sqlite(dir.path().join("wabox.db")),
            };
            let (writer, _thread) = start(&at, false, None).unwrap();
            writer
                .run(|ctx| {
                    Ok(ctx
                        .conn
                        .execute_batch("CREATE TABLE probe_batch (job TEXT)")?)
                })
                .await
                .unwrap();
            let insert = |ctx: &mut WriterCtx, job: &str| {
                ctx.conn
                    .execute("INSERT INTO probe_batch (job) VALUES (?1)", [job])
                    .map(|_| ())
            };
            let hold = hold(&writer);
            let a = writer.run(move |ctx| Ok(insert(ctx, "a")?));
            let b = writer.run(move |ctx| -> store::Result<()> {
                insert(ctx, "b")?;
                ctx.conn.execute_batch("SELECT * FROM no_such_table")?;
                Ok(())
            });
            let c = writer.run(move |ctx| -> store::Result<()> {
                insert(ctx, "c")?;
                panic!("the third job");
            });
            let d = writer.run(move |ctx| Ok(insert(ctx, "d")?));
            let e = writer.run(move |ctx| Ok(insert(ctx, "e")?));
            let (hold, a, b, c, d, e) = tokio::join!(hold, a, b, c, d, e);
            assert!(
                hold.is_ok() && a.is_ok() && d.is_ok() && e.is_ok(),
                "{a:?} {d:?} {e:?}"
            );
            assert!(b.is_err(), "the job whose statement failed hears so: {b:?}");
            assert!(matches!(c, Err(StoreError::JobPanicked)), "{c:?}");
            let kept: Vec<String> = writer
                .run(|ctx| {
                    let mut st = ctx
                        .conn
                        .prepare("SELECT job FROM probe_batch ORDER BY job")?;
                    Ok(st
                        .query_map([], |r| r.get(0))?
                        .collect::<Result<Vec<String>, _>>()?)
                })
                .await
                .unwrap();
            assert_eq!(kept, ["a", "d", "e"]);
            writer.stop();
        })
        .await;
    }

    #[tokio::test]
    async fn a_job_run_first_goes_before_the_jobs_queued_ahead_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _thread) = sqlite_writer(&dir);
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mark = |name: &'static str| {
            let order = order.clone();
            move |_: &mut WriterCtx| {
                order.lock().unwrap().push(name);
                Ok(())
            }
        };
        let hold = hold(&writer);
        let (hold, a, b, first) = tokio::join!(
            hold,
            writer.run(mark("a")),
            writer.run(mark("b")),
            writer.run_first(mark("first"))
        );
        assert!(hold.is_ok() && a.is_ok() && b.is_ok() && first.is_ok());
        assert_eq!(*order.lock().unwrap(), ["first", "a", "b"]);
        writer.stop();
    }

    #[tokio::test]
    async fn jobs_of_one_batch_stand_or_fall_alone() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, _thread) = sqlite_writer(&dir);
        // Queued together, these share a transaction: the panic in the middle costs only its job.
        let a = writer.run(|ctx| Ok(ctx.conn.execute_batch("CREATE TABLE probe_1(x)")?));
        let b = writer.run(|ctx| -> store::Result<()> {
            ctx.conn.execute_batch("CREATE TABLE probe_2(x)")?;
            panic!("the middle job");
        });
        let c = writer.run(|ctx| Ok(ctx.conn.execute_batch("CREATE TABLE probe_3(x)")?));
        let (a, b, c) = tokio::join!(a, b, c);
        assert!(a.is_ok() && c.is_ok());
        assert!(matches!(b, Err(StoreError::JobPanicked)), "{b:?}");
        let names: Vec<String> = writer
            .run(|ctx| {
                let mut st = ctx
                    .conn
                    .prepare(
                        "SELECT name FROM sqlite_master WHERE name LIKE 'probe%' ORDER BY name",
                    )
                    .unwrap();
                Ok(st
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()?)
            })
            .await
            .unwrap();
        assert_eq!(names, ["probe_1", "probe_3"]);
        writer.stop();
    }
}
