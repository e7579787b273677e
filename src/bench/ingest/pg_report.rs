//! `bench ingest --store`'s figures, per engine count: acknowledgements, whether the partition
//! owners' processing kept up, the takeover after a kill, where the CPU went; the verdicts
//! against the targets, and the table people read (`--json` prints it as it is).

use super::report::{HttpFigures, Verdict};
use serde::Serialize;

/// One engine acknowledges at least this many deliveries a second on PostgreSQL.
pub const TARGET_ACKED_PER_SECOND: f64 = 3_000.0;
pub const TARGET_ACK_P99_MS: f64 = 50.0;
/// A killed engine's partitions are held by the live ones within this.
pub const TARGET_TAKEOVER_SECONDS: f64 = 15.0;

#[derive(Debug, Clone, Serialize)]
pub struct PgSetup {
    pub deliveries: u64,
    pub connections: usize,
    pub numbers: u64,
    pub tenants: u64,
    pub customers_per_number: u64,
    pub body_bytes: usize,
    pub cpus: usize,
    pub load_average_at_start: f64,
    /// `--process-rate`: the deliveries were offered at this rate, not as fast as answered.
    pub offered_per_second: Option<f64>,
    /// The server's settings that decide what a commit costs.
    pub server: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PgReport {
    pub setup: PgSetup,
    pub runs: Vec<EnginesRun>,
    pub targets: Vec<Verdict>,
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

/// One engine count on a database of its own.
#[derive(Debug, Clone, Serialize)]
pub struct EnginesRun {
    pub engines: usize,
    pub database: String,
    /// The partitions the bench tenants fall in.
    pub partitions: Vec<i64>,
    /// From the engines' start until every one held its share of the 64 partitions.
    pub settle_seconds: Option<f64>,
    pub http: HttpFigures,
    /// Deliveries each engine acknowledged.
    pub ok_by_engine: Vec<u64>,
    pub failovers: u64,
    /// Journal rows still pending when the last delivery was answered, and the most seen.
    pub pending_at_send_end: i64,
    pub pending_max: i64,
    /// From the last answer until nothing was pending (None: not within the wait).
    pub drain_seconds: Option<f64>,
    /// Applied per second while deliveries arrived: (acknowledged - pending) over the send.
    pub processed_while_sending_per_second: f64,
    /// Pending at the last answer no more than a second of arrivals, and drained.
    pub kept_up: bool,
    pub journal: JournalCounts,
    /// Messages carrying this run's tag, and their distinct wamids.
    pub messages_of_this_run: i64,
    pub distinct_wamids: i64,
    /// Every acknowledged delivery is in the store exactly once.
    pub stored_once: bool,
    pub cpu: ClusterCpu,
    pub takeover: Option<Takeover>,
    /// (seconds, answered, pending), about twice a second.
    pub samples: Vec<(f64, u64, i64)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct JournalCounts {
    pub rows: i64,
    pub pending: i64,
    pub processed: i64,
    pub unrouted: i64,
    pub invalid: i64,
    /// Deliveries received more than once (a retry after a failover), counted on their row.
    pub repeats: i64,
}

/// Cores busy on average while deliveries were sent, by who.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ClusterCpu {
    pub wall_seconds: f64,
    pub engines_cores: Vec<f64>,
    /// The PostgreSQL server's processes (None: it is not on this machine, or not visible).
    pub postgres_cores: Option<f64>,
    /// This process: the load generator and the watcher.
    pub bench_cores: f64,
    pub other_programs_cores: f64,
    /// CPU seconds of the live engines' threads, summed by kind (`sys::thread_kind`), most
    /// first: threads that ended before the last answer are not counted.
    pub engine_threads: Vec<(String, f64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Takeover {
    /// The engine killed (its index), and when: deliveries answered by then.
    pub engine: usize,
    pub answered_at_kill: u64,
    pub seconds_into_send: f64,
    /// Partitions it held when it was killed.
    pub partitions_held: i64,
    /// From the kill until the live engines held all 64 (None: not within 60 s).
    pub seconds_to_all_held: Option<f64>,
}

impl PgReport {
    pub fn judge(&mut self) {
        let mut v = Vec::new();
        let one = self
            .runs
            .iter()
            .filter(|r| r.engines == 1)
            .map(|r| r.http.ok_per_second)
            .reduce(f64::max);
        for r in &self.runs {
            let who = format!(
                "{} engine{}",
                r.engines,
                if r.engines == 1 { "" } else { "s" }
            );
            if r.engines == 1 {
                v.push(ack_verdict(
                    &who,
                    r.http.ok_per_second,
                    self.setup.offered_per_second,
                ));
            } else if let Some(one) = one
                && r.takeover.is_none()
                && self.setup.offered_per_second.is_none()
            {
                v.push(Verdict {
                    target: format!("{who}: no slower than one engine"),
                    measured: format!(
                        "{:.0}/s against {one:.0}/s ({:.2}x)",
                        r.http.ok_per_second,
                        r.http.ok_per_second / one.max(1e-9)
                    ),
                    met: r.http.ok_per_second >= one,
                });
            }
            v.push(Verdict {
                target: format!("{who}: time to answer p99 <= {TARGET_ACK_P99_MS:.0} ms"),
                measured: format!("p99 {:.1} ms (p50 {:.1} ms)", r.http.p99_ms, r.http.p50_ms),
                met: r.http.ok > 0 && r.http.p99_ms <= TARGET_ACK_P99_MS,
            });
            match &r.takeover {
                None => v.push(Verdict {
                    target: format!(
                        "{who}: processing keeps up (pending at the last answer <= 1 s of arrivals, then drained)"
                    ),
                    measured: format!(
                        "{} pending at the last answer, {}; {:.0} applied/s while receiving",
                        r.pending_at_send_end,
                        r.drain_seconds
                            .map(|s| format!("drained in {s:.1} s"))
                            .unwrap_or_else(|| "never drained".into()),
                        r.processed_while_sending_per_second
                    ),
                    met: r.kept_up,
                }),
                Some(t) => v.push(Verdict {
                    target: format!(
                        "{who}, one killed: its partitions held by the live engines within {TARGET_TAKEOVER_SECONDS:.0} s"
                    ),
                    measured: t
                        .seconds_to_all_held
                        .map(|s| format!("{s:.1} s ({} partitions)", t.partitions_held))
                        .unwrap_or_else(|| "not within 60 s".into()),
                    met: t
                        .seconds_to_all_held
                        .is_some_and(|s| s <= TARGET_TAKEOVER_SECONDS),
                }),
            }
            v.push(Verdict {
                target: format!("{who}: every acknowledged delivery stored once"),
                measured: format!(
                    "{} acknowledged, {} messages of this run, {} distinct; {} pending at the end",
                    r.http.ok, r.messages_of_this_run, r.distinct_wamids, r.journal.pending
                ),
                met: r.stored_once,
            });
        }
        self.targets = v;
        for r in &self.runs {
            if r.cpu.other_programs_cores > super::report::BUSY_MACHINE_CORES {
                self.notes.push(format!(
                    "other programs used {:.2} cores on average during the {}-engine run: its figures are below what this machine does when quiet",
                    r.cpu.other_programs_cores, r.engines
                ));
            }
        }
    }

    pub fn print_table(&self) {
        let s = &self.setup;
        println!();
        println!(
            "wabox bench ingest --store (v{}): {} deliveries of ~{} B, {} connections round robin over the engines, {} numbers in {} tenants x {} customers, 127.0.0.1, {} CPUs, load average at start {:.2}",
            s.version,
            s.deliveries,
            s.body_bytes,
            s.connections,
            s.numbers,
            s.tenants,
            s.customers_per_number,
            s.cpus,
            s.load_average_at_start
        );
        println!("PostgreSQL: {}", s.server);
        println!();
        println!(
            "{:<8} {:>9} {:>9} {:>7} {:>6} {:>8} {:>12} {:>8} {:>8} {:>8} {:>9} {:>9}",
            "engines",
            "sent",
            "200",
            "non-200",
            "errors",
            "time s",
            "acked/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "pending",
            "drain s"
        );
        for r in &self.runs {
            println!(
                "{:<8} {:>9} {:>9} {:>7} {:>6} {:>8.2} {:>12.0} {:>8.2} {:>8.2} {:>8.2} {:>9} {:>9}",
                format!(
                    "{}{}",
                    r.engines,
                    if r.takeover.is_some() { " kill" } else { "" }
                ),
                r.http.requests,
                r.http.ok,
                r.http.non_200_total(),
                r.http.errors,
                r.http.seconds,
                r.http.ok_per_second,
                r.http.p50_ms,
                r.http.p99_ms,
                r.http.max_ms,
                r.pending_at_send_end,
                r.drain_seconds
                    .map(|s| format!("{s:.1}"))
                    .unwrap_or_else(|| "never".into())
            );
        }
        println!();
        for r in &self.runs {
            println!(
                "{} engine(s) on {}: partitions {:?}; settled in {}",
                r.engines,
                r.database,
                r.partitions,
                r.settle_seconds
                    .map(|s| format!("{s:.1} s"))
                    .unwrap_or_else(|| "not within 60 s".into())
            );
            println!(
                "     acknowledged by engine: {:?}; {} failovers; {:.0} applied/s while receiving; pending max {}",
                r.ok_by_engine, r.failovers, r.processed_while_sending_per_second, r.pending_max
            );
            println!(
                "     cpu while sending ({:.1} s): engines {} cores, PostgreSQL {}, the bench {:.2}, other programs {:.2}",
                r.cpu.wall_seconds,
                r.cpu
                    .engines_cores
                    .iter()
                    .map(|c| format!("{c:.2}"))
                    .collect::<Vec<_>>()
                    .join(" + "),
                r.cpu
                    .postgres_cores
                    .map(|c| format!("{c:.2}"))
                    .unwrap_or_else(|| "-".into()),
                r.cpu.bench_cores,
                r.cpu.other_programs_cores
            );
            println!(
                "     engine threads while sending: {}",
                r.cpu
                    .engine_threads
                    .iter()
                    .map(|(kind, s)| format!("{kind} {s:.2} s"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!(
                "     journal: {} rows, {} processed, {} pending, {} unrouted, {} invalid, {} repeats; {} messages of this run, {} distinct: {}",
                r.journal.rows,
                r.journal.processed,
                r.journal.pending,
                r.journal.unrouted,
                r.journal.invalid,
                r.journal.repeats,
                r.messages_of_this_run,
                r.distinct_wamids,
                if r.stored_once {
                    "every acknowledged delivery stored once"
                } else {
                    "MISMATCH"
                }
            );
            if let Some(t) = &r.takeover {
                println!(
                    "     killed engine {} (SIGKILL) {:.1} s into the send, {} answered, holding {} partitions: all 64 held by the live engines {}",
                    t.engine,
                    t.seconds_into_send,
                    t.answered_at_kill,
                    t.partitions_held,
                    t.seconds_to_all_held
                        .map(|s| format!("{s:.1} s later"))
                        .unwrap_or_else(|| "not within 60 s".into())
                );
            }
            println!("     pending over time: {}", sparse(&r.samples));
        }
        println!();
        super::table::print_verdicts(&self.targets, &self.notes, &self.problems);
    }
}

/// Up to 16 evenly spaced samples, as `3s:1200`.
fn sparse(samples: &[(f64, u64, i64)]) -> String {
    if samples.is_empty() {
        return "(no samples)".into();
    }
    let step = samples.len().div_ceil(16).max(1);
    let mut picked: Vec<&(f64, u64, i64)> = samples.iter().step_by(step).collect();
    if let Some(last) = samples.last()
        && picked.last().is_none_or(|p| p.0 != last.0)
    {
        picked.push(last);
    }
    picked
        .iter()
        .map(|(t, _, p)| format!("{t:.0}s:{p}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The acknowledgement target: as fast as answered, at least the target; offered at a rate
/// (`--process-rate`), that rate kept (within a percent: the last second is a partial one).
fn ack_verdict(who: &str, acked_per_second: f64, offered: Option<f64>) -> Verdict {
    match offered {
        None => Verdict {
            target: format!("{who}: deliveries acknowledged >= {TARGET_ACKED_PER_SECOND:.0}/s"),
            measured: format!("{acked_per_second:.0}/s"),
            met: acked_per_second >= TARGET_ACKED_PER_SECOND,
        },
        Some(rate) => Verdict {
            target: format!("{who}: deliveries acknowledged at the {rate:.0}/s offered"),
            measured: format!("{acked_per_second:.0}/s"),
            met: acked_per_second >= rate * 0.99,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_at_a_rate_the_ack_target_is_that_rate_kept() {
        let free = ack_verdict("1 engine", 2_999.6, None);
        assert!(!free.met, "as fast as answered, the target stands");
        let offered = ack_verdict("1 engine", 2_999.6, Some(3_000.0));
        assert!(offered.met, "{offered:?}");
        assert!(offered.target.contains("at the 3000/s offered"));
        assert!(!ack_verdict("1 engine", 2_500.0, Some(3_000.0)).met);
        assert!(ack_verdict("1 engine", 8_000.0, None).met);
    }
}
