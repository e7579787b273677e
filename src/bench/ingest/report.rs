//! The bench's figures: what is measured, the table printed, the JSON, and the verdicts.

use super::load::LoadResult;
use super::prefill::{PrefillInfo, SqliteCeiling};
use super::sys::Rss;
use serde::Serialize;
use std::collections::BTreeMap;

pub const TARGET_ACKED_PER_SECOND: f64 = 5_000.0;
pub const TARGET_ACK_P99_MS: f64 = 50.0;
pub const TARGET_PROCESSED_PER_SECOND: f64 = 3_000.0;
/// Memory counts as flat when it grows by less than this over the last three quarters of a phase
/// (or by less than `FLAT_RSS_RATIO` of where it stood, whichever is more).
pub const FLAT_RSS_MIB: f64 = 16.0;
pub const FLAT_RSS_RATIO: f64 = 0.10;
/// Other programs using more than this many cores during a phase skew it (a note says so).
pub const BUSY_MACHINE_CORES: f64 = 0.25;

#[derive(Debug, Clone, Serialize)]
pub struct Setup {
    pub deliveries: u64,
    pub connections: usize,
    pub numbers: u64,
    pub customers_per_number: u64,
    pub body_bytes: usize,
    pub ceiling_count: u64,
    pub prefill_messages: u64,
    pub process_rate: Option<u64>,
    pub cpus: usize,
    /// The machine's load average when the bench started (other work skews the figures).
    pub load_average_at_start: f64,
    pub data_dir: String,
    pub version: String,
}

/// Requests sent and how they were answered.
#[derive(Debug, Clone, Serialize)]
pub struct HttpFigures {
    pub requests: u64,
    pub ok: u64,
    pub non_200: BTreeMap<String, u64>,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
    /// 200s per second of wall time.
    pub ok_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl HttpFigures {
    pub fn from_load(r: &LoadResult) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        let seconds = r.elapsed.as_secs_f64();
        HttpFigures {
            requests: r.sent,
            ok: r.ok,
            non_200: r.non_200.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            errors: r.errors,
            first_error: r.first_error.clone(),
            seconds,
            ok_per_second: r.ok as f64 / seconds.max(1e-9),
            p50_ms: ms(r.latency.quantile(0.50)),
            p99_ms: ms(r.latency.quantile(0.99)),
            p999_ms: ms(r.latency.quantile(0.999)),
            max_ms: ms(r.latency.max()),
            mean_ms: r.latency.mean() / 1000.0,
        }
    }

    pub fn non_200_total(&self) -> u64 {
        self.non_200.values().sum()
    }
}

/// Where the CPU went during a phase.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CpuUse {
    pub wall_seconds: f64,
    /// CPU seconds of the whole process (server, load generator, writer).
    pub process_cpu_seconds: f64,
    /// CPU seconds of the engine's writer thread (SQLite), when an engine ran.
    pub writer_cpu_seconds: f64,
    /// Average cores busy: process CPU over wall time.
    pub cores_busy: f64,
    /// Share of one core the writer thread used.
    pub writer_core_share: f64,
    /// Average cores other programs on the machine used meanwhile (they skew the figures).
    pub other_programs_cores: f64,
}

impl CpuUse {
    pub fn new(wall: f64, process: f64, writer: f64, machine: f64) -> Self {
        CpuUse {
            wall_seconds: wall,
            process_cpu_seconds: process,
            writer_cpu_seconds: writer,
            cores_busy: process / wall.max(1e-9),
            writer_core_share: writer / wall.max(1e-9),
            other_programs_cores: ((machine - process) / wall.max(1e-9)).max(0.0),
        }
    }
}

/// One sample of the monitor, taken every second.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sample {
    pub t_seconds: f64,
    pub answered: u64,
    pub journaled: u64,
    pub done: u64,
    pub backlog: u64,
    pub rss_kib: u64,
    /// Cores other programs used since the previous sample (they skew the figures).
    pub other_programs_cores: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BacklogSummary {
    pub min: u64,
    pub max: u64,
    pub last: u64,
    /// When the last delivery was answered.
    pub at_send_end: u64,
}

impl BacklogSummary {
    pub fn of(samples: &[Sample], at_send_end: u64) -> Self {
        BacklogSummary {
            min: samples.iter().map(|s| s.backlog).min().unwrap_or(0),
            max: samples.iter().map(|s| s.backlog).max().unwrap_or(0),
            last: samples.last().map(|s| s.backlog).unwrap_or(0),
            at_send_end,
        }
    }
}

/// Resident memory over a phase.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RssSummary {
    pub start_mib: f64,
    /// Once a quarter of the deliveries were answered (caches and pools have filled by then).
    pub at_quarter_mib: f64,
    pub max_after_quarter_mib: f64,
    pub end_mib: f64,
    pub growth_after_quarter_mib: f64,
    pub flat: bool,
}

impl RssSummary {
    pub fn of(samples: &[Sample], total: u64, start: Rss, end: Rss) -> Self {
        let mib = |k: u64| k as f64 / 1024.0;
        let quarter = samples
            .iter()
            .position(|s| s.answered * 4 >= total)
            .unwrap_or(0);
        let at_quarter = samples
            .get(quarter)
            .map(|s| s.rss_kib)
            .unwrap_or(start.rss_kib);
        let max_after = samples
            .get(quarter..)
            .unwrap_or(&[])
            .iter()
            .map(|s| s.rss_kib)
            .chain([end.rss_kib])
            .max()
            .unwrap_or(end.rss_kib);
        let growth = mib(max_after.saturating_sub(at_quarter));
        RssSummary {
            start_mib: mib(start.rss_kib),
            at_quarter_mib: mib(at_quarter),
            max_after_quarter_mib: mib(max_after),
            end_mib: mib(end.rss_kib),
            growth_after_quarter_mib: growth,
            flat: growth <= FLAT_RSS_MIB.max(mib(at_quarter) * FLAT_RSS_RATIO),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpCeiling {
    pub http: HttpFigures,
    pub cpu: CpuUse,
}

#[derive(Debug, Clone, Serialize)]
pub struct AckPhase {
    pub http: HttpFigures,
    pub journaled: u64,
    /// Journal transactions (group commits) of the writer.
    pub commits: u64,
    pub deliveries_per_commit: f64,
    /// Entries the writer also processed during the phase (between its journal commits).
    pub processed: u64,
    pub backlog: BacklogSummary,
    pub cpu: CpuUse,
    pub rss: RssSummary,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessPhase {
    pub http: HttpFigures,
    pub store_messages_before: i64,
    pub store_messages_after: i64,
    pub journaled: u64,
    pub commits: u64,
    pub deliveries_per_commit: f64,
    pub processed: u64,
    pub unrouted: u64,
    pub invalid: u64,
    /// From the first send until `processed` reached the deliveries sent.
    pub seconds_to_processed: Option<f64>,
    pub processed_per_second: f64,
    /// Processed while deliveries were still arriving, per second of sending.
    pub processed_while_sending_per_second: f64,
    pub drain_seconds: Option<f64>,
    pub new_messages_counted: i64,
    pub new_messages_of_this_run: i64,
    pub verified: bool,
    pub backlog: BacklogSummary,
    pub cpu: CpuUse,
    pub rss: RssSummary,
    pub samples: Vec<Sample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemoryPoint {
    pub at: String,
    pub rss_mib: f64,
    pub peak_mib: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub target: String,
    pub measured: String,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub setup: Setup,
    pub prefill: Option<PrefillInfo>,
    pub ceiling_http: Option<HttpCeiling>,
    pub ceiling_sqlite: Option<SqliteCeiling>,
    pub ack: Option<AckPhase>,
    pub process: Option<ProcessPhase>,
    pub memory: Vec<MemoryPoint>,
    pub targets: Vec<Verdict>,
    /// Anything that makes a figure untrustworthy (lost deliveries, errors…).
    pub problems: Vec<String>,
    /// What a reader should know to weigh the figures (a busy machine…).
    pub notes: Vec<String>,
}

impl Report {
    pub fn memory_at(&mut self, at: &str) {
        let r = super::sys::rss();
        self.memory.push(MemoryPoint {
            at: at.into(),
            rss_mib: r.rss_kib as f64 / 1024.0,
            peak_mib: r.peak_kib as f64 / 1024.0,
        });
    }

    /// Judges the figures against the targets.
    pub fn judge(&mut self) {
        let mut v = Vec::new();
        if let Some(a) = &self.ack {
            v.push(Verdict {
                target: format!(
                    "deliveries acknowledged >= {TARGET_ACKED_PER_SECOND:.0}/s (200 after the journal commit)"
                ),
                measured: format!("{:.0}/s", a.http.ok_per_second),
                met: a.http.ok_per_second >= TARGET_ACKED_PER_SECOND,
            });
            v.push(Verdict {
                target: format!("time to answer p99 < {TARGET_ACK_P99_MS:.0} ms"),
                measured: format!("p99 {:.1} ms (p50 {:.1} ms)", a.http.p99_ms, a.http.p50_ms),
                met: a.http.ok > 0 && a.http.p99_ms < TARGET_ACK_P99_MS,
            });
        }
        if let Some(p) = &self.process {
            v.push(Verdict {
                target: format!(
                    "fully processed >= {TARGET_PROCESSED_PER_SECOND:.0}/s sustained, store of {} messages",
                    p.store_messages_before
                ),
                measured: format!(
                    "{:.0}/s over {}",
                    p.processed_per_second,
                    p.seconds_to_processed
                        .map(|s| format!("{s:.1} s"))
                        .unwrap_or_else(|| "an unfinished run".into())
                ),
                met: p.verified && p.processed_per_second >= TARGET_PROCESSED_PER_SECOND,
            });
            v.push(Verdict {
                target: format!(
                    "journal backlog drains at {TARGET_PROCESSED_PER_SECOND:.0}/s arriving (processing while receiving keeps up)"
                ),
                measured: format!(
                    "{:.0} processed/s while receiving {:.0}/s; backlog peaked at {}, {} at the end",
                    p.processed_while_sending_per_second,
                    p.http.ok_per_second,
                    p.backlog.max,
                    p.backlog.last
                ),
                // Keeping up with a slower arrival rate proves nothing about the target's.
                met: p.verified
                    && p.backlog.last == 0
                    && p.processed_while_sending_per_second >= TARGET_PROCESSED_PER_SECOND,
            });
        }
        let phases: Vec<(&str, &RssSummary)> = [
            self.ack.as_ref().map(|a| ("ack", &a.rss)),
            self.process.as_ref().map(|p| ("process", &p.rss)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !phases.is_empty() {
            let measured = phases
                .iter()
                .map(|(name, r)| {
                    format!(
                        "{name}: {:.0} -> {:.0} MiB (+{:.1})",
                        r.at_quarter_mib, r.max_after_quarter_mib, r.growth_after_quarter_mib
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            v.push(Verdict {
                target: format!(
                    "memory flat over the run (RSS grows < {FLAT_RSS_MIB:.0} MiB or {:.0}% after the first quarter)",
                    FLAT_RSS_RATIO * 100.0
                ),
                measured,
                met: phases.iter().all(|(_, r)| r.flat),
            });
        }
        self.targets = v;

        let busy = [
            ("ceiling-http", self.ceiling_http.as_ref().map(|c| &c.cpu)),
            ("ack", self.ack.as_ref().map(|a| &a.cpu)),
            ("process", self.process.as_ref().map(|p| &p.cpu)),
        ];
        for (phase, cpu) in busy {
            if let Some(c) = cpu
                && c.other_programs_cores > BUSY_MACHINE_CORES
            {
                self.notes.push(format!(
                    "other programs used {:.2} cores on average during {phase}: its figures are below what this machine does when quiet; run it again when it is",
                    c.other_programs_cores
                ));
            }
        }
    }

    pub fn print_table(&self) {
        let s = &self.setup;
        println!();
        println!(
            "wabox bench ingest (v{}): {} deliveries of ~{} B, {} connections, {} numbers x {} customers, 127.0.0.1, {} CPUs",
            s.version,
            s.deliveries,
            s.body_bytes,
            s.connections,
            s.numbers,
            s.customers_per_number,
            s.cpus
        );
        println!(
            "data dir: {}; load average at start {:.2}",
            s.data_dir, s.load_average_at_start
        );
        if let Some(p) = &self.prefill {
            let how = match p.copy_seconds {
                Some(c) => format!(
                    "copied from the cache in {c:.1} s (the SQL prefill took {:.1} s when it was built)",
                    p.build_seconds
                ),
                None => format!("SQL prefill took {:.1} s", p.build_seconds),
            };
            println!(
                "prefill: {} messages, {} conversations, {} contacts, {} journal entries, {:.0} MiB file: {how}",
                p.messages,
                p.conversations,
                p.contacts,
                p.journal_entries,
                p.db_bytes as f64 / 1048576.0
            );
        }
        println!();
        println!(
            "{:<15} {:<34} {:>9} {:>9} {:>7} {:>6} {:>8} {:>18} {:>8} {:>8} {:>8}",
            "phase",
            "what",
            "count",
            "200",
            "non-200",
            "errors",
            "time s",
            "rate",
            "p50 ms",
            "p99 ms",
            "max ms"
        );
        let http_row = |phase: &str, what: &str, h: &HttpFigures, unit: &str| {
            println!(
                "{:<15} {:<34} {:>9} {:>9} {:>7} {:>6} {:>8.2} {:>18} {:>8.2} {:>8.2} {:>8.2}",
                phase,
                what,
                h.requests,
                h.ok,
                h.non_200_total(),
                h.errors,
                h.seconds,
                format!("{:.0} {unit}", h.ok_per_second),
                h.p50_ms,
                h.p99_ms,
                h.max_ms
            );
        };
        if let Some(c) = &self.ceiling_http {
            http_row(
                "ceiling-http",
                "axum POST -> 200, no work",
                &c.http,
                "req/s",
            );
        }
        if let Some(c) = &self.ceiling_sqlite {
            println!(
                "{:<15} {:<34} {:>9} {:>9} {:>7} {:>6} {:>8.2} {:>18} {:>8} {:>8} {:>8}",
                "ceiling-sqlite",
                format!("message rows, {}/tx, sync=FULL", c.batch),
                c.rows,
                "-",
                "-",
                "-",
                c.seconds,
                format!("{:.0} rows/s", c.rows_per_second),
                "-",
                "-",
                "-"
            );
        }
        if let Some(a) = &self.ack {
            http_row("ack", "engine, empty store", &a.http, "acked/s");
        }
        if let Some(p) = &self.process {
            http_row(
                "process",
                &format!("engine, store of {} msgs", p.store_messages_before),
                &p.http,
                "acked/s",
            );
            println!(
                "{:<15} {:<34} {:>9} {:>9} {:>7} {:>6} {:>8} {:>18}",
                "",
                "  fully processed (in the store)",
                p.processed,
                "",
                "",
                "",
                p.seconds_to_processed
                    .map(|s| format!("{s:.2}"))
                    .unwrap_or_else(|| "-".into()),
                format!("{:.0} proc/s", p.processed_per_second)
            );
        }
        println!();
        if let Some(c) = &self.ceiling_http {
            println!(
                "ceiling-http: {:.2} cores busy (server and load generator share them); other programs {:.2} cores",
                c.cpu.cores_busy, c.cpu.other_programs_cores
            );
        }
        if let Some(a) = &self.ack {
            println!(
                "ack: {} journal commits, {:.1} deliveries per commit; the writer also processed {} entries; backlog min/max/last {}/{}/{}",
                a.commits,
                a.deliveries_per_commit,
                a.processed,
                a.backlog.min,
                a.backlog.max,
                a.backlog.last
            );
            println!("     cpu: {}", cpu_line(&a.cpu));
        }
        if let Some(p) = &self.process {
            println!(
                "process: {} journal commits, {:.1} deliveries per commit; processed {} (unrouted {}, invalid {}), {:.0}/s while receiving, drained {} after the last answer",
                p.commits,
                p.deliveries_per_commit,
                p.processed,
                p.unrouted,
                p.invalid,
                p.processed_while_sending_per_second,
                p.drain_seconds
                    .map(|s| format!("in {s:.1} s"))
                    .unwrap_or_else(|| "never".into())
            );
            println!(
                "     backlog (journaled - processed), sampled each second: min {} / max {} / last {}; {} when the last delivery was answered",
                p.backlog.min, p.backlog.max, p.backlog.last, p.backlog.at_send_end
            );
            println!("     backlog over time: {}", sparse_series(&p.samples));
            println!("     cpu: {}", cpu_line(&p.cpu));
            println!(
                "     check: {} messages before, {} after; {} new rows, {} of them this run's wamids with a journal id: {}",
                p.store_messages_before,
                p.store_messages_after,
                p.new_messages_counted,
                p.new_messages_of_this_run,
                if p.verified {
                    "no loss, no duplicates"
                } else {
                    "MISMATCH"
                }
            );
        }
        println!();
        let mem = self
            .memory
            .iter()
            .map(|m| format!("{} {:.0}/{:.0}", m.at, m.rss_mib, m.peak_mib))
            .collect::<Vec<_>>()
            .join(", ");
        println!("memory (RSS/peak MiB): {mem}");
        for (name, r) in [
            ("ack", self.ack.as_ref().map(|a| &a.rss)),
            ("process", self.process.as_ref().map(|p| &p.rss)),
        ] {
            if let Some(r) = r {
                println!(
                    "     {name}: RSS {:.0} MiB at start, {:.0} at a quarter, max {:.0} after, {:.0} at the end",
                    r.start_mib, r.at_quarter_mib, r.max_after_quarter_mib, r.end_mib
                );
            }
        }
        println!();
        for t in &self.targets {
            println!(
                "{:<9} {}: {}",
                if t.met { "[met]" } else { "[NOT MET]" },
                t.target,
                t.measured
            );
        }
        for n in &self.notes {
            println!("[NOTE]    {n}");
        }
        for p in &self.problems {
            println!("[PROBLEM] {p}");
        }
    }
}

fn cpu_line(c: &CpuUse) -> String {
    format!(
        "this process {:.2} cores busy, of which the writer thread {:.0}% of a core ({:.1} s CPU in {:.1} s); other programs {:.2} cores",
        c.cores_busy,
        c.writer_core_share * 100.0,
        c.writer_cpu_seconds,
        c.wall_seconds,
        c.other_programs_cores
    )
}

/// Up to 16 evenly spaced backlog samples, as `t=3s:1200`.
fn sparse_series(samples: &[Sample]) -> String {
    if samples.is_empty() {
        return "(no samples)".into();
    }
    let step = samples.len().div_ceil(16).max(1);
    let mut picked: Vec<&Sample> = samples.iter().step_by(step).collect();
    if let Some(last) = samples.last()
        && picked.last().is_none_or(|p| p.t_seconds != last.t_seconds)
    {
        picked.push(last);
    }
    picked
        .iter()
        .map(|s| format!("{:.0}s:{}", s.t_seconds, s.backlog))
        .collect::<Vec<_>>()
        .join(" ")
}
