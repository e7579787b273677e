//! `wabox bench ingest` runs, in one process and over loopback only:
//! 1. `ceiling-http`: an axum server answering 200 at once, to see what HTTP alone allows;
//! 2. `ceiling-sqlite`: plain batched inserts of the rows the deliveries become;
//! 3. `ack`: the real engine on an empty store, 200 only after the journal commit;
//! 4. `process`: the real engine on a prefilled store, until every delivery is in the store,
//!    checked by counting rows;
//!
//! and samples memory throughout. The load generator shares the machine's cores with the engine,
//! as a reverse proxy or a second service would in production.

/// Progress for the person waiting, on stderr (stdout is the table or the JSON). Defined before
/// the submodules so that they can use it too.
macro_rules! say {
    ($($t:tt)*) => { eprintln!("[bench] {}", format!($($t)*)) };
}

mod bench_dir;
mod engine;
mod monitor;
pub(super) mod pg_engines;
mod pg_report;
mod pg_run;
mod phases;
mod report;
mod table;

use super::deliveries::DeliveryGen;
use super::{prefill, sys};
use bench_dir::BenchDir;
use clap::ValueEnum;
use phases::check_http;
use report::{Report, Setup};
use std::path::PathBuf;
use std::sync::Arc;

// No doc comment: the `Ingest` variant's is the command's `--help`.
#[derive(clap::Args, Debug)]
pub struct IngestOptions {
    /// Deliveries sent in the ack phase, and again in the process phase.
    #[arg(long, default_value_t = 100_000)]
    pub deliveries: u64,
    /// Concurrent keep-alive HTTP/1.1 connections.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Messages in the store before the process phase (cached under target/bench-cache/).
    #[arg(long, default_value_t = 1_000_000)]
    pub prefill_messages: u64,
    /// Business numbers the deliveries are spread over.
    #[arg(long, default_value_t = 5)]
    pub numbers: u64,
    /// Where the bench's stores go (default: a temporary dir, removed at the end).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print the figures as JSON instead of a table (progress still goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Requests of the HTTP ceiling, and rows of the SQLite ceiling.
    #[arg(long, default_value_t = 100_000)]
    pub ceiling_count: u64,
    /// Customers writing to each number.
    #[arg(long, default_value_t = 10_000)]
    pub customers_per_number: u64,
    /// Size of each delivery's JSON body, in bytes.
    #[arg(long, default_value_t = 1_536)]
    pub body_bytes: usize,
    /// Offer the process phase's deliveries at this rate (per second) instead of as fast
    /// as they are acknowledged, e.g. to watch the backlog at a given arrival rate.
    #[arg(long, value_name = "PER_SECOND")]
    pub process_rate: Option<u64>,
    /// Phases to run, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Phase::ALL)]
    pub phases: Vec<Phase>,
    /// Prefill a processed journal entry for every prefilled message too, as a store that
    /// received them all by webhook (and never pruned its journal) would hold.
    #[arg(long)]
    pub prefill_journal: bool,
    /// Build the prefilled store even if a cached copy exists, and do not cache it.
    #[arg(long)]
    pub no_cache: bool,
    /// Run on this PostgreSQL store instead of SQLite (a connection string: `postgres://…` or
    /// `host=… user=…` words). The bench makes a scratch database on that server for each
    /// engine count and drops it at the end; where the user may not create databases, it uses
    /// the database named if that is empty, and refuses one that is not. The phases are then
    /// one: `--engines` `wabox serve` processes on an empty store, the deliveries round robin
    /// over their webhooks, until every one is applied.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// With --store: how many `wabox serve` share the store; a list (`1,3`) runs each count in
    /// turn, each on a database of its own.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize], value_name = "N")]
    pub engines: Vec<usize>,
    /// With --store: the tenants the numbers belong to (number n is tenant n mod T's). The
    /// work is split by tenant into 64 partitions, so with one tenant one engine applies all.
    #[arg(long, default_value_t = 1)]
    pub tenants: u64,
    /// With --store and 2 engines or more: SIGKILL the last engine once half the deliveries are
    /// answered, and measure how long until the live engines hold all 64 partitions (the load
    /// generator then retries on the next engine, as a load balancer would).
    #[arg(long)]
    pub kill_one: bool,
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

pub async fn run(o: IngestOptions) -> anyhow::Result<()> {
    // Dropping the work on Ctrl-C drops its temporary dir, which removes the stores
    // (gigabytes after a long run).
    tokio::select! {
        r = ingest(o) => r,
        signal = interrupted() => anyhow::bail!(
            "{signal}: stopped; the bench's temporary stores were removed"
        ),
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

/// What every phase of one run shares: the options, the bench's dir, and what its deliveries
/// are made of.
struct IngestRun {
    o: IngestOptions,
    dir: BenchDir,
    /// The app secret the deliveries are signed with.
    secret: String,
    /// Tags this run's wamids, so the process phase can count exactly its own in the store.
    tag: String,
    now: i64,
}

async fn ingest(o: IngestOptions) -> anyhow::Result<()> {
    if o.connections == 0 || o.numbers == 0 || o.customers_per_number == 0 {
        anyhow::bail!("--connections, --numbers and --customers-per-number must be at least 1");
    }
    if o.body_bytes < 700 {
        anyhow::bail!("--body-bytes must be at least 700 (the JSON around the text takes ~650)");
    }
    if o.store.is_none() && (o.engines != [1] || o.tenants != 1 || o.kill_one) {
        anyhow::bail!("--engines, --tenants and --kill-one need --store (SQLite has one engine)");
    }
    if o.engines.is_empty() || o.engines.contains(&0) {
        anyhow::bail!("--engines must be at least 1");
    }
    if o.kill_one && !o.engines.iter().any(|n| *n >= 2) {
        anyhow::bail!("--kill-one needs --engines 2 or more (a survivor takes the partitions)");
    }
    if let Some(store) = o.store.clone() {
        return on_postgres(o, &store).await;
    }
    let bench = IngestRun {
        dir: BenchDir::new(o.data_dir.clone())?,
        o,
        secret: hex::encode(rand::random::<[u8; 16]>()),
        tag: format!("{:06X}", rand::random::<u32>() & 0xFF_FFFF),
        now: crate::domain::time::now_unix(),
    };
    let mut report = bench.empty_report();
    report.memory_at("start");
    let process_dir = if bench.wants(Phase::Process) {
        Some(bench.prefill(&mut report).await?)
    } else {
        None
    };
    if bench.wants(Phase::CeilingHttp) {
        bench.ceiling_http(&mut report).await?;
    }
    if bench.wants(Phase::CeilingSqlite) {
        bench.ceiling_sqlite(&mut report).await?;
    }
    if bench.wants(Phase::Ack) {
        bench.ack(&mut report).await?;
    }
    if let Some(d) = process_dir {
        bench.process(&d, &mut report).await?;
    }
    finish(report, bench.o.json)
}

/// `--store`: the engines on PostgreSQL, judged and printed as `finish` does.
async fn on_postgres(o: IngestOptions, store: &str) -> anyhow::Result<()> {
    let dir = BenchDir::new(o.data_dir.clone())?;
    let secret = hex::encode(rand::random::<[u8; 16]>());
    let tag = format!("{:06X}", rand::random::<u32>() & 0xFF_FFFF);
    let exe = std::env::current_exe()?;
    let bench = pg_run::PgBench {
        o: &o,
        exe: &exe,
        store,
        dir: &dir,
        secret: &secret,
        tag: &tag,
        now: crate::domain::time::now_unix(),
    };
    finish(bench.run().await?, o.json)
}

impl IngestOptions {
    /// The deliveries of a run: these options' numbers, customers and size, signed with
    /// `secret`, `tag` in their wamids.
    fn delivery_gen(&self, secret: &str, tag: String, now: i64) -> Arc<DeliveryGen> {
        Arc::new(DeliveryGen::new(
            self.numbers,
            self.customers_per_number,
            secret.as_bytes(),
            tag,
            rand::random(),
            self.body_bytes,
            now,
        ))
    }
}

/// A bench's figures: judged against the targets, printed as a table, and what went wrong.
trait Judged: serde::Serialize {
    fn judge(&mut self);
    fn print_table(&self);
    fn problems(&self) -> &[String];
}

impl Judged for Report {
    fn judge(&mut self) {
        Report::judge(self)
    }
    fn print_table(&self) {
        Report::print_table(self)
    }
    fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl Judged for pg_report::PgReport {
    fn judge(&mut self) {
        pg_report::PgReport::judge(self)
    }
    fn print_table(&self) {
        pg_report::PgReport::print_table(self)
    }
    fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// Judges and prints the figures; any problem makes the command fail, as figures that cannot
/// be trusted must not pass for a result.
fn finish(mut report: impl Judged, json: bool) -> anyhow::Result<()> {
    report.judge();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print_table();
    }
    if !report.problems().is_empty() {
        anyhow::bail!(
            "the bench saw problems (above): its figures cannot be trusted: {}",
            report.problems().join("; ")
        );
    }
    Ok(())
}

impl IngestRun {
    fn wants(&self, p: Phase) -> bool {
        self.o.phases.contains(&p)
    }

    fn customers(&self) -> u64 {
        self.o.numbers * self.o.customers_per_number
    }

    /// Deliveries for one phase: the phase's letter in their wamids keeps phases apart.
    fn generator(&self, phase: &str) -> Arc<DeliveryGen> {
        self.o
            .delivery_gen(&self.secret, format!("{phase}{}", self.tag), self.now)
    }

    fn empty_report(&self) -> Report {
        let o = &self.o;
        Report {
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
                data_dir: self.dir.root.display().to_string(),
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
        }
    }

    /// Builds (or copies from the cache) the store the process phase runs on; its dir.
    async fn prefill(&self, report: &mut Report) -> anyhow::Result<PathBuf> {
        let (o, dir) = (&self.o, &self.dir);
        let d = dir.phase("process")?;
        let shape = prefill::Shape::for_messages(
            o.prefill_messages,
            o.numbers,
            self.customers(),
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
        Ok(d)
    }

    async fn ceiling_http(&self, report: &mut Report) -> anyhow::Result<()> {
        let o = &self.o;
        say!(
            "ceiling-http: {} requests to an axum handler that answers 200 at once",
            o.ceiling_count
        );
        let c = phases::ceiling_http(o, self.generator("H")).await?;
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
        Ok(())
    }

    async fn ceiling_sqlite(&self, report: &mut Report) -> anyhow::Result<()> {
        let (o, dir) = (&self.o, &self.dir);
        say!(
            "ceiling-sqlite: {} message rows, {} per transaction, synchronous=FULL",
            o.ceiling_count,
            prefill::CEILING_BATCH
        );
        let db = crate::engine::db_path(&dir.phase("ceiling-sqlite")?);
        let g = self.generator("S");
        let (numbers, customers, rows, now) =
            (o.numbers, self.customers(), o.ceiling_count, self.now);
        let c = tokio::task::spawn_blocking(move || {
            prefill::sqlite_ceiling(&db, numbers, customers, &g, rows, now)
        })
        .await??;
        say!("ceiling-sqlite: {:.0} rows/s", c.rows_per_second);
        report.ceiling_sqlite = Some(c);
        report.memory_at("after ceiling-sqlite");
        let _ = std::fs::remove_dir_all(dir.root.join("ceiling-sqlite"));
        Ok(())
    }

    async fn ack(&self, report: &mut Report) -> anyhow::Result<()> {
        let (o, dir) = (&self.o, &self.dir);
        say!(
            "ack: {} deliveries to the engine on an empty store",
            o.deliveries
        );
        let a = phases::ack_phase(o, &dir.phase("ack")?, &self.secret, self.generator("A")).await?;
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
        Ok(())
    }

    async fn process(&self, d: &std::path::Path, report: &mut Report) -> anyhow::Result<()> {
        let o = &self.o;
        say!(
            "process: {} deliveries to the engine on the prefilled store, until all are in it",
            o.deliveries
        );
        let p = phases::process_phase(o, d, &self.secret, self.generator("P")).await?;
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
        Ok(())
    }
}
