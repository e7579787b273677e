//! On PostgreSQL, the journal has a thread and a connection of its own: a delivery is answered
//! 200 once its journal row (pending, with its partition) has committed, and the writer (or
//! another engine, the partition's owner) applies it afterwards.
//!
//! Why not as on SQLite, where a group is applied in the commit that journals it: there, one
//! fsync serves both and applying costs microseconds. On PostgreSQL applying is about twenty
//! round trips a delivery to the server, so the answer to Meta waited for every delivery of its
//! group to be applied (under 900 acknowledged a second on this 2-core machine, p99 70 ms). With
//! the journal apart, acknowledging costs a few round trips a group and the fsync, whatever
//! applying costs; a burst waits in the journal, durable, for its owner.

use super::journal_commit::{Append, db_error, named_partition, refuse_all};
use super::writer::WriterStats;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use wabox_domain::time::now_unix;
use wabox_store as store;
use wabox_store::db::Connection;

/// At most this many appends go into one commit.
const MAX_APPENDS_PER_COMMIT: usize = 512;

/// A group smaller than this waits up to `GATHER` once for more before it commits.
const SMALL_GROUP: usize = 8;
const GATHER: std::time::Duration = std::time::Duration::from_millis(1);

pub(crate) enum AppendJob {
    Append(Append),
    /// Commit what was taken with it, then end the thread.
    Stop,
}

/// Starts the journal's thread on its own connection. `wake` tells this engine's lanes, and
/// the other engines (the partitions' owners), that deliveries were journaled.
pub(crate) fn start(
    conn: Connection,
    stats: Arc<WriterStats>,
    wake: Box<dyn Fn() + Send>,
) -> std::io::Result<(mpsc::Sender<AppendJob>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("wabox-journal".into())
        .spawn(move || run(conn, rx, &stats, &*wake))?;
    Ok((tx, thread))
}

fn run(conn: Connection, rx: mpsc::Receiver<AppendJob>, stats: &WriterStats, wake: &dyn Fn()) {
    while let Ok(first) = rx.recv() {
        let mut appends = Vec::new();
        let mut stop = false;
        let mut next = Some(first);
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
        if !appends.is_empty() && commit(&conn, appends, stats) {
            wake();
        }
        if stop {
            return;
        }
    }
}

/// Journals the appends as pending in one statement, its own transaction (the partitions are
/// worked out in it, from the numbers the deliveries name), and answers each caller after its
/// commit (PostgreSQL's commit returns once its log is flushed): one round trip a group.
/// Returns whether any was new. If the statement fails, every caller hears so, and Meta
/// delivers again.
fn commit(conn: &Connection, appends: Vec<Append>, stats: &WriterStats) -> bool {
    let group: Vec<_> = appends
        .iter()
        .map(|(a, _)| (&a.body[..], &a.digest, named_partition(a)))
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
