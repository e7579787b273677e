//! On PostgreSQL, the journal has threads and connections of its own: a delivery is answered
//! 200 once its journal row (pending, with its partition) has committed, and the writer (or
//! another engine, the partition's owner) applies it afterwards.
//!
//! Why not as on SQLite, where a group is applied in the commit that journals it: there, one
//! fsync serves both and applying costs microseconds. On PostgreSQL applying is about twenty
//! round trips a delivery to the server, so the answer to Meta waited for every delivery of its
//! group to be applied (under 900 acknowledged a second on this 2-core machine, p99 70 ms). With
//! the journal apart, acknowledging costs a few round trips a group and the fsync, whatever
//! applying costs; a burst waits in the journal, durable, for its owner.
//!
//! Why `JOURNAL_CONNECTIONS` of them, taking groups from one queue: with one, the deliveries
//! that came while a group's commit was on its way waited for its answer before theirs could
//! start, so each waited up to two commits. With two, the next group is sent while the last
//! waits for the server's log flush (the server flushes both together when they meet), and a
//! delivery waits about one commit. Groups commit in either order, as the groups of two engines
//! do: nothing depends on the order of journal ids across groups (a tenant's deliveries are
//! applied by id, and deliveries sent at once have no order of their own).

use super::journal_commit::{db_error, refuse_all};
use super::writer::WriterStats;
use bytes::Bytes;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;
use wabox_domain::delivery_route::{Route, route_of};
use wabox_domain::time::now_unix;
use wabox_store as store;
use wabox_store::cluster::PartitionOf;
use wabox_store::db::Connection;

/// Connections (and threads) the journal commits on at once.
pub(crate) const JOURNAL_CONNECTIONS: usize = 2;

/// At most this many appends go into one commit.
const MAX_APPENDS_PER_COMMIT: usize = 512;

/// A group smaller than this waits up to `GATHER` once for more before it commits.
const SMALL_GROUP: usize = 8;
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);

/// A delivery as the journal files it, worked out on its HTTP handler's thread: its bytes, the
/// key that tells a repeat, and the number it names (for its partition). It is not parsed
/// here: the partition's owner parses it when it applies it (`delivery_route`).
pub(crate) struct Filed {
    body: Bytes,
    digest: [u8; 32],
    route: Route,
}

impl Filed {
    pub(crate) fn new(body: Bytes) -> Filed {
        Filed {
            digest: store::journal::digest(&body),
            route: route_of(&body),
            body,
        }
    }

    fn partition(&self) -> PartitionOf<'_> {
        PartitionOf::Named {
            phone_number_id: self.route.phone_number_id.as_deref(),
            waba_id: self.route.waba_id.as_deref(),
        }
    }
}

/// A delivery waiting for its commit, and the caller to answer then.
pub(crate) type Append = (Filed, oneshot::Sender<store::Result<i64>>);

pub(crate) enum AppendJob {
    Append(Append),
    /// Commit what was taken with it, then end the threads.
    Stop,
}

/// What the journal's threads share: the queue, and whether one of them took the stop.
struct Queue {
    rx: Mutex<mpsc::Receiver<AppendJob>>,
    stopping: AtomicBool,
}

/// Starts the journal's threads, one on each connection. `wake` tells this engine's lanes, and
/// the other engines (the partitions' owners), that deliveries were journaled.
pub(crate) fn start(
    conns: Vec<Connection>,
    stats: Arc<WriterStats>,
    wake: Box<dyn Fn() + Send + Sync>,
) -> std::io::Result<(mpsc::Sender<AppendJob>, Vec<std::thread::JoinHandle<()>>)> {
    let (tx, rx) = mpsc::channel();
    let queue = Arc::new(Queue {
        rx: Mutex::new(rx),
        stopping: AtomicBool::new(false),
    });
    let wake: Arc<dyn Fn() + Send + Sync> = Arc::from(wake);
    let mut threads = Vec::with_capacity(conns.len());
    for (k, conn) in conns.into_iter().enumerate() {
        let (queue, stats, wake) = (queue.clone(), stats.clone(), wake.clone());
        threads.push(
            std::thread::Builder::new()
                .name(format!("wabox-journal-{k}"))
                .spawn(move || run(conn, &queue, &stats, &*wake))?,
        );
    }
    Ok((tx, threads))
}

fn run(conn: Connection, queue: &Queue, stats: &WriterStats, wake: &dyn Fn()) {
    while let Some((appends, stop)) = take_group(queue) {
        if !appends.is_empty() && commit(&conn, appends, stats) {
            wake();
        }
        if stop {
            return;
        }
    }
}

/// The next group: what is queued (up to `MAX_APPENDS_PER_COMMIT`), and whether the stop came
/// with it; `None` once another thread took the stop or the queue is gone. One thread takes at
/// a time, so each waits for the queue only while no other does.
fn take_group(queue: &Queue) -> Option<(Vec<Append>, bool)> {
    let rx = queue.rx.lock().ok()?;
    if queue.stopping.load(Ordering::SeqCst) {
        return None;
    }
    let mut next = Some(rx.recv().ok()?);
    let mut appends = Vec::new();
    let mut stop = false;
    let mut gathered = false;
    while let Some(job) = next.take() {
        match job {
            AppendJob::Append(a) => appends.push(a),
            AppendJob::Stop => stop = true,
        }
        if !stop && appends.len() < MAX_APPENDS_PER_COMMIT {
            next = rx.try_recv().ok();
            if next.is_none() && appends.len() < SMALL_GROUP && !gathered {
                gathered = true;
                next = rx.recv_timeout(GATHER).ok();
            }
        }
    }
    if stop {
        queue.stopping.store(true, Ordering::SeqCst);
    }
    Some((appends, stop))
}

/// Journals the appends as pending in one statement, its own transaction (the partitions are
/// worked out in it, from the numbers the deliveries name), and answers each caller after its
/// commit (PostgreSQL's commit returns once its log is flushed): one round trip a group.
/// Returns whether any was new. If the statement fails, every caller hears so, and Meta
/// delivers again.
fn commit(conn: &Connection, appends: Vec<Append>, stats: &WriterStats) -> bool {
    let group: Vec<_> = appends
        .iter()
        .map(|(a, _)| (&a.body[..], &a.digest, a.partition()))
        .collect();
    let result = store::cluster::append_pending_group(conn, &group, now_unix());
    drop(group);
    match result {
        Ok(ids) => {
            let new = ids.iter().filter(|(_, new)| *new).count();
            stats.journaled.fetch_add(new as u64, Ordering::Relaxed);
            stats.commits.fetch_add(1, Ordering::Relaxed);
            for ((_, reply), (id, _)) in appends.into_iter().zip(ids) {
                let _ = reply.send(Ok(id));
            }
            new > 0
        }
        Err(e) => {
            refuse_all(appends, db_error(e));
            false
        }
    }
}
