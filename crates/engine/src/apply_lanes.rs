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
//! How many lanes work follows the share of the partitions the engine holds (`lanes_for`): one
//! lane for each 32, so that the cluster applies on about as many connections whatever the
//! number of engines. Three engines of two lanes each applied on six connections at once on
//! this machine; the server then spent its cores switching between them, and answered webhooks
//! at 2,554 a second against 4,300 with one lane each, for no more applied in the end.
//! A lane goes idle or back to work only between batches (`active`), so a partition is never
//! applied by two lanes at once.
//!
//! The engine's writer keeps everything else (the API's write jobs, the search index), and
//! indexes only once the lanes have been quiet for a moment, as it did after its own applying.

use super::journal_commit;
use super::writer::{WriterCtx, WriterStats, publish};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use wabox_store as store;
use wabox_store::cluster::Lane;
use wabox_store::db::Connection;

/// Lanes a serving engine applies on at most. Two already keep both cores of this machine busy
/// (`wabox bench ingest --store`, in the README); more connections than cores only queue.
pub const LANES: i64 = 2;

/// The lanes that work while the engine holds `held` partitions: one for each share of
/// `PARTITIONS / LANES`, at least one, at most `LANES`.
pub fn lanes_for(held: usize) -> i64 {
    let per_lane = (store::cluster::PARTITIONS / LANES) as usize;
    (held.div_ceil(per_lane) as i64).clamp(1, LANES)
}
/// Journal entries applied per transaction. A batch's own costs (the pending look, the mark,
/// the events, the commit) are shared by all of it: at a steady 3,000 offered a second (60,000,
/// `wabox bench ingest --process-rate`), 256 applied 2,508 a second meanwhile, 128 about 2,000,
/// 512 2,209 (its look reads twice as much and its transaction holds its rows longer).
const BATCH: usize = 256;

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
    /// How many lanes work now (lanes 0..n). Each lane reads it under the lock for the whole
    /// of a batch; lane 0 changes it between its batches, once no lane is inside one.
    active: Arc<RwLock<i64>>,
    started: Instant,
}

impl Lanes {
    /// Starts a lane per connection given; lane i applies the partitions that leave i when
    /// divided by their count.
    pub(crate) fn start(
        conns: Vec<Connection>,
        cluster: Arc<crate::cluster::Cluster>,
        stats: Arc<WriterStats>,
        events: crate::writer::EventSenders,
    ) -> std::io::Result<Lanes> {
        let started = Instant::now();
        let busy_at = Arc::new(AtomicU64::new(0));
        let of = conns.len() as i64;
        let active = Arc::new(RwLock::new(of));
        let mut wakes = Vec::new();
        let mut threads = Vec::new();
        for (index, conn) in conns.into_iter().enumerate() {
            let (tx, rx) = mpsc::channel();
            let lane = Lane {
                index: index as i64,
                of,
            };
            let ctx = WriterCtx::new(conn, Some(cluster.clone()), lane);
            let (stats, events, busy_at) = (stats.clone(), events.clone(), busy_at.clone());
            let (active, cluster) = (active.clone(), cluster.clone());
            let thread = std::thread::Builder::new()
                .name(format!("wabox-apply-{index}"))
                .spawn(move || {
                    let share = Share {
                        active: &active,
                        most: of,
                        held: &|| cluster.held_count(),
                    };
                    run(ctx, rx, &stats, &events, share, || {
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
            active,
            started,
        })
    }

    /// Tells every lane to look at the journal.
    pub(crate) fn wake(&self) {
        for w in &self.wakes {
            let _ = w.send(LaneJob::Wake);
        }
    }

    /// How many lanes work now.
    pub(crate) fn active(&self) -> i64 {
        self.active.read().map(|n| *n).unwrap_or(0)
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

/// What a lane needs to know whether it works.
struct Share<'a> {
    active: &'a RwLock<i64>,
    /// The lanes started.
    most: i64,
    /// How many partitions the engine holds now.
    held: &'a (dyn Fn() -> usize + Sync),
}

impl Share<'_> {
    /// Lane 0, between its batches: sets how many lanes work for the partitions held now,
    /// waiting for the other lanes' batches in hand to end first.
    fn follow_held(&self) {
        let want = lanes_for((self.held)()).min(self.most);
        if self.active.read().is_ok_and(|n| *n == want) {
            return;
        }
        if let Ok(mut n) = self.active.write() {
            tracing::info!(
                from = *n,
                to = want,
                held = (self.held)(),
                "lanes applying the journal"
            );
            *n = want;
        }
    }
}

fn run(
    mut ctx: WriterCtx,
    rx: mpsc::Receiver<LaneJob>,
    stats: &WriterStats,
    events: &crate::writer::EventSenders,
    share: Share<'_>,
    busy: impl Fn(),
) {
    // Entries left pending by a crash, or journaled by other engines, are looked at first.
    let mut backlog = true;
    // The last batch was small: more is let arrive before the next look.
    let mut gather = false;
    loop {
        if gather {
            match wait_for_more(&rx) {
                Some(woken) => backlog |= woken,
                None => return,
            }
        }
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
        if ctx.lane.index == 0 {
            share.follow_held();
        }
        // Held for the whole batch: the count of lanes cannot change under it.
        let Ok(active) = share.active.read() else {
            return;
        };
        if ctx.lane.index >= *active {
            // Idle: the partitions held are fewer lanes' work.
            backlog = false;
            if stop {
                return;
            }
            continue;
        }
        ctx.lane.of = *active;
        backlog = match journal_commit::begin(&mut ctx, BATCH) {
            Ok(Some(open)) => {
                busy();
                let full = open.applied() == BATCH;
                gather = open.applied() < SMALL;
                let committed = journal_commit::commit(&mut ctx, open, stats);
                publish(&mut ctx, events, None);
                if !committed {
                    // Its entries are pending again: look again, after a moment.
                    std::thread::sleep(Duration::from_millis(200));
                }
                full || !committed
            }
            Ok(None) => {
                gather = false;
                false
            }
            Err(e) => {
                tracing::error!(error = %e, lane = ctx.lane.index, "could not apply the journal; retrying shortly");
                std::thread::sleep(Duration::from_millis(200));
                true
            }
        };
        drop(active);
        if stop {
            return;
        }
    }
}

/// A batch smaller than this is followed by a pause of `GATHER` before the next look: under a
/// stream, every journaled group woke the lane, which applied a few deliveries a batch, each
/// batch with the same look, mark, events and commit (a log flush) whatever its size.
const SMALL: usize = 64;
const GATHER: Duration = Duration::from_millis(20);

/// Waits `GATHER`, or less if told to stop (`None`): whether deliveries were journaled
/// meanwhile.
fn wait_for_more(rx: &mpsc::Receiver<LaneJob>) -> Option<bool> {
    let until = Instant::now() + GATHER;
    let mut woken = false;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(LaneJob::Wake) => woken = true,
            Err(RecvTimeoutError::Timeout) => break,
            Ok(LaneJob::Stop) | Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
    Some(woken)
}

/// Opens a lane's connections, one each.
pub(crate) fn connect(at: &crate::store_at::StoreAt) -> store::Result<Vec<Connection>> {
    (0..LANES).map(|_| at.open_reader()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_to_gather_says_whether_deliveries_came_and_ends_at_a_stop() {
        let (tx, rx) = mpsc::channel();
        assert_eq!(wait_for_more(&rx), Some(false), "nothing came");
        tx.send(LaneJob::Wake).unwrap();
        assert_eq!(wait_for_more(&rx), Some(true), "a wake-up is not lost");
        tx.send(LaneJob::Stop).unwrap();
        assert_eq!(wait_for_more(&rx), None);
        drop(tx);
        assert_eq!(wait_for_more(&rx), None, "nobody left to wake it");
    }

    #[test]
    fn one_lane_works_for_each_32_partitions_held() {
        assert_eq!(lanes_for(0), 1, "an engine holding nothing still looks");
        assert_eq!(lanes_for(1), 1);
        assert_eq!(lanes_for(21), 1, "one of three engines");
        assert_eq!(lanes_for(32), 1, "one of two");
        assert_eq!(lanes_for(33), 2);
        assert_eq!(lanes_for(64), 2, "alone");
    }

    #[test]
    fn the_count_of_lanes_changes_only_once_no_lane_is_inside_a_batch() {
        let active = RwLock::new(2);
        let held = std::sync::atomic::AtomicUsize::new(64);
        let share = Share {
            active: &active,
            most: 2,
            held: &|| held.load(Ordering::SeqCst),
        };
        share.follow_held();
        assert_eq!(*active.read().unwrap(), 2);
        held.store(21, Ordering::SeqCst);
        let batch_ended = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            // Lane 1 is inside a batch of its partitions.
            let in_batch = active.read().unwrap();
            let lane_zero = s.spawn(|| {
                share.follow_held();
                batch_ended.load(Ordering::SeqCst)
            });
            std::thread::sleep(Duration::from_millis(100));
            assert!(!lane_zero.is_finished(), "waits for the batch in hand");
            batch_ended.store(true, Ordering::SeqCst);
            drop(in_batch);
            assert!(lane_zero.join().unwrap(), "changed only after it ended");
        });
        assert_eq!(*active.read().unwrap(), 1);
        // Never more than the lanes started.
        let one = RwLock::new(1);
        held.store(64, Ordering::SeqCst);
        Share {
            active: &one,
            most: 1,
            held: &|| held.load(Ordering::SeqCst),
        }
        .follow_held();
        assert_eq!(*one.read().unwrap(), 1);
    }
}
