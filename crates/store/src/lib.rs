//! The SQLite store: migrations, repositories and the code that applies webhook changes.
//! Only the engine's writer thread writes; readers open their own connections (WAL).

// `#[both_stores]` names the testing module by the crate's name, here too.
#[cfg(any(test, feature = "test-fixtures"))]
extern crate self as wabox_store;

pub mod answers;
pub mod api_tokens;
pub mod apply;
pub mod backup;
pub mod blocking;
pub mod broadcasts;
pub mod business;
pub mod calls;
pub mod cluster;
pub mod contacts;
pub mod db;
pub mod directory;
pub mod gauges;
pub mod groups;
pub mod history_media;
pub mod hours;
pub mod identity;
pub mod journal;
pub mod media;
pub mod outbox;
pub mod queue_tenant;
pub mod queues;
pub mod report;
pub mod scope;
pub mod seal_check;
pub mod search;
pub mod sequences;
pub mod signups;
pub mod sync;
pub mod templates;
pub mod tenants;
pub mod view_counts;
pub mod views;
pub mod wal;
mod words;
pub use words::RowWords;
mod api_error;

#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod broadcasts_tests;
#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod statement_tests;
#[cfg(any(test, feature = "test-fixtures"))]
pub mod test_fixtures;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The schema, one plain SQL file per step, embedded in the binary and applied in order.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_outbox.sql"),
    include_str!("../migrations/0003_media.sql"),
    include_str!("../migrations/0004_outbox_per_number.sql"),
    include_str!("../migrations/0005_search_notes.sql"),
    include_str!("../migrations/0006_outbound_media.sql"),
    include_str!("../migrations/0007_outbox_conversation_heads.sql"),
    include_str!("../migrations/0008_queues_agents.sql"),
    include_str!("../migrations/0009_signups.sql"),
    include_str!("../migrations/0010_sequences.sql"),
    include_str!("../migrations/0011_contact_identity.sql"),
    include_str!("../migrations/0012_calls_groups.sql"),
    include_str!("../migrations/0013_history_media.sql"),
    include_str!("../migrations/0015_replies_reactions.sql"),
    include_str!("../migrations/0016_business_ids.sql"),
    include_str!("../migrations/0017_store_facts.sql"),
    include_str!("../migrations/0018_journal_partition.sql"),
    include_str!("../migrations/0019_api_tokens.sql"),
    include_str!("../migrations/0020_blocked.sql"),
    include_str!("../migrations/0021_business_hours.sql"),
    include_str!("../migrations/0022_optout.sql"),
    include_str!("../migrations/0023_reports.sql"),
    include_str!("../migrations/0024_broadcasts.sql"),
    include_str!("../migrations/0025_broadcast_header.sql"),
    include_str!("../migrations/0026_opted_in.sql"),
    include_str!("../migrations/0027_media_kept.sql"),
    include_str!("../migrations/0028_signup_finishing.sql"),
];

/// The schema version a SQLite store of this wabox is at (`PRAGMA user_version`).
pub fn sqlite_schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// The schema on PostgreSQL, in its own folder: it starts at SQLite's 17th step, whole, and
/// takes each later step in its own dialect.
const PG_MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/0001_schema.sql"),
    include_str!("../migrations/postgres/0002_cluster.sql"),
    include_str!("../migrations/postgres/0003_search_deferred.sql"),
    include_str!("../migrations/postgres/0004_queue_vacuum.sql"),
    include_str!("../migrations/postgres/0005_lz4.sql"),
    include_str!("../migrations/postgres/0006_api_tokens.sql"),
    include_str!("../migrations/postgres/0007_blocked.sql"),
    include_str!("../migrations/postgres/0008_business_hours.sql"),
    include_str!("../migrations/postgres/0009_optout.sql"),
    include_str!("../migrations/postgres/0010_reports.sql"),
    include_str!("../migrations/postgres/0011_broadcasts.sql"),
    include_str!("../migrations/postgres/0012_broadcast_header.sql"),
    include_str!("../migrations/postgres/0013_opted_in.sql"),
    include_str!("../migrations/postgres/0014_media_kept.sql"),
    include_str!("../migrations/postgres/0015_search_queue_per_statement.sql"),
    include_str!("../migrations/postgres/0016_signup_finishing.sql"),
];

/// What went wrong in the store or its writer, in words an admin can act on: the one error a
/// write job returns and its caller hears, with no second level to unwrap.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A statement failed (the database busy, full, damaged, unreachable, or a constraint
    /// broken).
    #[error("database error: {0}")]
    Db(#[from] db::Error),
    #[error("could not bring the database schema up to date: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("{0}")]
    NotFound(wabox_protocol::ErrorCode),
    #[error("{0}")]
    Conflict(wabox_protocol::ErrorCode),
    #[error("{0}")]
    Invalid(wabox_protocol::ErrorCode),
    /// The writer thread has ended (the engine is stopping): nothing was written.
    #[error("the engine's writer has stopped")]
    WriterStopped,
    /// No transaction or savepoint could be opened for the job: it did not run. Shared by the
    /// jobs of one batch, hence the `Arc`.
    #[error("the write could not start: the store is busy or failing")]
    NotStarted(#[source] std::sync::Arc<db::Error>),
    /// The job ran, but the transaction holding it could not be committed: nothing of it stands.
    #[error("the write could not be committed")]
    NotCommitted(#[source] std::sync::Arc<db::Error>),
    /// The job panicked (a bug, logged): its writes were rolled back.
    #[error("the write failed inside the engine (logged); nothing of it was kept")]
    JobPanicked,
    /// A group of journal appends could not be committed: the sender must deliver again.
    #[error("journal commit failed: {0}")]
    JournalNotCommitted(#[source] std::sync::Arc<db::Error>),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Db(e.into())
    }
}

impl StoreError {
    /// A value a lower layer refused, in that layer's words.
    pub fn invalid(detail: impl std::fmt::Display) -> StoreError {
        StoreError::Invalid(wabox_protocol::ErrorCode::InvalidValue {
            detail: detail.to_string(),
        })
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A change that clients subscribed to the engine are told about, after it is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StoreEvent {
    MessageAdded {
        conversation_id: i64,
        message_id: i64,
    },
    MessageChanged {
        conversation_id: i64,
        message_id: i64,
    },
    ConversationChanged {
        conversation_id: i64,
    },
    JournalChanged {
        journal_id: i64,
        state: wabox_protocol::admin::JournalState,
    },
    DirectoryChanged,
    /// A template's status changed (webhook): its WABA's templates are synced again.
    TemplateStatusChanged {
        waba_id: String,
    },
    /// The engine's clock was moved (a test or demo engine): clients word windows and times at
    /// the engine's now, the system's plus this offset.
    ClockMoved {
        offset_seconds: i64,
    },
    /// The subscriber fell behind and missed events: reload what is on screen.
    Lagged {
        missed: u64,
    },
}

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// Prepared statements each connection keeps: for the writer every statement of the ingest path,
/// with room for the API's writes around them; for a pooled reader every kind of request.
const KEPT_STATEMENTS: usize = 256;

/// How long the writer waits for a lock another connection holds (a checkpoint, a one-shot
/// command's writer while the engine starts).
const WRITER_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens the database for the one writer: WAL, `synchronous=FULL` (a delivery answered 200 must
/// survive a power cut, not only a crash), foreign keys, and the schema brought up to date. The
/// engine's writer then defers the sync to a thread of its own (`wal::defer_log_sync`), which
/// keeps that promise by syncing before anyone is answered.
pub fn open_writer(path: &Path) -> Result<db::Connection> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(WRITER_BUSY_TIMEOUT)?;
    // Every write runs in a savepoint (a job, a group of deliveries), whose undo copy of each page
    // it touches SQLite keeps in a statement journal: past 64 KiB, in a temporary file, written
    // page by page (1.5 million writes over 100,000 deliveries). Kept in memory it costs no
    // system call, and it never outlives its transaction.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Applying one delivery runs more distinct statements than rusqlite keeps by default (16):
    // past that, each would be parsed and planned again for every message.
    conn.set_prepared_statement_cache_capacity(KEPT_STATEMENTS);
    plan_once(&conn)?;
    migrations().to_latest(&mut conn)?;
    Ok(conn.into())
}

/// Connects to a PostgreSQL store and brings its schema up to date. Engines starting together
/// take turns: the first applies what is missing, in one transaction, while the others wait on
/// its lock (held by that transaction only, so a pooler in front does not matter), then find
/// nothing to do.
pub fn open_postgres(url: &str) -> Result<db::Connection> {
    let conn = db::Connection::connect_postgres(url)?;
    migrate_postgres(&conn)?;
    Ok(conn)
}

/// The key of the lock that migrations take (an arbitrary number, the same on every engine).
const MIGRATION_LOCK: i64 = 0x7761_626f_785f_6d67; // "wabox_mg"

fn migrate_postgres(conn: &db::Connection) -> Result<()> {
    conn.execute_batch("BEGIN")?;
    let applied = (|| -> Result<()> {
        conn.query_row("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK], |_| {
            Ok(())
        })?;
        // `IF NOT EXISTS` on a store that has the table is the rule, not news: without this
        // the server's NOTICE about it went to every engine's log at each start.
        conn.execute_batch("SET LOCAL client_min_messages = warning")?;
        // Another application's database (its own `schema_migrations` included) is refused
        // before anything is made in it.
        let version = postgres_schema_version(conn)?;
        if version == 0 {
            refuse_foreign_tables(conn)?;
        }
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version     BIGINT PRIMARY KEY,
                 applied_at  BIGINT NOT NULL
             )",
        )?;
        if version > PG_MIGRATIONS.len() as i64 {
            return Err(StoreError::invalid(format!(
                "the PostgreSQL store is at schema {version}, newer than this wabox knows                  ({}): upgrade wabox on this host",
                PG_MIGRATIONS.len()
            )));
        }
        for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(version as usize) {
            conn.execute_batch(sql)?;
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                params![i as i64 + 1, wabox_domain::time::now_unix()],
            )?;
        }
        Ok(())
    })();
    match applied {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// A database that holds no wabox store but other tables is another application's (or a
/// mistyped `dbname`): wabox's schema is not made beside them, and the operator reads which.
fn refuse_foreign_tables(conn: &db::Connection) -> Result<()> {
    let foreign = foreign_tables(conn)?;
    if foreign.is_empty() {
        return Ok(());
    }
    Err(StoreError::invalid(format!(
        "this PostgreSQL database holds no wabox store but other tables ({foreign}): give \
         wabox a database of its own (createdb wabox), or check the database named",
    )))
}

/// Whether `schema_migrations` is there and wabox's: Rails, golang-migrate and dbmate keep a
/// table of that name too, without its `applied_at`.
fn has_own_bookkeeping(conn: &db::Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns
                         WHERE table_schema = current_schema()
                           AND table_name = 'schema_migrations' AND column_name = 'applied_at')",
        [],
        |r| r.get(0),
    )?)
}

/// The first few tables of a database that are not wabox's bookkeeping, named for a message
/// (`a, b, c, …`); empty when there are none. Only meaningful where no wabox schema is.
pub fn foreign_tables(conn: &db::Connection) -> Result<String> {
    let own = has_own_bookkeeping(conn)?;
    let mut stmt = conn.prepare(
        "SELECT table_name FROM information_schema.tables
          WHERE table_schema = current_schema() AND (table_name <> 'schema_migrations' OR NOT ?1)
          ORDER BY table_name LIMIT 4",
    )?;
    let mut tables: Vec<String> = stmt
        .query_map([own], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    if tables.len() > 3 {
        tables.truncate(3);
        tables.push("…".into());
    }
    Ok(tables.join(", "))
}

/// The schema version a PostgreSQL store is at (0: none).
pub fn postgres_schema_version(conn: &db::Connection) -> Result<i64> {
    // Two statements: one naming a table that is not there fails as it is planned, whatever
    // CASE would have read.
    if !has_own_bookkeeping(conn)? {
        return Ok(0);
    }
    Ok(conn.query_row(
        "SELECT COALESCE(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?)
}

/// Opens a read-only connection beside the writer (WAL lets readers run while it writes).
pub fn open_reader(path: &Path) -> Result<db::Connection> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // A pooled reader serves every kind of request in turn (lists, counts, the hub's rows,
    // the sidebar): with rusqlite's 16, each would evict another and be parsed again.
    conn.set_prepared_statement_cache_capacity(KEPT_STATEMENTS);
    plan_once(&conn)?;
    Ok(conn.into())
}

/// A kept statement is planned once, whatever is bound to it. By default SQLite plans some
/// statements for the values bound (a `LIMIT ?`, a parameter compared with a partial index's
/// `WHERE`) and then parses and plans them again whenever a parameter is bound anew: every
/// call. The media downloader's one query spent 12% of a busy engine's CPU so.
fn plan_once(conn: &Connection) -> Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

#[cfg(any(test, feature = "test-fixtures"))]
pub mod testing;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations().validate().unwrap();
    }

    // SQLite's own settings (a db_config flag, a pragma): SQLite stores only.
    #[test]
    fn the_writer_and_readers_plan_a_kept_statement_once() {
        let (dir, writer) = super::testing::store();
        let reader = super::open_reader(&dir.path().join("wabox.db")).unwrap();
        for conn in [&writer, &reader] {
            let once = conn
                .as_sqlite()
                .unwrap()
                .db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG)
                .unwrap();
            assert!(once, "not planned again for each value bound");
        }
    }

    #[test]
    fn the_writer_keeps_its_savepoints_undo_in_memory() {
        let (_dir, conn) = super::testing::store();
        let temp_store: i64 = conn
            .query_row("PRAGMA temp_store", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            temp_store, 2,
            "MEMORY: no temporary file written page by page"
        );
    }
}
