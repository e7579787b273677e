//! The write-ahead log's upkeep: copying it into the database file (a checkpoint) from a
//! connection of its own, so the writer only ever appends to it.

use super::Result;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// What a checkpoint found and did, in pages (frames) of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalState {
    /// Pages in the log.
    pub frames: i64,
    /// Of those, pages now copied into the database file.
    pub copied: i64,
    /// Whether the checkpoint did all its mode asks (a RESTART: the next write starts the log
    /// over); false when it gave up waiting.
    pub complete: bool,
}

/// Stops the writer's connection from checkpointing after its commits (SQLite's default, every
/// 1,000 pages): another connection does it (`checkpoint`, `restart`).
pub fn stop_automatic_checkpoints(writer: &Connection) -> Result<()> {
    writer.pragma_update(None, "wal_autocheckpoint", 0)?;
    writer.pragma_update(None, "journal_size_limit", LOG_SIZE_LIMIT)?;
    Ok(())
}

/// How long a RESTART may hold the writer off waiting for readers to leave the log.
pub const RESTART_PATIENCE: std::time::Duration = std::time::Duration::from_millis(20);

/// The size the log's file is cut back to once it starts over: a burst that grew it must not
/// keep that much disk for good. Above the engine's 64 MiB at which the log starts over, so a
/// steady stream reuses the file rather than cutting it back and growing it again.
const LOG_SIZE_LIMIT: i64 = 128 * 1024 * 1024;

/// Opens a connection that only checkpoints. It is not read-only (a checkpoint writes the
/// database file), and it fsyncs as the writer does: the copied pages are durable before the
/// log can start over.
pub fn open_checkpointer(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Copies the rest of the log into the database file and has the next write start it over
/// (RESTART), run by the writer between its transactions. From another connection it had to
/// win the writer's lock, which a writer under a stream of webhooks never leaves long enough:
/// the log grew to 2.7 GB over 100,000 deliveries. Here it waits only for the readers still in
/// the log, at most `RESTART_PATIENCE` (if they stay, `complete` is false and the next try
/// comes later). Cheap right after `checkpoint`, which left little to copy.
pub fn restart_between_writes(writer: &Connection) -> Result<WalState> {
    writer.busy_timeout(RESTART_PATIENCE)?;
    let state = run(writer, "RESTART");
    writer.busy_timeout(super::WRITER_BUSY_TIMEOUT)?;
    state
}

/// Copies what it can of the log into the database file without waiting for, or blocking, the
/// writer or any reader (PASSIVE). Once all of the log is copied, the next write transaction
/// starts it over from its beginning.
pub fn checkpoint(conn: &Connection) -> Result<WalState> {
    run(conn, "PASSIVE")
}

/// Runs a checkpoint of the given mode; its row is (busy, pages in the log, pages copied).
fn run(conn: &Connection, mode: &str) -> Result<WalState> {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    let (busy, frames, copied) = conn.query_row(&sql, [], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    Ok(WalState {
        frames,
        copied,
        complete: busy == 0,
    })
}

/// The log's file, beside the database.
pub fn log_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Has the writer's commits write the log without waiting for the disk (`synchronous=NORMAL`):
/// the caller makes them durable with `sync_log`, off the writer's thread, before anyone hears
/// that they are done. The log is written in order, so one sync covers every commit before it,
/// and a crash can only lose commits that were never answered.
pub fn defer_log_sync(writer: &Connection) -> Result<()> {
    writer.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

/// The log of the database at `db`, opened to be synced (`sync_log`), with its directory
/// entry made durable. Open it once, before the first commit whose answer waits for it, and
/// keep it: Linux reports a failed write-back to every descriptor open when it happened, but
/// not always to one opened after another descriptor (SQLite's own) has seen the error.
pub fn open_log(db: &Path) -> std::io::Result<std::fs::File> {
    let log = std::fs::File::open(log_path(db))?;
    // A log created since the last start is only reachable after a crash if its name is.
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(log)
}

/// A descriptor on the database file itself, to write its pages to disk ahead of the
/// checkpoint that must (`flush_database`).
///
/// SQLite syncs the database file only when a checkpoint copies all of the log, and then it
/// must write out every page the partial copies before it left in the kernel's cache: under a
/// stream of webhooks, 16 MiB of scattered pages, 40-60 ms on this machine, on the thread that
/// completes the copy. Flushed ahead by another thread, that last sync finds little to write.
///
/// The descriptor is never closed: closing any descriptor on a file drops every POSIX lock the
/// process holds on it, and SQLite's connections in this process hold theirs for as long as
/// they are open. One is kept per database file (by device and inode) for the life of the
/// process, and a later engine on the same file reuses it.
pub fn database_flusher(db: &Path) -> std::io::Result<std::sync::Arc<std::fs::File>> {
    use std::os::unix::fs::MetadataExt;
    use std::sync::{Arc, Mutex};
    /// A file's device and inode: the same file under any of its names.
    type FileId = (u64, u64);
    static KEPT: Mutex<Vec<(FileId, Arc<std::fs::File>)>> = Mutex::new(Vec::new());
    let meta = std::fs::metadata(db)?;
    let key = (meta.dev(), meta.ino());
    let mut kept = KEPT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, file)) = kept.iter().find(|(k, _)| *k == key) {
        return Ok(file.clone());
    }
    let file = Arc::new(std::fs::File::open(db)?);
    kept.push((key, file.clone()));
    Ok(file)
}

/// Writes the database file's dirty pages to disk (see `database_flusher`).
pub fn flush_database(file: &std::fs::File) -> std::io::Result<()> {
    file.sync_data()
}

/// Returns once everything written to `log` (from `open_log`) is on disk.
pub fn sync_log(log: &std::fs::File) -> std::io::Result<()> {
    log.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_bytes(conn: &Connection) -> u64 {
        std::fs::metadata(log_path(Path::new(conn.path().unwrap())))
            .unwrap()
            .len()
    }

    #[test]
    fn a_deferred_commit_is_in_the_log_and_synced_on_demand() {
        let (_dir, writer) = crate::testing::store();
        let writer = writer.as_sqlite().unwrap();
        defer_log_sync(writer).unwrap();
        let mode: i64 = writer
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, 1, "NORMAL");
        let db = Path::new(writer.path().unwrap());
        let log = open_log(db).unwrap();
        writer.execute_batch("CREATE TABLE probe (x)").unwrap();
        assert!(log_bytes(writer) > 0, "the commit went to the log");
        sync_log(&log).unwrap();
        let missing = open_log(&db.with_file_name("elsewhere.db")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn a_restart_gives_up_while_a_reader_holds_the_log_and_succeeds_once_it_left() {
        let (_dir, writer) = crate::testing::store();
        let writer = writer.as_sqlite().unwrap();
        stop_automatic_checkpoints(writer).unwrap();
        writer.execute_batch("CREATE TABLE probe (x BLOB)").unwrap();
        let db = Path::new(writer.path().unwrap()).to_owned();
        let reader = crate::open_reader(&db).unwrap();
        let insert = || {
            writer
                .execute("INSERT INTO probe (x) VALUES (zeroblob(3000))", [])
                .unwrap()
        };
        insert();
        // A reader in the middle of a read holds the log's pages it started with.
        reader.execute_batch("BEGIN").unwrap();
        let _: i64 = reader
            .query_row("SELECT count(*) FROM probe", [], |r| r.get(0))
            .unwrap();
        insert();
        let held = restart_between_writes(writer).unwrap();
        assert!(!held.complete, "{held:?}");
        reader.execute_batch("COMMIT").unwrap();
        let done = restart_between_writes(writer).unwrap();
        assert!(done.complete, "{done:?}");
        assert_eq!(done.frames, done.copied);
        // The writer's own busy timeout is back: it waits for other connections' locks again.
        let waits: i64 = writer
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        assert_eq!(waits, crate::WRITER_BUSY_TIMEOUT.as_millis() as i64);
        // The next write starts the log over: only its own pages are in it.
        insert();
        let checkpointer = open_checkpointer(&db).unwrap();
        assert!(checkpoint(&checkpointer).unwrap().frames < 5);
    }

    #[test]
    fn the_writer_only_appends_and_the_checkpointer_copies_everything() {
        let (_dir, writer) = crate::testing::store();
        let writer = writer.as_sqlite().unwrap();
        stop_automatic_checkpoints(writer).unwrap();
        writer.execute_batch("CREATE TABLE probe (x BLOB)").unwrap();
        for _ in 0..1_500 {
            writer
                .execute("INSERT INTO probe (x) VALUES (zeroblob(3000))", [])
                .unwrap();
        }
        // Past SQLite's 1,000-page default, the writer copied nothing and the log kept growing.
        assert!(log_bytes(writer) > 1_500 * 4096, "{}", log_bytes(writer));

        let checkpointer = open_checkpointer(Path::new(writer.path().unwrap())).unwrap();
        let state = checkpoint(&checkpointer).unwrap();
        assert!(state.frames > 1_500, "{state:?}");
        assert_eq!(state.frames, state.copied, "{state:?}");

        // All of it copied: the next write starts the log over, and the file stops growing.
        let size = log_bytes(writer);
        writer
            .execute("INSERT INTO probe (x) VALUES (zeroblob(10))", [])
            .unwrap();
        let after = checkpoint(&checkpointer).unwrap();
        assert!(after.frames < 10, "{after:?}");
        assert_eq!(log_bytes(writer), size);
        let rows: i64 = checkpointer
            .query_row("SELECT count(*) FROM probe", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1_501);
    }
}
