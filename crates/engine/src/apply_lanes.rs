//! On PostgreSQL, a serving engine applies the deliveries of its partitions on several
//! connections at once, each a lane with a thread of its own and its share of the partitions
//! (`store::cluster::Lane`).
//!
//! Why: applying a delivery is about a dozen statements, each a round trip to the server, and
//! one connection spends most of its time waiting for the answer, not working (on this 2-core
//! machine one lane applied about 850 a second with the server's executor busy a third of that
//! time). Lanes share nothing but the store: their partitions are different tenants, so their
//! rows are too. Order is kept where it matters: a tenant's deliveries are all in one lane,
//! applied oldest first.
//!
//! The engine's writer keeps everything else (the API's write jobs, the search index), and
//! indexes only once the lanes have been quiet for a moment, as it did after its own applying.

use super::journal_commit;
use super::writer::{WriterCtx, WriterStats, publish};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use wabox_store::cluster::Lane;
use wabox_store::db::Connection;
use wabox_store::{self as store, StoreEvent};

/// Lanes a serving engine applies on. Two already keep both cores of this machine busy
/// (`wabox bench ingest --store`, in the README); more connections than cores only queue.
pub const LANES: i64 = 2;
/// Journal entries applied per transaction: at a steady 3,000 offered a second, 128 applied
/// about a tenth more a second than 64 (1,340–1,449 against 1,107–1,380), 256 no more.
const BATCH: usize = 128;

enum LaneJob {
    /// Deliveries were journaled: look.
    Wake,
    /// Finish the batch in hand, then end the thread.
    Stop,
}

/// The lanes' threads and how to reach them.
pub(crate) struct Lanes {
    wakes: Vec<mpsc::Sender<LaneJob>>,
    threads: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>>,
    /// When a lane last applied something, in milliseconds from `started`.
    busy_at: Arc<AtomicU64>,
    started: Instant,
}

impl Lanes {
    /// Starts a lane per connection given; lane i applies the partitions that leave i when
    /// divided by their count.
    pub(crate) fn start(
        conns: Vec<Connection>,
        cluster: Arc<crate::cluster::Cluster>,
        stats: Arc<WriterStats>,
        events: broadcast::Sender<StoreEvent>,
    ) -> std::io::Result<Lanes> {
        let started = Instant::now();
        let busy_at = Arc::new(AtomicU64::new(0));
        let of = conns.len() as i64;
        let mut wakes = Vec::new();
        let mut threads = Vec::new();
        for (index, conn) in conns.into_iter().enumerate() {
            let (tx, rx) = mpsc::channel();
            let ctx = WriterCtx {
                conn,
                events: Vec::new(),
                cluster: Some(cluster.clone()),
                lane: Lane {
                    index: index as i64,
                    of,
                },
            };
            let (stats, events, busy_at) = (stats.clone(), events.clone(), busy_at.clone());
            let thread = std::thread::Builder::new()
                .name(format!("wabox-apply-{index}"))
                .spawn(move || {
                    run(ctx, rx, &stats, &events, || {
                        busy_at.store(started.elapsed().as_millis() as u64, Ordering::Relaxed)
                    })
                })?;
            wakes.push(tx);
            threads.push(thread);
        }
        Ok(Lanes {
            wakes,
            threads: std::sync::Mutex::new(threads),
            busy_at,
            started,
        })
    }

    /// Tells every lane to look at the journal.
    pub(crate) fn wake(&self) {
        for w in &self.wakes {
            let _ = w.send(LaneJob::Wake);
        }
    }

    /// Whether no lane has applied anything for `quiet`.
    pub(crate) fn quiet_for(&self, quiet: Duration) -> bool {
        let busy_at = Duration::from_millis(self.busy_at.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(busy_at) >= quiet
    }

    /// Ends the lanes once their batches in hand are committed.
    pub(crate) fn stop(&self) {
        for w in &self.wakes {
            let _ = w.send(LaneJob::Stop);
        }
        let threads = self.threads.lock().map(|mut t| std::mem::take(&mut *t));
        for t in threads.unwrap_or_default() {
            let _ = t.join();
        }
    }
}

fn run(
    mut ctx: WriterCtx,
    rx: mpsc::Receiver<LaneJob>,
    stats: &WriterStats,
    events: &broadcast::Sender<StoreEvent>,
    busy: impl Fn(),
) {
    // Entries left pending by a crash, or journaled by other engines, are looked at first.
    let mut backlog = true;
    loop {
        if !backlog {
            // Look now and then even unwoken: a partition just taken over may hold a backlog.
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(LaneJob::Wake) | Err(RecvTimeoutError::Timeout) => {}
                Ok(LaneJob::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        // One look serves every wake-up queued meanwhile.
        let mut stop = false;
        while let Ok(job) = rx.try_recv() {
            stop |= matches!(job, LaneJob::Stop);
        }
        backlog = match journal_commit::begin(&mut ctx, BATCH) {
            Ok(Some(open)) => {
                busy();
                let full = open.applied() == BATCH;
                let committed = journal_commit::commit(&mut ctx, open, stats);
                publish(&mut ctx, events, None);
                if !committed {
                    // Its entries are pending again: look again, after a moment.
                    std::thread::sleep(Duration::from_millis(200));
                }
                full || !committed
            }
            Ok(None) => false,
            Err(e) => {
                tracing::error!(error = %e, lane = ctx.lane.index, "could not apply the journal; retrying shortly");
                std::thread::sleep(Duration::from_millis(200));
                true
            }
        };
        if stop {
            return;
        }
    }
}

/// Opens a lane's connections, one each.
pub(crate) fn connect(at: &crate::store_at::StoreAt) -> store::Result<Vec<Connection>> {
    (0..LANES).map(|_| at.open_reader()).collect()
}
