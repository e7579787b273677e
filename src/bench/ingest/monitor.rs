//! What the ingest bench watches while a phase runs: CPU from a mark, and the writer's counters
//! and memory sampled every second (with progress for the person waiting).

use super::report::{CpuUse, Sample};
use crate::bench::load::Progress;
use crate::bench::sys;
use crate::engine::writer::WriterStats;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// CPU counters at the start of a phase.
pub struct CpuMark {
    pub at: Instant,
    process: f64,
    machine: f64,
}

impl CpuMark {
    pub fn now() -> CpuMark {
        CpuMark {
            at: Instant::now(),
            process: sys::process_cpu(),
            machine: sys::machine_busy(),
        }
    }

    /// CPU use since the mark; the writer thread's time is its whole life (it started with the
    /// phase's engine).
    pub fn since(&self) -> CpuUse {
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

/// Samples the writer's counters and memory every second while a phase runs.
pub struct Monitor {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Vec<Sample>>,
}

pub fn done(s: &WriterStats) -> u64 {
    s.processed.load(Ordering::Relaxed)
        + s.unrouted.load(Ordering::Relaxed)
        + s.invalid.load(Ordering::Relaxed)
}

pub fn sample(started: Instant, stats: &WriterStats, progress: &Progress) -> Sample {
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
    pub fn start(
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

    pub async fn finish(self) -> Vec<Sample> {
        let _ = self.stop.send(());
        self.task.await.unwrap_or_default()
    }
}
