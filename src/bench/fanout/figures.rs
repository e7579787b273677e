//! The fan-out figures from what was counted: pure arithmetic, and the printed table.

use super::inbox::Arrival;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Instant;

/// The `q` quantile (0..=1) of sorted samples, nearest rank; 0 when there are none.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (sorted.len() as f64 * q).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds from each delivery's POST to its arrival at an inbox, sorted, and how many
/// arrivals matched no POST. `posts[k]` is when the `k`th delivery was posted.
pub fn latencies_ms(posts: &[Instant], arrivals: &[Arrival]) -> (Vec<f64>, usize) {
    let mut ms = Vec::with_capacity(arrivals.len());
    let mut unmatched = 0;
    for a in arrivals {
        match posts.get(a.delivery as usize) {
            Some(posted) => ms.push(since_ms(*posted, a.at)),
            None => unmatched += 1,
        }
    }
    ms.sort_by(f64::total_cmp);
    (ms, unmatched)
}

/// Milliseconds from each delivery's POST to its arrival at the first inbox that saw it,
/// sorted. Beside `latencies_ms` it tells a late engine (every inbox late together) from a
/// late reader (the bench's own inboxes, run on the same cores, reaching the push late).
pub fn first_arrivals_ms(posts: &[Instant], arrivals: &[Arrival]) -> Vec<f64> {
    let mut first: HashMap<u64, Instant> = HashMap::new();
    for a in arrivals {
        first
            .entry(a.delivery)
            .and_modify(|at| *at = (*at).min(a.at))
            .or_insert(a.at);
    }
    let mut ms: Vec<f64> = first
        .into_iter()
        .filter_map(|(k, at)| Some(since_ms(*posts.get(k as usize)?, at)))
        .collect();
    ms.sort_by(f64::total_cmp);
    ms
}

fn since_ms(posted: Instant, at: Instant) -> f64 {
    at.saturating_duration_since(posted).as_secs_f64() * 1000.0
}

/// The index of the pair whose CPU ratio is the median (the lower of the two middle ones when
/// their number is even); none when there is no pair.
pub fn median_pair(reports: &[Report]) -> Option<usize> {
    let mut by_ratio: Vec<(usize, f64)> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.cpu_ratio().unwrap_or(f64::INFINITY)))
        .collect();
    by_ratio.sort_by(|a, b| a.1.total_cmp(&b.1));
    by_ratio
        .get((by_ratio.len().max(1) - 1) / 2)
        .map(|(i, _)| *i)
}

/// One line per pair: the figures that move from run to run, side by side.
pub fn print_pairs(reports: &[Report]) {
    println!("pair   engine s none / inboxes   ratio   µs/msg/inbox   p99 ms");
    for (i, r) in reports.iter().enumerate() {
        let Some(l) = &r.loaded else { continue };
        println!(
            "{:<6} {:>10.2} / {:<10.2} {:>6.2}x {:>14.1} {:>8.1}",
            i + 1,
            r.baseline.engine_cpu_seconds,
            l.engine_cpu_seconds,
            r.cpu_ratio().unwrap_or(0.0),
            r.inbox_cpu_us_per_message().unwrap_or(0.0),
            l.latency_p99_ms
        );
    }
}

/// Bytes the inboxes read per delivered message, per inbox.
pub fn per_message_per_inbox(total: u64, delivered: u64, inboxes: usize) -> f64 {
    if delivered == 0 || inboxes == 0 {
        return 0.0;
    }
    total as f64 / delivered as f64 / inboxes as f64
}

/// One run of the traffic, with `inboxes` watching.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Run {
    pub inboxes: usize,
    /// Deliveries posted, and answered 200.
    pub posted: u64,
    pub delivered: u64,
    /// Offered rate achieved (posts per second of sending).
    pub posted_per_second: f64,
    /// From the first POST until the engine went idle after the last one.
    pub window_seconds: f64,
    pub engine_cpu_seconds: f64,
    /// The bench's own CPU (the inboxes and the sender), and the whole machine's.
    pub bench_cpu_seconds: f64,
    pub machine_cpu_seconds: f64,
    pub latency_p50_ms: f64,
    pub latency_p99_ms: f64,
    pub latency_max_ms: f64,
    /// Arrivals timed, and arrivals that matched no POST.
    pub latency_samples: usize,
    pub unmatched: usize,
    /// Each delivery's latency to the first inbox that saw it.
    pub first_p50_ms: f64,
    pub first_p99_ms: f64,
    /// Deliveries each inbox should have seen but did not, summed over the inboxes.
    pub missed: u64,
    pub bytes_per_message_per_inbox: f64,
    pub events_per_message_per_inbox: f64,
    pub requests_per_message_per_inbox: f64,
    pub lagged: u64,
    pub reconnects: u64,
    pub engine_rss_mib: f64,
}

impl Run {
    pub fn engine_cores(&self) -> f64 {
        self.engine_cpu_seconds / self.window_seconds.max(1e-9)
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub rate: u64,
    pub seconds: u64,
    /// The agents the inboxes belong to (0: all the engine's admin's).
    pub agents: usize,
    pub conversations: u64,
    pub messages: u64,
    pub cpus: usize,
    /// The inboxes were on `/api` with tokens, not on the socket.
    pub remote: bool,
    pub baseline: Run,
    pub loaded: Option<Run>,
}

impl Report {
    /// Engine CPU with the inboxes over engine CPU with none, for the same traffic.
    pub fn cpu_ratio(&self) -> Option<f64> {
        let l = self.loaded.as_ref()?;
        Some(l.engine_cpu_seconds / self.baseline.engine_cpu_seconds.max(1e-9))
    }

    /// What each inbox added to the engine's CPU per message delivered, in microseconds: the
    /// cost that grows with the team, whatever the engine spends on the messages themselves
    /// (which the ratio divides by, so making ingest cheaper makes the ratio worse).
    pub fn inbox_cpu_us_per_message(&self) -> Option<f64> {
        let l = self.loaded.as_ref()?;
        if l.inboxes == 0 || l.delivered == 0 {
            return None;
        }
        let extra = l.engine_cpu_seconds - self.baseline.engine_cpu_seconds;
        Some(extra * 1e6 / l.delivered as f64 / l.inboxes as f64)
    }

    pub fn print(&self) {
        self.print_runs();
        self.print_targets();
    }

    /// The table of the pair's two runs.
    pub fn print_runs(&self) {
        println!(
            "fan-out: {} msg/s for {} s, store of {} messages in {} conversations, {} CPUs, {}, {}",
            self.rate,
            self.seconds,
            self.messages,
            self.conversations,
            self.cpus,
            match self.agents {
                0 => "every inbox the admin's".to_string(),
                n => format!("the inboxes of {n} agents"),
            },
            match self.remote {
                true => "inboxes on /api (WebSocket, tokens)",
                false => "inboxes on the socket",
            }
        );
        println!(
            "{:<9} {:>9} {:>8} {:>8} {:>8} {:>9} {:>9} {:>10} {:>8} {:>8} {:>7} {:>7}",
            "inboxes",
            "delivered",
            "engine s",
            "cores",
            "bench s",
            "p50 ms",
            "p99 ms",
            "B/msg/inb",
            "ev/msg",
            "req/msg",
            "lagged",
            "reconn"
        );
        for r in std::iter::once(&self.baseline).chain(&self.loaded) {
            println!(
                "{:<9} {:>9} {:>8.2} {:>8.2} {:>8.2} {:>9.1} {:>9.1} {:>10.0} {:>8.2} {:>8.2} {:>7} {:>7}",
                r.inboxes,
                r.delivered,
                r.engine_cpu_seconds,
                r.engine_cores(),
                r.bench_cpu_seconds,
                r.latency_p50_ms,
                r.latency_p99_ms,
                r.bytes_per_message_per_inbox,
                r.events_per_message_per_inbox,
                r.requests_per_message_per_inbox,
                r.lagged,
                r.reconnects
            );
        }
        let Some(l) = &self.loaded else {
            println!("(no inbox asked for: the baseline only, no target to check)");
            return;
        };
        println!(
            "window {:.1} s (first POST to the engine idle again); engine RSS {:.0} MiB; \
             machine busy {:.1} CPU s; {} latency samples, max {:.1} ms, {} unmatched, {} missed",
            l.window_seconds,
            l.engine_rss_mib,
            l.machine_cpu_seconds,
            l.latency_samples,
            l.latency_max_ms,
            l.unmatched,
            l.missed
        );
        println!(
            "POST to the first inbox that saw it (the engine's share): p50 {:.1} ms, p99 {:.1} ms",
            l.first_p50_ms, l.first_p99_ms
        );
    }

    /// Each of the targets, met or not, with what was measured.
    pub fn print_targets(&self) {
        for (met, target, measured) in self.targets() {
            println!(
                "{:<9} {}: {}",
                if met { "[met]" } else { "[NOT MET]" },
                target,
                measured
            );
        }
    }

    /// (met, target, measured) for each of the targets.
    pub fn targets(&self) -> Vec<(bool, String, String)> {
        let Some(l) = &self.loaded else {
            return Vec::new();
        };
        let ratio = self.cpu_ratio().unwrap_or(f64::INFINITY);
        let resyncs = l.lagged + l.reconnects;
        vec![
            (
                l.inboxes >= 200 && self.rate >= 100 && l.delivered >= l.posted && l.posted > 0,
                "200 inboxes at 100 msg/s, every delivery answered".into(),
                format!(
                    "{} inboxes at {:.0} msg/s, {} of {} answered",
                    l.inboxes, l.posted_per_second, l.delivered, l.posted
                ),
            ),
            (
                ratio <= 1.5,
                "engine CPU at most 1.5x its CPU with no inbox".into(),
                format!(
                    "{ratio:.2}x ({:.2} CPU s against {:.2}; {:.1} µs per message per inbox)",
                    l.engine_cpu_seconds,
                    self.baseline.engine_cpu_seconds,
                    self.inbox_cpu_us_per_message().unwrap_or(0.0)
                ),
            ),
            (
                l.latency_p99_ms <= 100.0 && l.missed == 0 && l.latency_samples > 0,
                "event to inbox p99 at most 100 ms, every event arriving".into(),
                format!(
                    "p99 {:.1} ms (p50 {:.1}), {} deliveries missed by some inbox",
                    l.latency_p99_ms, l.latency_p50_ms, l.missed
                ),
            ),
            (
                resyncs == 0,
                "no resync".into(),
                format!("{} lagged notices, {} reconnects", l.lagged, l.reconnects),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[7.0], 0.99), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn arrivals_match_the_post_of_their_delivery() {
        let t0 = Instant::now();
        let ms = |n| Duration::from_millis(n);
        let posts = [t0, t0 + ms(50), t0 + ms(100)];
        let at = |delivery, after| Arrival {
            delivery,
            at: t0 + ms(after),
        };
        let arrivals = [at(0, 10), at(1, 70), at(2, 130), at(3, 140), at(9, 1)];
        let (lat, unmatched) = latencies_ms(&posts, &arrivals);
        assert_eq!(unmatched, 2);
        let rounded: Vec<u64> = lat.iter().map(|l| l.round() as u64).collect();
        assert_eq!(rounded, vec![10, 20, 30]);
    }

    #[test]
    fn the_first_arrival_of_each_delivery_is_its_earliest_at_any_inbox() {
        let t0 = Instant::now();
        let ms = |n| Duration::from_millis(n);
        let posts = [t0, t0 + ms(100)];
        let at = |delivery, after| Arrival {
            delivery,
            at: t0 + ms(after),
        };
        // Two inboxes: the second reads the first delivery late, the first the second one.
        let arrivals = [at(0, 10), at(1, 190), at(0, 80), at(1, 120), at(2, 5)];
        let rounded: Vec<u64> = first_arrivals_ms(&posts, &arrivals)
            .iter()
            .map(|l| l.round() as u64)
            .collect();
        assert_eq!(
            rounded,
            vec![10, 20],
            "the earliest of each, unmatched left out"
        );
    }

    /// A report of the default run's shape (200 inboxes' worth of traffic, one admin).
    fn report_of(baseline: Run, loaded: Option<Run>) -> Report {
        Report {
            rate: 100,
            agents: 0,
            seconds: 20,
            conversations: 1_000,
            messages: 20_000,
            cpus: 2,
            remote: false,
            baseline,
            loaded,
        }
    }

    #[test]
    fn the_median_pair_is_the_one_with_the_middle_ratio() {
        let pair = |none: f64, with: f64| {
            report_of(
                Run {
                    engine_cpu_seconds: none,
                    ..Run::default()
                },
                Some(Run {
                    inboxes: 200,
                    delivered: 2_000,
                    engine_cpu_seconds: with,
                    ..Run::default()
                }),
            )
        };
        // Ratios 1.8, 1.2, 1.5: the median is the third pair's.
        let reports = [pair(2.0, 3.6), pair(3.0, 3.6), pair(2.0, 3.0)];
        assert_eq!(median_pair(&reports), Some(2));
        // Of an even number, the lower middle one: 1.2 and 1.5 of 1.2, 1.5, 1.8, 2.0.
        let reports = [
            pair(2.0, 3.6),
            pair(3.0, 3.6),
            pair(2.0, 3.0),
            pair(1.0, 2.0),
        ];
        assert_eq!(median_pair(&reports), Some(2));
        assert_eq!(median_pair(&[]), None);
    }

    #[test]
    fn an_inboxs_cpu_is_what_the_engine_spent_beyond_the_baseline_per_message() {
        let run = |inboxes, cpu| Run {
            inboxes,
            delivered: 2_000,
            engine_cpu_seconds: cpu,
            ..Run::default()
        };
        let report = |loaded| report_of(run(0, 4.0), loaded);
        let us = report(Some(run(200, 6.0)))
            .inbox_cpu_us_per_message()
            .unwrap();
        assert!(
            (us - 5.0).abs() < 1e-9,
            "2 s over 2,000 messages and 200 inboxes: {us}"
        );
        assert_eq!(report(None).inbox_cpu_us_per_message(), None);
    }

    #[test]
    fn bytes_are_per_delivered_message_and_per_inbox() {
        assert_eq!(per_message_per_inbox(60_000, 100, 3), 200.0);
        assert_eq!(per_message_per_inbox(5, 0, 3), 0.0);
        assert_eq!(per_message_per_inbox(5, 10, 0), 0.0);
    }
}
