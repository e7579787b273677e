//! Copies the write-ahead log into the database file on a thread of its own.
//!
//! SQLite's automatic checkpoint runs on the connection that commits: every thousand pages or
//! so, the writer would stop to copy them and fsync the database file while the deliveries it
//! holds wait for their 200. Here the writer only appends to the log, and this thread copies it
//! (PASSIVE: it never blocks the writer or a reader), at most every `INTERVAL` while commits
//! keep coming, and not at all while none do.
//!
//! A log starts over only when all of it was copied at the moment a write transaction begins,
//! which a copier racing a busy writer seldom sees; so once the log passes `RESTART_FRAMES`,
//! this thread says so and stands back, and the writer, between two transactions, copies the
//! little that is left and has the next one start the log over (`restart_if_long`). Run from
//! here, the RESTART had to win the writer's lock, which a writer under a stream of webhooks
//! never leaves long enough: the log grew to 2.7 GB over 100,000 deliveries. From the writer it
//! waits only for readers, at most `wal::RESTART_PATIENCE`.
//!
//! SQLite syncs the database file only when a copy takes all of the log, so the copy that lets
//! the log start over must write out every page the partial copies before it left in the
//! kernel's cache. Before it asks the writer for that copy, this thread syncs the database file
//! itself and copies again (`make_ready_to_restart`): the writer's RESTART used to take 45-55 ms
//! of its time, 20% of the ingest bench's; it now takes 16-23 ms, about a third as often.

use std::cell::Cell;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wabox_store::{self as store, wal};

/// The least time between two copies: each one fsyncs the log (and, when it copies all of it,
/// the database file).
const INTERVAL: Duration = Duration::from_millis(100);
/// Pages in the log past which it is made to start over (64 MiB of 4 KiB pages). Each time
/// costs a sync of the database file's scattered pages, and a page changed many times in
/// between is written once: at 16 MiB, starting over cost the writer four times as much.
const RESTART_FRAMES: i64 = 16_384;
/// Rounds of syncing the database file and copying again before the writer starts the log over.
const PRE_FLUSHES: usize = 2;
/// Copies skipped while the writer is to start the log over (2 × `INTERVAL`: 200 ms).
const HOLD_BACK_MAX: u32 = 2;
/// The least time between two tries to start the log over while readers keep it in use.
const RESTART_EVERY: Duration = Duration::from_millis(100);

pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// The last copy found the log past `RESTART_FRAMES`.
    long: Arc<AtomicBool>,
    /// When the writer last tried to start the log over (only the writer's thread uses it).
    tried: Cell<Option<Instant>>,
}

impl Checkpointer {
    /// Takes checkpoints off `writer`'s connection and starts the thread that does them.
    pub(super) fn start(db_path: &Path, writer: &rusqlite::Connection) -> store::Result<Self> {
        Checkpointer::with_restart_at(db_path, writer, RESTART_FRAMES)
    }

    /// As `start`, with the log made to start over past `restart_frames` pages.
    fn with_restart_at(
        db_path: &Path,
        writer: &rusqlite::Connection,
        restart_frames: i64,
    ) -> store::Result<Self> {
        let conn = wal::open_checkpointer(db_path)?;
        wal::stop_automatic_checkpoints(writer)?;
        let (nudge, wake) = mpsc::sync_channel::<()>(1);
        let long = Arc::new(AtomicBool::new(false));
        let found_long = long.clone();
        let database = wal::database_flusher(db_path).map_err(|e| {
            store::StoreError::invalid(format!("could not open the database file to sync it: {e}"))
        })?;
        let thread = std::thread::Builder::new()
            .name("wabox-checkpoint".into())
            .spawn(move || {
                let mut held_back = 0;
                while wake.recv().is_ok() {
                    // The writer is about to start the log over: a copy now would hold the
                    // lock its RESTART needs, and that RESTART copies what is left anyway. If
                    // readers keep it from finishing, copying goes on after a while.
                    if found_long.load(Ordering::Relaxed) && held_back < HOLD_BACK_MAX {
                        held_back += 1;
                        std::thread::sleep(INTERVAL);
                        continue;
                    }
                    held_back = 0;
                    if let Some(state) = copy(&conn) {
                        let long = state.frames > restart_frames;
                        if long {
                            make_ready_to_restart(&conn, &database);
                        }
                        found_long.store(long, Ordering::Relaxed);
                    }
                    std::thread::sleep(INTERVAL);
                }
            })
            .map_err(|e| {
                store::StoreError::invalid(format!("could not start the checkpointer: {e}"))
            })?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
            long,
            tried: Cell::new(None),
        })
    }

    /// Called by the writer after it committed: the log has grown.
    pub(super) fn committed(&self) {
        if let Some(nudge) = &self.nudge {
            // Full: the copier is already due to run.
            let _ = nudge.try_send(());
        }
    }

    /// Called by the writer between transactions, on its own connection: if the log has grown
    /// long, copies the rest and has the next transaction start it over.
    pub(super) fn restart_if_long(&self, writer: &rusqlite::Connection) {
        if !self.long.load(Ordering::Relaxed)
            || self
                .tried
                .get()
                .is_some_and(|t| t.elapsed() < RESTART_EVERY)
        {
            return;
        }
        self.tried.set(Some(Instant::now()));
        match wal::restart_between_writes(writer) {
            Ok(state) if state.complete => self.long.store(false, Ordering::Relaxed),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not start the log over"),
        }
    }
}

/// Copies what it can of the log (PASSIVE); None if it could not (logged).
fn copy(conn: &rusqlite::Connection) -> Option<wal::WalState> {
    match wal::checkpoint(conn) {
        Ok(state) => Some(state),
        // The checkpoint syncs the log too: after a failed sync, a later one that succeeds would
        // not bring back what the kernel dropped, so the engine stops as the syncer does, rather
        // than answer anyone.
        Err(store::StoreError::Db(e))
            if e.as_sqlite().and_then(rusqlite::Error::sqlite_error_code)
                == Some(rusqlite::ErrorCode::SystemIoFailure) =>
        {
            stop_engine(&e)
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not checkpoint the log");
            None
        }
    }
}

/// Leaves the writer's RESTART little to do: the pages the partial copies wrote are synced
/// here, off the writer's thread, then what was committed meanwhile is copied, twice over (each
/// round is shorter than the one before, so each leaves fewer pages behind). The RESTART then
/// copies and syncs only what came after: 16-23 ms on average in the ingest bench, against 45-55
/// without.
fn make_ready_to_restart(conn: &rusqlite::Connection, database: &std::fs::File) {
    for _ in 0..PRE_FLUSHES {
        if let Err(e) = wal::flush_database(database) {
            stop_engine(&e);
        }
        copy(conn);
    }
}

fn stop_engine(e: &dyn std::fmt::Display) -> ! {
    tracing::error!(error = %e, "could not sync the store while copying its log; stopping the engine");
    eprintln!("wabox: could not sync the store ({e}); stopping");
    std::process::abort();
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Its channel closed, the thread finishes the copy it is in and ends.
        self.nudge = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_a_stream_of_commits_the_log_starts_over_and_stays_bounded() {
        let (_dir, writer) = store::testing::store();
        let writer = writer.as_sqlite().unwrap();
        let db = Path::new(writer.path().unwrap()).to_owned();
        // 256 pages: the log is to start over past 1 MiB.
        let checkpointer = Checkpointer::with_restart_at(&db, writer, 256).unwrap();
        writer.execute_batch("CREATE TABLE probe (x BLOB)").unwrap();
        let log_bytes = || std::fs::metadata(wal::log_path(&db)).map_or(0, |m| m.len());
        let mut largest = 0;
        // About 80 MiB in commits of 10 pages, with no pause the copier could finish in: as
        // webhooks keep the writer busy.
        for _ in 0..2_000 {
            writer
                .execute_batch(
                    "BEGIN IMMEDIATE;
                     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
                     INSERT INTO probe (x) SELECT zeroblob(4000) FROM n;
                     COMMIT;",
                )
                .unwrap();
            checkpointer.committed();
            checkpointer.restart_if_long(writer);
            largest = largest.max(log_bytes());
        }
        // Grown without bound, the log would hold every page written: 80 MiB. It starts over
        // past 1 MiB, plus what commits while the copier syncs and the writer waits its turn.
        assert!(
            largest < 24 << 20,
            "the log reached {largest} bytes: it never started over"
        );
        drop(checkpointer);
        let rows: i64 = writer
            .query_row("SELECT count(*) FROM probe", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 20_000, "nothing was lost on the way");
    }

    #[test]
    fn the_database_file_is_flushed_through_one_kept_descriptor() {
        let (dir, writer) = store::testing::store();
        let writer = writer.as_sqlite().unwrap();
        let db = Path::new(writer.path().unwrap()).to_owned();
        let a = wal::database_flusher(&db).unwrap();
        let b = wal::database_flusher(&db).unwrap();
        assert!(
            Arc::ptr_eq(&a, &b),
            "one descriptor per file, never a second"
        );
        wal::flush_database(&a).unwrap();
        let other = dir.path().join("other.db");
        drop(store::open_writer(&other).unwrap());
        assert!(!Arc::ptr_eq(&a, &wal::database_flusher(&other).unwrap()));
    }
}
