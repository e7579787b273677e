//! `wabox bench`: measured, not asserted. See the README for the figures.
//!
//! `wabox bench ingest` runs, in one process and over loopback only:
//! 1. `ceiling-http`: an axum server answering 200 at once, to see what HTTP alone allows;
//! 2. `ceiling-sqlite`: plain batched inserts of the rows the deliveries become;
//! 3. `ack`: the real engine on an empty store, 200 only after the journal commit;
//! 4. `process`: the real engine on a prefilled store, until every delivery is in the store,
//!    checked by counting rows;
//!
//! and samples memory throughout. The load generator shares the machine's cores with the engine,
//! as a reverse proxy or a second service would in production.

mod deliveries;
mod fanout;
mod load;
mod prefill;
#[path = "ingest/report.rs"] // Until the ingest bench moves there (next commit).
mod report;
mod send;
pub mod sequences;
mod sys;
pub mod tui;

use crate::config::Config;
use crate::domain::ConnectionKind;
use crate::engine::api::Caller;
use crate::engine::lock::{EngineLock, Holder};
use crate::engine::writer::WriterStats;
use crate::engine::{Engine, EngineMode};
use crate::protocol::{Request, Response};
use crate::secret::Secret;
use anyhow::Context as _;
use clap::{Subcommand, ValueEnum};
use deliveries::DeliveryGen;
use load::{LoadResult, Progress};
use report::{
    AckPhase, BacklogSummary, CpuUse, HttpCeiling, HttpFigures, ProcessPhase, Report, RssSummary,
    Sample, Setup,
};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Idle inboxes while customers write: the engine's CPU against its CPU with none, event
    /// to inbox latency, bytes per message per inbox, and resyncs.
    Fanout(fanout::FanoutOptions),
    /// The inbox on a big store: first frame, opening a conversation, key to frame, search,
    /// memory, and bytes to the terminal per incoming message.
    Tui(tui::TuiBenchOptions),
    /// The sequence scheduler: enrollments advanced per second, and how late a due step runs
    /// with 100,000 active enrollments.
    Sequences(sequences::SequencesBenchOptions),
    /// Sending: the outbox against the simulated Cloud API, four numbers at their rate limits,
    /// and the time from queueing to the simulator at low load.
    Send {
        /// Messages queued at once, spread over the four numbers.
        #[arg(long, default_value_t = 10_000)]
        messages: usize,
        /// Conversations per number the messages are spread over.
        #[arg(long, default_value_t = 1_000)]
        customers_per_number: usize,
        /// Messages sent one at a time (10 a second) to time queue → simulator.
        #[arg(long, default_value_t = 200)]
        low_load_messages: usize,
        #[arg(long)]
        json: bool,
    },
    /// Webhook ingestion: acknowledgements and processing over loopback.
    ///
    /// Runs the HTTP and SQLite ceilings, then the engine on an empty store (acknowledged/s and
    /// time to answer) and on a prefilled one (fully processed/s, journal backlog), and prints a
    /// table with the targets met or not.
    Ingest {
        /// Deliveries sent in the ack phase, and again in the process phase.
        #[arg(long, default_value_t = 100_000)]
        deliveries: u64,
        /// Concurrent keep-alive HTTP/1.1 connections.
        #[arg(long, default_value_t = 32)]
        connections: usize,
        /// Messages in the store before the process phase (cached under target/bench-cache/).
        #[arg(long, default_value_t = 1_000_000)]
        prefill_messages: u64,
        /// Business numbers the deliveries are spread over.
        #[arg(long, default_value_t = 5)]
        numbers: u64,
        /// Where the bench's stores go (default: a temporary dir, removed at the end).
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Print the figures as JSON instead of a table (progress still goes to stderr).
        #[arg(long)]
        json: bool,
        /// Requests of the HTTP ceiling, and rows of the SQLite ceiling.
        #[arg(long, default_value_t = 100_000)]
        ceiling_count: u64,
        /// Customers writing to each number.
        #[arg(long, default_value_t = 10_000)]
        customers_per_number: u64,
        /// Size of each delivery's JSON body, in bytes.
        #[arg(long, default_value_t = 1_536)]
        body_bytes: usize,
        /// Offer the process phase's deliveries at this rate (per second) instead of as fast
        /// as they are acknowledged, e.g. to watch the backlog at a given arrival rate.
        #[arg(long, value_name = "PER_SECOND")]
        process_rate: Option<u64>,
        /// Phases to run, comma-separated.
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = Phase::ALL)]
        phases: Vec<Phase>,
        /// Prefill a processed journal entry for every prefilled message too, as a store that
        /// received them all by webhook (and never pruned its journal) would hold.
        #[arg(long)]
        prefill_journal: bool,
        /// Build the prefilled store even if a cached copy exists, and do not cache it.
        #[arg(long)]
        no_cache: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    CeilingHttp,
    CeilingSqlite,
    Ack,
    Process,
}

impl Phase {
    const ALL: [Phase; 4] = [
        Phase::CeilingHttp,
        Phase::CeilingSqlite,
        Phase::Ack,
        Phase::Process,
    ];
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Every variant has a name: ValueEnum derives one for each.
        match self.to_possible_value() {
            Some(v) => f.write_str(v.get_name()),
            None => write!(f, "{self:?}"),
        }
    }
}

struct Options {
    deliveries: u64,
    connections: usize,
    prefill_messages: u64,
    numbers: u64,
    data_dir: Option<PathBuf>,
    json: bool,
    ceiling_count: u64,
    customers_per_number: u64,
    body_bytes: usize,
    process_rate: Option<u64>,
    phases: Vec<Phase>,
    prefill_journal: bool,
    no_cache: bool,
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Tui(options) => tui::run(options).await,
        BenchCommand::Fanout(options) => fanout::run(options).await,
        BenchCommand::Sequences(options) => sequences::run(options).await,
        BenchCommand::Send {
            messages,
            customers_per_number,
            low_load_messages,
            json,
        } => {
            send::run(send::SendBenchOptions {
                messages,
                customers_per_number,
                low_load_messages,
                json,
            })
            .await
        }
        BenchCommand::Ingest {
            deliveries,
            connections,
            prefill_messages,
            numbers,
            data_dir,
            json,
            ceiling_count,
            customers_per_number,
            body_bytes,
            process_rate,
            phases,
            prefill_journal,
            no_cache,
        } => {
            let work = ingest(Options {
                deliveries,
                connections,
                prefill_messages,
                numbers,
                data_dir,
                json,
                ceiling_count,
                customers_per_number,
                body_bytes,
                process_rate,
                phases,
                prefill_journal,
                no_cache,
            });
            // Dropping the work on Ctrl-C drops its temporary dir, which removes the stores
            // (gigabytes after a long run).
            tokio::select! {
                r = work => r,
                signal = interrupted() => anyhow::bail!(
                    "{signal}: stopped; the bench's temporary stores were removed"
                ),
            }
        }
    }
}

/// Resolves on SIGINT or SIGTERM, naming it.
async fn interrupted() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            _ = tokio::signal::ctrl_c() => "interrupted",
            _ = term.recv() => "terminated",
        },
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            "interrupted"
        }
    }
}

/// The bench's own dir: a temporary one removed at the end, or the one given (kept).
struct BenchDir {
    root: PathBuf,
    temporary: bool,
}

const MARKER: &str = ".wabox-bench";

impl BenchDir {
    fn new(given: Option<PathBuf>) -> anyhow::Result<BenchDir> {
        let (root, temporary) = match given {
            Some(d) => (d, false),
            None => (
                std::env::temp_dir().join(format!(
                    "wabox-bench-{}-{:08x}",
                    std::process::id(),
                    rand::random::<u32>()
                )),
                true,
            ),
        };
        if root.exists() {
            let empty = std::fs::read_dir(&root)
                .with_context(|| format!("reading {}", root.display()))?
                .next()
                .is_none();
            if !empty && !root.join(MARKER).exists() {
                anyhow::bail!(
                    "{} holds files the bench did not make: give an empty or new dir to --data-dir (the bench replaces what is in it)",
                    root.display()
                );
            }
        }
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        std::fs::write(root.join(MARKER), "made by `wabox bench`; safe to delete\n")?;
        Ok(BenchDir { root, temporary })
    }

    /// A fresh subdir for one phase (whatever a previous run left there is removed).
    fn phase(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.root.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
        crate::engine::ensure_data_dir(&dir)?;
        Ok(dir)
    }
}

impl Drop for BenchDir {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}

/// Progress for the person waiting, on stderr (stdout is the table or the JSON).
macro_rules! say {
    ($($t:tt)*) => { eprintln!("[bench] {}", format!($($t)*)) };
}

async fn ingest(o: Options) -> anyhow::Result<()> {
    if o.connections == 0 || o.numbers == 0 || o.customers_per_number == 0 {
        anyhow::bail!("--connections, --numbers and --customers-per-number must be at least 1");
    }
    if o.body_bytes < 700 {
        anyhow::bail!("--body-bytes must be at least 700 (the JSON around the text takes ~650)");
    }
    let dir = BenchDir::new(o.data_dir.clone())?;
    let secret = hex::encode(rand::random::<[u8; 16]>());
    let run = format!("{:06X}", rand::random::<u32>() & 0xFF_FFFF);
    let now = crate::domain::time::now_unix();
    let customers = o.numbers * o.customers_per_number;
    let generator = |phase: &str| {
        Arc::new(DeliveryGen::new(
            o.numbers,
            o.customers_per_number,
            secret.as_bytes(),
            format!("{phase}{run}"),
            rand::random(),
            o.body_bytes,
            now,
        ))
    };
    let mut report = Report {
        setup: Setup {
            deliveries: o.deliveries,
            connections: o.connections,
            numbers: o.numbers,
            customers_per_number: o.customers_per_number,
            body_bytes: o.body_bytes,
            ceiling_count: o.ceiling_count,
            prefill_messages: o.prefill_messages,
            process_rate: o.process_rate,
            cpus: sys::cpus(),
            load_average_at_start: sys::load_average(),
            data_dir: dir.root.display().to_string(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        prefill: None,
        ceiling_http: None,
        ceiling_sqlite: None,
        ack: None,
        process: None,
        memory: Vec::new(),
        targets: Vec::new(),
        problems: Vec::new(),
        notes: Vec::new(),
    };
    report.memory_at("start");
    let wants = |p: Phase| o.phases.contains(&p);

    let process_dir = if wants(Phase::Process) {
        let d = dir.phase("process")?;
        let shape = prefill::Shape::for_messages(
            o.prefill_messages,
            o.numbers,
            customers,
            o.prefill_journal,
        );
        let cache = if o.no_cache {
            None
        } else {
            prefill::default_cache_dir()
        };
        say!(
            "prefill: a store of {} messages (cache: {})",
            o.prefill_messages,
            cache
                .as_ref()
                .map(|c| c.display().to_string())
                .unwrap_or_else(|| "none".into())
        );
        let db = crate::engine::db_path(&d);
        let scratch = dir.root.clone();
        let quiet = false;
        let info = tokio::task::spawn_blocking(move || {
            prefill::prepare(&db, &shape, cache.as_deref(), &scratch, quiet)
        })
        .await??;
        say!(
            "prefill: ready ({})",
            match info.copy_seconds {
                Some(c) => format!(
                    "copied from the cache in {c:.1} s; building it took {:.1} s",
                    info.build_seconds
                ),
                None => format!("built in {:.1} s", info.build_seconds),
            }
        );
        report.prefill = Some(info);
        report.memory_at("after prefill");
        Some(d)
    } else {
        None
    };

    if wants(Phase::CeilingHttp) {
        say!(
            "ceiling-http: {} requests to an axum handler that answers 200 at once",
            o.ceiling_count
        );
        let c = ceiling_http(&o, generator("H")).await?;
        say!(
            "ceiling-http: {:.0} req/s, p99 {:.2} ms",
            c.http.ok_per_second,
            c.http.p99_ms
        );
        check_http(
            "ceiling-http",
            o.ceiling_count,
            &c.http,
            &mut report.problems,
        );
        report.ceiling_http = Some(c);
        report.memory_at("after ceiling-http");
    }

    if wants(Phase::CeilingSqlite) {
        say!(
            "ceiling-sqlite: {} message rows, {} per transaction, synchronous=FULL",
            o.ceiling_count,
            prefill::CEILING_BATCH
        );
        let db = crate::engine::db_path(&dir.phase("ceiling-sqlite")?);
        let g = generator("S");
        let (numbers, rows) = (o.numbers, o.ceiling_count);
        let c = tokio::task::spawn_blocking(move || {
            prefill::sqlite_ceiling(&db, numbers, customers, &g, rows, now)
        })
        .await??;
        say!("ceiling-sqlite: {:.0} rows/s", c.rows_per_second);
        report.ceiling_sqlite = Some(c);
        report.memory_at("after ceiling-sqlite");
        let _ = std::fs::remove_dir_all(dir.root.join("ceiling-sqlite"));
    }

    if wants(Phase::Ack) {
        say!(
            "ack: {} deliveries to the engine on an empty store",
            o.deliveries
        );
        let a = ack_phase(&o, &dir.phase("ack")?, &secret, generator("A")).await?;
        say!(
            "ack: {:.0} acked/s, p50 {:.2} ms, p99 {:.2} ms",
            a.http.ok_per_second,
            a.http.p50_ms,
            a.http.p99_ms
        );
        check_http("ack", o.deliveries, &a.http, &mut report.problems);
        report.ack = Some(a);
        report.memory_at("after ack");
        if dir.temporary {
            let _ = std::fs::remove_dir_all(dir.root.join("ack"));
        }
    }

    if let Some(d) = process_dir {
        say!(
            "process: {} deliveries to the engine on the prefilled store, until all are in it",
            o.deliveries
        );
        let p = process_phase(&o, &d, &secret, generator("P")).await?;
        say!(
            "process: {:.0} processed/s, {:.0} acked/s",
            p.processed_per_second,
            p.http.ok_per_second
        );
        check_http("process", o.deliveries, &p.http, &mut report.problems);
        if !p.verified {
            report.problems.push(format!(
                "process: {} deliveries acknowledged, {} processed ({} unrouted, {} invalid), {} new rows in the store of which {} carry this run's wamids: deliveries were lost or duplicated",
                p.http.ok, p.processed, p.unrouted, p.invalid, p.new_messages_counted, p.new_messages_of_this_run
            ));
        }
        report.process = Some(p);
        report.memory_at("after process");
    }

    report.judge();
    if o.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print_table();
    }
    if !report.problems.is_empty() {
        anyhow::bail!(
            "the bench saw problems (above): its figures cannot be trusted: {}",
            report.problems.join("; ")
        );
    }
    Ok(())
}

fn check_http(phase: &str, sent_wanted: u64, h: &HttpFigures, problems: &mut Vec<String>) {
    if h.requests < sent_wanted {
        problems.push(format!(
            "{phase}: only {} of {sent_wanted} deliveries were sent: the connections gave up on a server that stopped answering (first error: {})",
            h.requests,
            h.first_error.as_deref().unwrap_or("none")
        ));
    }
    if h.non_200_total() > 0 || h.errors > 0 {
        problems.push(format!(
            "{phase}: {} of {} deliveries were not answered 200 ({:?} non-200, {} errors; first error: {})",
            h.requests - h.ok,
            h.requests,
            h.non_200,
            h.errors,
            h.first_error.as_deref().unwrap_or("none")
        ));
    }
}

/// CPU counters at the start of a phase.
struct CpuMark {
    at: Instant,
    process: f64,
    machine: f64,
}

impl CpuMark {
    fn now() -> CpuMark {
        CpuMark {
            at: Instant::now(),
            process: sys::process_cpu(),
            machine: sys::machine_busy(),
        }
    }

    /// CPU use since the mark; the writer thread's time is its whole life (it started with the
    /// phase's engine).
    fn since(&self) -> CpuUse {
        CpuUse::new(
            self.at.elapsed().as_secs_f64(),
            sys::process_cpu() - self.process,
            sys::threads_cpu(WRITER_THREAD),
            sys::machine_busy() - self.machine,
        )
    }
}

/// The writer thread's name (see `engine::writer::start`).
const WRITER_THREAD: &str = "wabox-writer";

async fn ceiling_http(o: &Options, generator: Arc<DeliveryGen>) -> anyhow::Result<HttpCeiling> {
    use axum::http::StatusCode;
    let app = axum::Router::new()
        .route(
            "/webhook",
            axum::routing::post(|_body: axum::body::Bytes| async { StatusCode::OK }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::webhook::http::MAX_BODY_BYTES,
        ));
    let tcp = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = tcp.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(tcp, app).await;
    });
    let mark = CpuMark::now();
    let load = load::drive(
        addr,
        o.ceiling_count,
        o.connections,
        generator,
        Arc::new(Progress::default()),
        None,
    )
    .await;
    let mut cpu = mark.since();
    cpu.writer_cpu_seconds = 0.0;
    cpu.writer_core_share = 0.0;
    server.abort();
    let _ = server.await;
    Ok(HttpCeiling {
        http: HttpFigures::from_load(&load),
        cpu,
    })
}

/// An engine started as `wabox serve` starts it, on port 0.
struct Running {
    engine: Arc<Engine>,
    lock: EngineLock,
    addr: SocketAddr,
    http: tokio::task::JoinHandle<()>,
}

async fn start_engine(dir: &Path, secret: &str) -> anyhow::Result<Running> {
    let config = Config::loopback(
        dir,
        Some(Secret::new(secret)),
        Some(Secret::new("wabox-bench-verify")),
        "https://graph.facebook.com",
    );
    crate::engine::ensure_data_dir(dir)?;
    let lock = EngineLock::acquire(dir, Holder::Engine, Duration::ZERO)?;
    let listen = config.listen;
    let engine = Engine::start(config, EngineMode::Serve)?;
    let (addr, http) = crate::engine::serve::spawn_webhook_listener(&engine, listen).await?;
    Ok(Running {
        engine,
        lock,
        addr,
        http,
    })
}

impl Running {
    /// Stops taking deliveries, then stops the writer after what it was given, and lets go of
    /// the lock.
    async fn stop(self) -> anyhow::Result<()> {
        self.http.abort();
        let _ = self.http.await;
        let engine = self.engine;
        tokio::task::spawn_blocking(move || engine.shutdown()).await?;
        drop(self.lock);
        Ok(())
    }
}

/// Adds the bench tenant and its numbers through the client API, as an admin would.
async fn register_numbers(engine: &Arc<Engine>, numbers: u64) -> anyhow::Result<()> {
    let caller = Caller::current();
    engine
        .handle(
            &caller,
            Request::AddTenant {
                name: deliveries::TENANT.into(),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("adding the bench tenant: {e}"))?;
    for n in 0..numbers {
        engine
            .handle(
                &caller,
                Request::AddNumber {
                    tenant: deliveries::TENANT.into(),
                    phone_number_id: deliveries::phone_number_id(n),
                    waba_id: deliveries::WABA_ID.into(),
                    display_phone: deliveries::display_phone(n),
                    connection: ConnectionKind::Dedicated,
                    access_token: None,
                    business_id: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("adding bench number {n}: {e}"))?;
    }
    Ok(())
}

/// Samples the writer's counters and memory every second while a phase runs.
struct Monitor {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Vec<Sample>>,
}

fn done(s: &WriterStats) -> u64 {
    s.processed.load(Ordering::Relaxed)
        + s.unrouted.load(Ordering::Relaxed)
        + s.invalid.load(Ordering::Relaxed)
}

fn sample(started: Instant, stats: &WriterStats, progress: &Progress) -> Sample {
    let journaled = stats.journaled.load(Ordering::Relaxed);
    let done = done(stats);
    Sample {
        t_seconds: started.elapsed().as_secs_f64(),
        answered: progress.answered.load(Ordering::Relaxed),
        journaled,
        done,
        backlog: journaled.saturating_sub(done),
        rss_kib: sys::rss().rss_kib,
        other_programs_cores: 0.0,
    }
}

/// CPU seconds of the machine and of this process, to tell what other programs took.
fn cpu_now() -> (f64, f64) {
    (sys::machine_busy(), sys::process_cpu())
}

impl Monitor {
    /// Also tells the person waiting how the phase goes, every `REPORT_EVERY` samples.
    fn start(
        phase: &'static str,
        started: Instant,
        stats: Arc<WriterStats>,
        progress: Arc<Progress>,
    ) -> Monitor {
        const REPORT_EVERY: usize = 10;
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let mut samples: Vec<Sample> = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await; // the first tick is immediate
            let mut last = (started.elapsed().as_secs_f64(), cpu_now());
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        let mut s = sample(started, &stats, &progress);
                        let cpu = cpu_now();
                        let other = (cpu.0 - last.1.0) - (cpu.1 - last.1.1);
                        s.other_programs_cores = (other / (s.t_seconds - last.0).max(1e-9)).max(0.0);
                        last = (s.t_seconds, cpu);
                        samples.push(s);
                        if samples.len().is_multiple_of(REPORT_EVERY) {
                            let before = samples[samples.len() - REPORT_EVERY];
                            let dt = (s.t_seconds - before.t_seconds).max(1e-9);
                            say!(
                                "{phase}: {:.0} s: {} answered ({:.0}/s lately), {} processed ({:.0}/s lately), backlog {}, RSS {} MiB, other programs {:.2} cores",
                                s.t_seconds,
                                s.answered,
                                (s.answered - before.answered) as f64 / dt,
                                s.done,
                                (s.done - before.done) as f64 / dt,
                                s.backlog,
                                s.rss_kib / 1024,
                                s.other_programs_cores
                            );
                        }
                    }
                    _ = &mut stopped => break,
                }
            }
            samples.push(sample(started, &stats, &progress));
            samples
        });
        Monitor { stop, task }
    }

    async fn finish(self) -> Vec<Sample> {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}

async fn ack_phase(
    o: &Options,
    dir: &Path,
    secret: &str,
    generator: Arc<DeliveryGen>,
) -> anyhow::Result<AckPhase> {
    let running = start_engine(dir, secret).await?;
    register_numbers(&running.engine, o.numbers).await?;
    let stats = running.engine.writer.stats.clone();
    let journaled0 = stats.journaled.load(Ordering::Relaxed);
    let commits0 = stats.commits.load(Ordering::Relaxed);
    let progress = Arc::new(Progress::default());
    let rss0 = sys::rss();
    let mark = CpuMark::now();
    let monitor = Monitor::start("ack", mark.at, stats.clone(), progress.clone());
    let load = load::drive(
        running.addr,
        o.deliveries,
        o.connections,
        generator,
        progress,
        None,
    )
    .await;
    let cpu = mark.since();
    let at_end = sample(mark.at, &stats, &Progress::default());
    let samples = monitor.finish().await;
    let journaled = stats.journaled.load(Ordering::Relaxed) - journaled0;
    let commits = stats.commits.load(Ordering::Relaxed) - commits0;
    let processed = done(&stats);
    running.stop().await?;
    let rss = RssSummary::of(&samples, o.deliveries, rss0, sys::rss());
    Ok(AckPhase {
        http: HttpFigures::from_load(&load),
        journaled,
        commits,
        deliveries_per_commit: journaled as f64 / commits.max(1) as f64,
        processed,
        backlog: BacklogSummary::of(&samples, at_end.backlog),
        cpu,
        rss,
        samples,
    })
}

async fn process_phase(
    o: &Options,
    dir: &Path,
    secret: &str,
    generator: Arc<DeliveryGen>,
) -> anyhow::Result<ProcessPhase> {
    let db = crate::engine::db_path(dir);
    let (before_max_id, (before_total, _, _)) = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            Ok((
                prefill::max_message_id(&db)?,
                prefill::count_messages(&db, i64::MAX, "-")?,
            ))
        })
        .await??
    };
    let running = start_engine(dir, secret).await?;
    // The prefill made the tenant and numbers; make sure the engine routes to all of them.
    match running
        .engine
        .handle(&Caller::current(), Request::ListNumbers)
        .await
    {
        Ok(Response::Numbers(n)) if n.len() as u64 == o.numbers => {}
        Ok(Response::Numbers(n)) => {
            if n.is_empty() {
                register_numbers(&running.engine, o.numbers).await?;
            } else {
                anyhow::bail!(
                    "the prefilled store has {} numbers, the bench wants {}",
                    n.len(),
                    o.numbers
                );
            }
        }
        Ok(other) => anyhow::bail!("listing numbers answered {other:?}"),
        Err(e) => anyhow::bail!("listing numbers: {e}"),
    }
    let stats = running.engine.writer.stats.clone();
    let commits0 = stats.commits.load(Ordering::Relaxed);
    let progress = Arc::new(Progress::default());
    let rss0 = sys::rss();
    let mark = CpuMark::now();
    let monitor = Monitor::start("process", mark.at, stats.clone(), progress.clone());
    let load_task = tokio::spawn(load::drive(
        running.addr,
        o.deliveries,
        o.connections,
        generator.clone(),
        progress.clone(),
        o.process_rate,
    ));

    // Wait for every delivery to be answered, then for every one journaled to be processed.
    let mut load: Option<LoadResult> = None;
    let mut load_task = Some(load_task);
    let mut send_end: Option<(f64, u64, u64)> = None; // (seconds, done, backlog)
    let mut finished_at = None;
    let mut last_progress = (done(&stats), Instant::now());
    loop {
        if let Some(t) = load_task.as_ref()
            && t.is_finished()
            && let Some(t) = load_task.take()
        {
            let r = t.await.context("the load generator failed")?;
            let s = sample(mark.at, &stats, &progress);
            send_end = Some((r.elapsed.as_secs_f64(), s.done, s.backlog));
            load = Some(r);
        }
        let d = done(&stats);
        if d >= o.deliveries {
            finished_at = Some(mark.at.elapsed().as_secs_f64());
            break;
        }
        if load.is_some() && d >= stats.journaled.load(Ordering::Relaxed) {
            // Everything journaled is processed, but fewer than sent: some were never journaled.
            break;
        }
        if d != last_progress.0 {
            last_progress = (d, Instant::now());
        } else if last_progress.1.elapsed() > Duration::from_secs(60) {
            say!("process: no delivery processed for 60 s; giving up");
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let load = match (load, load_task) {
        (Some(l), _) => l,
        (None, Some(t)) => t.await.context("the load generator failed")?,
        (None, None) => LoadResult::default(),
    };
    let (send_seconds, done_at_send_end, backlog_at_send_end) =
        send_end.unwrap_or((load.elapsed.as_secs_f64(), done(&stats), 0));
    let cpu = mark.since();
    let samples = monitor.finish().await;
    let journaled = stats.journaled.load(Ordering::Relaxed);
    let commits = stats.commits.load(Ordering::Relaxed) - commits0;
    let processed = stats.processed.load(Ordering::Relaxed);
    let unrouted = stats.unrouted.load(Ordering::Relaxed);
    let invalid = stats.invalid.load(Ordering::Relaxed);
    running.stop().await?;
    let rss = RssSummary::of(&samples, o.deliveries, rss0, sys::rss());

    let tag = generator.tag.clone();
    let (after_total, new_rows, tagged) =
        tokio::task::spawn_blocking(move || prefill::count_messages(&db, before_max_id, &tag))
            .await??;
    let n = o.deliveries as i64;
    let verified = finished_at.is_some()
        && load.ok == o.deliveries
        && processed == o.deliveries
        && unrouted == 0
        && invalid == 0
        && new_rows == n
        && tagged == n
        && after_total == before_total + n;
    let seconds_to_processed = finished_at;
    Ok(ProcessPhase {
        http: HttpFigures::from_load(&load),
        store_messages_before: before_total,
        store_messages_after: after_total,
        journaled,
        commits,
        deliveries_per_commit: journaled as f64 / commits.max(1) as f64,
        processed,
        unrouted,
        invalid,
        seconds_to_processed,
        processed_per_second: seconds_to_processed
            .map(|s| processed as f64 / s.max(1e-9))
            .unwrap_or(0.0),
        processed_while_sending_per_second: done_at_send_end as f64 / send_seconds.max(1e-9),
        drain_seconds: seconds_to_processed.map(|s| (s - send_seconds).max(0.0)),
        new_messages_counted: new_rows,
        new_messages_of_this_run: tagged,
        verified,
        backlog: BacklogSummary::of(&samples, backlog_at_send_end),
        cpu,
        rss,
        samples,
    })
}
