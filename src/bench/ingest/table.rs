//! The ingest bench's table, as people read it (`--json` prints the Report as it is).

use super::report::{CpuUse, HttpFigures, Report, Sample};

impl Report {
    pub fn print_table(&self) {
        println!();
        self.print_setup();
        println!();
        self.print_rates();
        println!();
        self.print_phase_details();
        println!();
        self.print_memory();
        println!();
        self.print_verdicts();
    }

    /// What was run, on what, and the prefilled store.
    fn print_setup(&self) {
        let s = &self.setup;
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
    }

    /// One row per phase: requests, answers, rate and latencies.
    fn print_rates(&self) {
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
    }

    /// Where the time and the CPU went in each phase, and the store's own count of the result.
    fn print_phase_details(&self) {
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
    }

    fn print_memory(&self) {
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
    }

    fn print_verdicts(&self) {
        print_verdicts(&self.targets, &self.notes, &self.problems);
    }
}

/// The targets met or not, then the notes and the problems: how every ingest report ends.
pub fn print_verdicts(targets: &[super::report::Verdict], notes: &[String], problems: &[String]) {
    for t in targets {
        println!(
            "{:<9} {}: {}",
            if t.met { "[met]" } else { "[NOT MET]" },
            t.target,
            t.measured
        );
    }
    for n in notes {
        println!("[NOTE]    {n}");
    }
    for p in problems {
        println!("[PROBLEM] {p}");
    }
}

/// One phase's row of requests: how many, how answered, the rate and the latencies.
fn http_row(phase: &str, what: &str, h: &HttpFigures, unit: &str) {
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
