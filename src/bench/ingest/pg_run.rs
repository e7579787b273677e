//! `bench ingest --store URL --engines N`: N `wabox serve` on one PostgreSQL store, the
//! deliveries spread over their webhook listeners round robin, as a load balancer would; then
//! how fast they were acknowledged, whether the partitions' owners applied them as fast, and
//! (`--kill-one`) how long a SIGKILLed engine's partitions took to pass to the live ones.

use super::IngestOptions;
use super::bench_dir::BenchDir;
use super::pg_engines::{
    self, BenchDatabase, ChildEngine, EngineSetup, holders, postmaster_of, query, server_cpu,
};
use super::pg_report::{ClusterCpu, EnginesRun, JournalCounts, PgReport, PgSetup, Takeover};
use super::phases::check_http;
use super::report::HttpFigures;
use crate::bench::load::{self, Progress};
use crate::bench::sys;
use crate::store::db::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one run of the bench gives every engine count.
pub struct PgBench<'a> {
    pub o: &'a IngestOptions,
    /// The `wabox` binary the engines are started from (this one, but in a test).
    pub exe: &'a std::path::Path,
    pub store: &'a str,
    pub dir: &'a BenchDir,
    pub secret: &'a str,
    pub tag: &'a str,
    pub now: i64,
}

impl PgBench<'_> {
    pub async fn run(&self) -> anyhow::Result<PgReport> {
        let o = self.o;
        let mut report = PgReport {
            setup: PgSetup {
                deliveries: o.deliveries,
                connections: o.connections,
                numbers: o.numbers,
                tenants: o.tenants.clamp(1, o.numbers),
                customers_per_number: o.customers_per_number,
                body_bytes: o.body_bytes,
                cpus: sys::cpus(),
                load_average_at_start: sys::load_average(),
                offered_per_second: o.process_rate.map(|r| r as f64),
                server: String::new(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            runs: Vec::new(),
            targets: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
        };
        for &n in &o.engines {
            let database = BenchDatabase::make(self.store).await?;
            if report.setup.server.is_empty() {
                report.setup.server = pg_engines::server_settings(&database.url).await?;
                say!("PostgreSQL: {}", report.setup.server);
            }
            let run = self.engines_run(n, &database).await;
            database.drop_now().await;
            let run = run?;
            check_http(
                &format!("{n} engine(s)"),
                o.deliveries,
                &run.http,
                &mut report.problems,
            );
            if !run.stored_once {
                report.problems.push(format!(
                    "{n} engine(s): {} acknowledged but {} messages of this run ({} distinct) in the store",
                    run.http.ok, run.messages_of_this_run, run.distinct_wamids
                ));
            }
            report.runs.push(run);
        }
        Ok(report)
    }

    async fn engines_run(&self, n: usize, database: &BenchDatabase) -> anyhow::Result<EnginesRun> {
        let o = self.o;
        let url = database.url.as_str();
        say!("{n} engine(s): on {}", database.what);
        let seal_key: [u8; 32] = rand::random();
        let partitions = pg_engines::prepare_store(
            &self.dir.phase(&format!("admin-{n}"))?,
            url,
            &seal_key,
            o.numbers,
            o.tenants,
        )
        .await?;
        say!(
            "{n} engine(s): {} numbers in {} tenant(s), partitions {partitions:?}",
            o.numbers,
            o.tenants.clamp(1, o.numbers)
        );
        let root = self.dir.phase(&format!("engines-{n}"))?;
        let setup = EngineSetup {
            exe: self.exe,
            url,
            app_secret: self.secret,
            seal_key: &seal_key,
        };
        let mut engines = Vec::with_capacity(n);
        for k in 0..n {
            engines.push(ChildEngine::start(&root, k, &setup).await?);
        }
        let settle_seconds = pg_engines::wait_for_shares(url, &mut engines).await?;
        say!(
            "{n} engine(s): listening on {}; shares of the 64 partitions {}",
            engines
                .iter()
                .map(|e| e.addr.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            settle_seconds
                .map(|s| format!("held in {s:.1} s"))
                .unwrap_or_else(|| "not settled within 60 s (going on)".into())
        );
        let measured = self.measure(n, url, &mut engines).await;
        let stops: Vec<_> = engines
            .into_iter()
            .map(|e| tokio::spawn(e.stop()))
            .collect();
        for s in stops {
            let _ = s.await;
        }
        let mut run = measured?;
        run.database = database.what.clone();
        run.partitions = partitions;
        run.settle_seconds = settle_seconds;
        Ok(run)
    }

    async fn measure(
        &self,
        n: usize,
        url: &str,
        engines: &mut [ChildEngine],
    ) -> anyhow::Result<EnginesRun> {
        let o = self.o;
        let generator = o.delivery_gen(self.secret, format!("G{}", self.tag), self.now);
        let tag = generator.tag.clone();
        let postmaster = query(url, |c| Ok(postmaster_of(c))).await?;
        let before = query(url, Ids::now).await?;
        let progress = Arc::new(Progress::default());
        let watch = Arc::new(Watch {
            stop: AtomicBool::new(false),
            kill: Mutex::new(None),
            progress: progress.clone(),
        });
        let watcher = {
            let (watch, url) = (watch.clone(), url.to_owned());
            std::thread::Builder::new()
                .name("bench-watch".into())
                .spawn(move || watch.run(&url, before))?
        };

        let cpu0 = CpuAt::now(engines, postmaster);
        let started = Instant::now();
        let targets = Arc::new(engines.iter().map(|e| e.addr).collect::<Vec<_>>());
        let mut load_task = tokio::spawn(load::drive_spread(
            targets,
            o.deliveries,
            o.connections,
            generator,
            progress.clone(),
            o.process_rate,
        ));
        let mut takeover = None;
        let mut victim_cpu = None;
        if o.kill_one && n >= 2 {
            let half = o.deliveries / 2;
            while progress.answered.load(Ordering::Relaxed) < half && !load_task.is_finished() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let k = n - 1;
            let victim = &mut engines[k];
            let id = victim.id.clone().unwrap_or_default();
            let held = {
                let id = id.clone();
                query(url, move |c| {
                    Ok(holders(c)?
                        .into_iter()
                        .find(|(owner, _)| *owner == id)
                        .map_or(0, |(_, k)| k))
                })
                .await?
            };
            victim_cpu = Some(sys::pid_cpu(victim.pid));
            let answered = progress.answered.load(Ordering::Relaxed);
            victim.kill().await;
            let at = Instant::now();
            if let Ok(mut kill) = watch.kill.lock() {
                *kill = Some((at, id));
            }
            say!(
                "{n} engine(s): killed engine {k} (SIGKILL) after {answered} answers; it held {held} partitions"
            );
            takeover = Some(Takeover {
                engine: k,
                answered_at_kill: answered,
                seconds_into_send: started.elapsed().as_secs_f64(),
                partitions_held: held,
                seconds_to_all_held: None,
            });
        }
        let load = (&mut load_task).await?;
        let send_seconds = started.elapsed().as_secs_f64();
        let mut cpu = cpu0.since(engines, postmaster, victim_cpu);
        let http = HttpFigures::from_load(&load);
        let pending_at_send_end = query(url, pending).await?;
        say!(
            "{n} engine(s): {:.0} acked/s, p50 {:.2} ms, p99 {:.2} ms; {pending_at_send_end} pending at the last answer",
            http.ok_per_second,
            http.p50_ms,
            http.p99_ms
        );
        let drain_seconds = query(url, move |c| drain(c, before)).await?;
        match drain_seconds {
            Some(s) => say!("{n} engine(s): drained {s:.1} s after the last answer"),
            None => say!("{n} engine(s): the journal did not drain"),
        }
        watch.stop.store(true, Ordering::SeqCst);
        let (samples, pending_max, all_held) = watcher
            .join()
            .map_err(|_| anyhow::anyhow!("the watcher thread panicked"))?;
        if let Some(t) = takeover.as_mut() {
            t.seconds_to_all_held = all_held;
        }
        let (journal, messages, distinct) = query(url, move |c| check(c, &tag)).await?;
        cpu.wall_seconds = send_seconds;
        let stored_once = messages == distinct
            && if load.errors == 0 && http.non_200_total() == 0 {
                messages == load.ok as i64
            } else {
                messages >= load.ok as i64 && messages <= load.sent as i64
            };
        let ok = load.ok as f64;
        Ok(EnginesRun {
            engines: n,
            database: String::new(),
            partitions: Vec::new(),
            settle_seconds: None,
            ok_by_engine: load.ok_by_target.clone(),
            failovers: load.failovers,
            pending_at_send_end,
            pending_max: pending_max.max(pending_at_send_end),
            drain_seconds,
            processed_while_sending_per_second: (ok - pending_at_send_end as f64).max(0.0)
                / send_seconds.max(1e-9),
            kept_up: drain_seconds.is_some()
                && pending_at_send_end as f64 <= http.ok_per_second.max(1.0),
            journal,
            messages_of_this_run: messages,
            distinct_wamids: distinct,
            stored_once,
            cpu,
            takeover,
            samples,
            http,
        })
    }
}

/// Journal rows waiting to be applied, counted exactly (through the index of the rows not
/// processed; the whole journal took 5 ms a count). Only at the last answer and to confirm a
/// drain: behind a burst it reads every pending row, so samples use `Ids::backlog_since`.
fn pending(c: &Connection) -> anyhow::Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM journal WHERE state != 'processed' AND state = 'pending'",
        [],
        |r| r.get(0),
    )?)
}

/// The highest journal and message ids, which the bench's own backlog figures start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ids {
    journal: i64,
    messages: i64,
}

impl Ids {
    fn now(c: &Connection) -> anyhow::Result<Ids> {
        Ok(c.query_row(
            "SELECT (SELECT coalesce(max(id), 0) FROM journal),
                    (SELECT coalesce(max(id), 0) FROM messages)",
            [],
            |r| {
                Ok(Ids {
                    journal: r.get(0)?,
                    messages: r.get(1)?,
                })
            },
        )?)
    }

    /// Journal rows waiting to be applied, estimated from two index lookups: each delivery the
    /// bench sends is one journal row and, once applied, one message, and both ids are drawn
    /// one by one, so the rows journaled since `before` less the messages stored since are the
    /// backlog. Counting the rows instead read every pending one and every applied one not yet
    /// vacuumed (48 to 119 ms a count behind 40,000, two a second, a tenth of a core or more
    /// taken from the engines measured). An id drawn by a transaction that rolled back puts it
    /// off (a journal id high, a message id low): `drain` confirms with an exact count.
    fn backlog_since(self, before: Ids) -> i64 {
        ((self.journal - before.journal) - (self.messages - before.messages)).max(0)
    }
}

/// Waits until nothing is pending; the seconds it took, or None after 60 s without progress.
/// The estimate (`Ids::backlog_since`) is confirmed by an exact count when it says none, and
/// every 2 s whatever it says (a delivery that is not a message would keep it above zero).
fn drain(c: &Connection, before: Ids) -> anyhow::Result<Option<f64>> {
    let started = Instant::now();
    let mut last = (i64::MAX, Instant::now());
    let mut counted_at = Instant::now();
    loop {
        let estimate = Ids::now(c)?.backlog_since(before);
        let p = if estimate == 0 || counted_at.elapsed() >= Duration::from_secs(2) {
            counted_at = Instant::now();
            pending(c)?
        } else {
            estimate
        };
        if p == 0 {
            return Ok(Some(started.elapsed().as_secs_f64()));
        }
        if p < last.0 {
            last = (p, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(60) {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The journal's rows by state, and this run's messages (all, distinct wamids).
fn check(c: &Connection, tag: &str) -> anyhow::Result<(JournalCounts, i64, i64)> {
    let journal = c.query_row(
        "SELECT count(*),
                count(*) FILTER (WHERE state = 'pending'),
                count(*) FILTER (WHERE state = 'processed'),
                count(*) FILTER (WHERE state = 'unrouted'),
                count(*) FILTER (WHERE state = 'invalid'),
                CAST(COALESCE(sum(deliveries - 1), 0) AS BIGINT)
         FROM journal",
        [],
        |r| {
            Ok(JournalCounts {
                rows: r.get(0)?,
                pending: r.get(1)?,
                processed: r.get(2)?,
                unrouted: r.get(3)?,
                invalid: r.get(4)?,
                repeats: r.get(5)?,
            })
        },
    )?;
    let (messages, distinct) = c.query_row(
        "SELECT count(*), count(DISTINCT wamid) FROM messages WHERE wamid LIKE ?1",
        [format!("%{tag}A=")],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((journal, messages, distinct))
}

/// CPU counters when the deliveries start.
struct CpuAt {
    at: Instant,
    engines: Vec<f64>,
    /// Each engine's threads (`sys::pid_threads_cpu`).
    threads: Vec<std::collections::BTreeMap<u32, (String, f64)>>,
    server: Option<f64>,
    bench: f64,
    machine: f64,
}

impl CpuAt {
    fn now(engines: &[ChildEngine], postmaster: Option<u32>) -> CpuAt {
        CpuAt {
            at: Instant::now(),
            engines: engines.iter().map(|e| sys::pid_cpu(e.pid)).collect(),
            threads: engines
                .iter()
                .map(|e| sys::pid_threads_cpu(e.pid))
                .collect(),
            server: postmaster.map(server_cpu),
            bench: sys::process_cpu(),
            machine: sys::machine_busy(),
        }
    }

    /// Cores busy since; a killed engine's CPU is what it had used when it was killed.
    fn since(
        &self,
        engines: &[ChildEngine],
        postmaster: Option<u32>,
        victim_cpu: Option<f64>,
    ) -> ClusterCpu {
        let wall = self.at.elapsed().as_secs_f64().max(1e-9);
        let engines_cpu: Vec<f64> = engines
            .iter()
            .zip(&self.engines)
            .map(|(e, before)| {
                let now = if e.killed {
                    victim_cpu.unwrap_or(*before)
                } else {
                    sys::pid_cpu(e.pid)
                };
                (now - before).max(0.0)
            })
            .collect();
        let server = match (postmaster, self.server) {
            (Some(p), Some(before)) => Some((server_cpu(p) - before).max(0.0)),
            _ => None,
        };
        let bench = sys::process_cpu() - self.bench;
        let machine = sys::machine_busy() - self.machine;
        let known = bench + engines_cpu.iter().sum::<f64>() + server.unwrap_or(0.0);
        let mut by_kind: std::collections::BTreeMap<String, f64> = Default::default();
        for (e, before) in engines.iter().zip(&self.threads).filter(|(e, _)| !e.killed) {
            for (tid, (kind, now)) in sys::pid_threads_cpu(e.pid) {
                let was = before.get(&tid).map_or(0.0, |(_, s)| *s);
                *by_kind.entry(kind).or_default() += (now - was).max(0.0);
            }
        }
        let mut engine_threads: Vec<(String, f64)> = by_kind.into_iter().collect();
        engine_threads.sort_by(|a, b| b.1.total_cmp(&a.1));
        ClusterCpu {
            engine_threads,
            wall_seconds: wall,
            engines_cores: engines_cpu.iter().map(|c| c / wall).collect(),
            postgres_cores: server.map(|s| s / wall),
            bench_cores: bench / wall,
            other_programs_cores: ((machine - known) / wall).max(0.0),
        }
    }
}

/// What the watcher thread is told: stop, and which engine was killed when.
struct Watch {
    stop: AtomicBool,
    kill: Mutex<Option<(Instant, String)>>,
    progress: Arc<Progress>,
}

/// (seconds, answered, pending) samples, the most pending seen, and the takeover's seconds.
type Watched = (Vec<(f64, u64, i64)>, i64, Option<f64>);

impl Watch {
    /// Every 100 ms: after a kill, whether the live engines hold all 64 partitions; every
    /// 500 ms, the journal's backlog. Ends when told to, but not before a takeover it watches
    /// is over (or 60 s have passed since the kill).
    fn run(&self, url: &str, before: Ids) -> Watched {
        let started = Instant::now();
        let mut samples = Vec::new();
        let mut most = 0;
        let mut all_held = None;
        let Ok(c) = Connection::connect_postgres(url) else {
            return (samples, most, all_held);
        };
        let mut tick = 0u64;
        loop {
            let kill = self.kill.lock().ok().and_then(|k| k.clone());
            let watching = kill.as_ref().is_some_and(|(at, _)| {
                all_held.is_none() && at.elapsed() < Duration::from_secs(60)
            });
            if self.stop.load(Ordering::SeqCst) && !watching {
                break;
            }
            if let Some((at, killed)) = kill.as_ref().filter(|_| watching)
                && let Ok(h) = holders(&c)
            {
                let live: i64 = h.iter().filter(|(o, _)| o != killed).map(|(_, k)| k).sum();
                if live == crate::store::cluster::PARTITIONS {
                    all_held = Some(at.elapsed().as_secs_f64());
                }
            }
            if tick.is_multiple_of(5)
                && !self.stop.load(Ordering::SeqCst)
                && let Ok(p) = Ids::now(&c).map(|ids| ids.backlog_since(before))
            {
                most = most.max(p);
                let answered = self.progress.answered.load(Ordering::Relaxed);
                samples.push((started.elapsed().as_secs_f64(), answered, p));
                if samples.len().is_multiple_of(20) {
                    say!(
                        "{:.0} s: {answered} answered, {p} pending",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            tick += 1;
            std::thread::sleep(Duration::from_millis(100));
        }
        (samples, most, all_held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[derive(clap::Parser)]
    struct Args {
        #[command(flatten)]
        o: IngestOptions,
    }

    /// The `wabox` binary cargo built beside this test's (`target/…/deps/wabox-…`).
    fn wabox_binary() -> Option<std::path::PathBuf> {
        let exe = std::env::current_exe().ok()?;
        let bin = exe.parent()?.parent()?.join("wabox");
        bin.exists().then_some(bin)
    }

    #[test]
    fn the_backlog_is_what_was_journaled_since_less_what_became_messages() {
        let before = Ids {
            journal: 10,
            messages: 4,
        };
        let at = |journal, messages| Ids { journal, messages }.backlog_since(before);
        assert_eq!(at(10, 4), 0);
        assert_eq!(at(15, 4), 5, "five journaled, none applied");
        assert_eq!(at(15, 7), 2);
        assert_eq!(at(15, 9), 0);
        assert_eq!(
            at(15, 10),
            0,
            "never below none (an id drawn in a rollback)"
        );
    }

    /// `bench ingest --store`, small: one engine, then two with one killed; every delivery
    /// acknowledged and stored once, the partitions taken over (the figures are not asserted).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_bench_runs_engines_on_postgres_and_one_killed_loses_nothing() {
        let Some(database) = crate::store::testing::postgres_database() else {
            return;
        };
        let Some(exe) = wabox_binary() else {
            assert!(
                std::env::var_os("WABOX_REQUIRE_PG").is_none(),
                "no wabox binary beside the test's: run it through `cargo test`"
            );
            eprintln!("skipped: no wabox binary beside the test's");
            return;
        };
        let args = Args::parse_from([
            "bench",
            "--deliveries",
            "300",
            "--connections",
            "4",
            "--numbers",
            "4",
            "--tenants",
            "4",
            "--customers-per-number",
            "20",
            "--engines",
            "1,2",
            "--kill-one",
        ]);
        let dir = BenchDir::new(None).unwrap();
        let bench = PgBench {
            o: &args.o,
            exe: &exe,
            store: &database.url,
            dir: &dir,
            secret: "smoke-secret",
            tag: "SMOKE1",
            now: crate::domain::time::now_unix(),
        };
        let mut report = bench.run().await.unwrap();
        report.judge();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert!(
            report.setup.server.contains("fsync="),
            "{}",
            report.setup.server
        );
        assert_eq!(report.runs.len(), 2);
        for run in &report.runs {
            assert_eq!(run.http.ok, 300, "{} engine(s)", run.engines);
            assert!(run.stored_once, "{} engine(s)", run.engines);
            assert_eq!(run.messages_of_this_run, 300);
            assert_eq!(run.journal.pending, 0);
            assert_eq!(run.ok_by_engine.len(), run.engines);
        }
        assert!(report.runs[0].takeover.is_none());
        let takeover = report.runs[1]
            .takeover
            .as_ref()
            .expect("the second run kills one");
        assert!(takeover.seconds_to_all_held.is_some(), "{takeover:?}");
        assert!(
            report
                .targets
                .iter()
                .any(|t| t.target.contains("held by the live engines"))
        );
    }
}
