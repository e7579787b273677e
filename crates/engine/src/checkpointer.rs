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
//! this thread copies the little that is left while holding the writer off for that moment
//! (RESTART), and the next transaction starts the log over. The log's size stays bounded.

use std::path::Path;
use std::sync::mpsc::{self, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;
use wabox_store::{self as store, wal};

/// The least time between two copies: each one fsyncs the log and the database file.
const INTERVAL: Duration = Duration::from_millis(25);
/// Pages in the log past which it is made to start over (16 MiB of 4 KiB pages).
const RESTART_FRAMES: i64 = 4_096;

pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Takes checkpoints off `writer`'s connection and starts the thread that does them.
    pub(super) fn start(db_path: &Path, writer: &rusqlite::Connection) -> store::Result<Self> {
        let conn = wal::open_checkpointer(db_path)?;
        wal::stop_automatic_checkpoints(writer)?;
        let (nudge, wake) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("wabox-checkpoint".into())
            .spawn(move || {
                while wake.recv().is_ok() {
                    match copy(&conn) {
                        Ok(()) => {}
                        // The checkpoint syncs the log too: after a failed sync, a later one
                        // that succeeds would not bring back what the kernel dropped, so the
                        // engine stops as the syncer does, rather than answer anyone.
                        Err(store::StoreError::Sqlite(e))
                            if e.sqlite_error_code()
                                == Some(rusqlite::ErrorCode::SystemIoFailure) =>
                        {
                            tracing::error!(error = %e, "could not sync the store while copying its log; stopping the engine");
                            eprintln!("wabox: could not sync the store ({e}); stopping");
                            std::process::abort();
                        }
                        Err(e) => tracing::warn!(error = %e, "could not checkpoint the log"),
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
        })
    }

    /// Called by the writer after it committed: the log has grown.
    pub(super) fn committed(&self) {
        if let Some(nudge) = &self.nudge {
            // Full: the copier is already due to run.
            let _ = nudge.try_send(());
        }
    }
}

/// One pass: copy what can be copied; if the log has grown long, make it start over.
fn copy(conn: &rusqlite::Connection) -> store::Result<()> {
    let state = wal::checkpoint(conn)?;
    if state.frames > RESTART_FRAMES {
        wal::restart(conn)?;
    }
    Ok(())
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
