//! The ingest bench's figures: what is measured, the JSON, and the verdicts (the table people
//! read is table.rs).

use crate::bench::load::LoadResult;
use crate::bench::prefill::{PrefillInfo, SqliteCeiling};
use crate::bench::sys::Rss;
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
        let r = crate::bench::sys::rss();
        self.memory.push(MemoryPoint {
            at: at.into(),
            rss_mib: r.rss_kib as f64 / 1024.0,
            peak_mib: r.peak_kib as f64 / 1024.0,
        });
    }

    /// Judges the figures against the targets, and notes a machine too busy to trust.
    pub fn judge(&mut self) {
        let mut v = Vec::new();
        if let Some(a) = &self.ack {
            v.extend(ack_verdicts(a));
        }
        if let Some(p) = &self.process {
            v.extend(process_verdicts(p));
        }
        v.extend(self.memory_verdict());
        self.targets = v;
        self.note_busy_machine();
    }

    /// Memory is judged over the phases that ran the engine, together.
    fn memory_verdict(&self) -> Option<Verdict> {
        let phases: Vec<(&str, &RssSummary)> = [
            self.ack.as_ref().map(|a| ("ack", &a.rss)),
            self.process.as_ref().map(|p| ("process", &p.rss)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if phases.is_empty() {
            return None;
        }
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
        Some(Verdict {
            target: format!(
                "memory flat over the run (RSS grows < {FLAT_RSS_MIB:.0} MiB or {:.0}% after the first quarter)",
                FLAT_RSS_RATIO * 100.0
            ),
            measured,
            met: phases.iter().all(|(_, r)| r.flat),
        })
    }

    fn note_busy_machine(&mut self) {
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
}

fn ack_verdicts(a: &AckPhase) -> [Verdict; 2] {
    [
        Verdict {
            target: format!(
                "deliveries acknowledged >= {TARGET_ACKED_PER_SECOND:.0}/s (200 after the journal commit)"
            ),
            measured: format!("{:.0}/s", a.http.ok_per_second),
            met: a.http.ok_per_second >= TARGET_ACKED_PER_SECOND,
        },
        Verdict {
            target: format!("time to answer p99 < {TARGET_ACK_P99_MS:.0} ms"),
            measured: format!("p99 {:.1} ms (p50 {:.1} ms)", a.http.p99_ms, a.http.p50_ms),
            met: a.http.ok > 0 && a.http.p99_ms < TARGET_ACK_P99_MS,
        },
    ]
}

fn process_verdicts(p: &ProcessPhase) -> [Verdict; 2] {
    [
        Verdict {
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
        },
        Verdict {
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
        },
    ]
}
