//! `wabox migrate --to postgres://…`: a SQLite store copied into an empty PostgreSQL database,
//! with the engine stopped. Ids are kept (then each identity sequence is moved past them), each
//! table goes in with `COPY`, the copy is checked (rows per table, and a hash of a sample of
//! rows read back from both), and the SQLite file is only read.
//!
//! An interrupted copy resumes: the target keeps a `wabox_migrate` table of the tables done and
//! of the source it copies, dropped once the copy is checked. A target that holds a store but
//! no such table (or one of another source) is refused.

use crate::store::{self, db};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::Instant;

/// Every table of the store, parents before children (foreign keys), with the integer column
/// a sample of its rows is drawn by. The two tables of one row each are set, not copied.
pub const TABLES: &[(&str, &str)] = &[
    ("tenants", "id"),
    ("queues", "id"),
    ("numbers", "id"),
    ("contacts", "id"),
    ("conversations", "id"),
    ("messages", "id"),
    ("statuses", "at"),
    ("message_revisions", "id"),
    ("reactions", "at"),
    ("journal", "id"),
    ("history_progress", "at"),
    ("templates", "id"),
    ("account_events", "id"),
    ("media", "message_id"),
    ("contact_labels", "contact_id"),
    ("contact_notes", "id"),
    ("agents", "created_at"),
    ("agent_queues", "queue_id"),
    ("audit", "id"),
    ("api_tokens", "id"),
    ("conversation_events", "id"),
    ("signups", "id"),
    ("enrollments", "id"),
    ("enrollment_log", "id"),
    ("contact_former_ids", "contact_id"),
    ("call_events", "at"),
    ("whatsapp_groups", "contact_id"),
    ("outbox", "id"),
    ("queue_hours", "queue_id"),
    ("queue_holidays", "queue_id"),
    ("away_replies", "conversation_id"),
    ("broadcasts", "id"),
    ("broadcast_recipients", "id"),
    ("store_facts", ""),
];

/// Tables of one row, whose row is set to the source's.
const SINGLETONS: &[(&str, &str)] = &[("sequence_cursor", "last_message_id")];

/// Rows sent to PostgreSQL per `COPY`.
const COPY_ROWS: usize = 20_000;

/// Rows a sample aims at per table.
const SAMPLE_ROWS: i64 = 2_000;

/// Which journal entries go: by default the ones not processed and the last week's (the rest
/// is history already applied to the store); `All` every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalCopy {
    Recent,
    All,
}

/// The journal's recent past that goes by default.
const RECENT_JOURNAL_SECONDS: i64 = 7 * 24 * 3600;

#[derive(Debug, Clone, serde::Serialize)]
pub struct TableCopied {
    pub table: String,
    pub rows: i64,
    /// Copied by an earlier, interrupted run.
    pub resumed: bool,
    pub seconds: f64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Migrated {
    pub tables: Vec<TableCopied>,
    pub rows: i64,
    /// Tables whose sampled rows hashed the same on both sides.
    pub sampled_tables: usize,
    /// An interrupted copy was finished.
    pub resumed: bool,
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{0}")]
    Refused(String),
    #[error("the copy does not match the source: {0}")]
    Mismatch(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl From<db::Error> for MigrateError {
    fn from(e: db::Error) -> Self {
        MigrateError::Store(e.into())
    }
}

type Result<T> = std::result::Result<T, MigrateError>;

/// Copies the SQLite store at `source` into the PostgreSQL database at `url`, telling
/// `progress` each table as it is done.
pub fn migrate(
    source: &Path,
    url: &str,
    journal: JournalCopy,
    progress: &mut dyn FnMut(&TableCopied),
) -> Result<Migrated> {
    let started = Instant::now();
    let facts = store::backup::check(source).map_err(|e| MigrateError::Refused(e.to_string()))?;
    if facts.schema < store::sqlite_schema_version() {
        return Err(MigrateError::Refused(format!(
            "{} is at schema {} and this wabox's is {}: start this wabox's engine on it once \
             (it brings the schema up to date), stop it, then migrate",
            source.display(),
            facts.schema,
            store::sqlite_schema_version()
        )));
    }
    let from = db::Connection::open_sqlite_read_only(source)?;
    // Its error names the address (without its password): a connection refused, another
    // application's database.
    let to = store::open_postgres(url).map_err(|e| {
        MigrateError::Refused(format!(
            "--to {}: {e}",
            wabox_config::store_url::redacted(url)
        ))
    })?;
    let fingerprint = fingerprint(source, &from)?;
    let resuming = prepare_target(&to, &fingerprint)?;
    let journal_since = match journal {
        JournalCopy::All => None,
        JournalCopy::Recent => Some(wabox_domain::time::now_unix() - RECENT_JOURNAL_SECONDS),
    };
    let mut tables = Vec::new();
    for (table, _) in TABLES {
        let table_started = Instant::now();
        let done: Option<i64> = to
            .query_row(
                "SELECT rows FROM wabox_migrate WHERE name = ?1 AND done = 1",
                [table],
                |r| r.get(0),
            )
            .optional_row()?;
        let copied = match done {
            Some(rows) => TableCopied {
                table: table.to_string(),
                rows,
                resumed: true,
                seconds: 0.0,
            },
            None => {
                let filter = journal_filter(table, journal_since);
                let rows = copy_table(&from, &to, table, &filter)?;
                to.execute(
                    "INSERT INTO wabox_migrate (name, rows, done) VALUES (?1, ?2, 1)
                     ON CONFLICT (name) DO UPDATE SET rows = excluded.rows, done = 1",
                    store::params![table, rows],
                )?;
                TableCopied {
                    table: table.to_string(),
                    rows,
                    resumed: false,
                    seconds: table_started.elapsed().as_secs_f64(),
                }
            }
        };
        progress(&copied);
        tables.push(copied);
    }
    for (table, column) in SINGLETONS {
        let value: i64 =
            from.query_row(&format!("SELECT {column} FROM {table}"), [], |r| r.get(0))?;
        to.execute(&format!("UPDATE {table} SET {column} = ?1"), [value])?;
    }
    move_sequences_past_ids(&to)?;
    let sampled_tables = check(&from, &to, journal_since)?;
    to.execute_batch("DROP TABLE wabox_migrate")?;
    Ok(Migrated {
        resumed: resuming,
        rows: tables.iter().map(|t| t.rows).sum(),
        tables,
        sampled_tables,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// `optional()` for a query that may find no row.
trait OptionalRow<T> {
    fn optional_row(self) -> db::Result<Option<T>>;
}

impl<T> OptionalRow<T> for db::Result<T> {
    fn optional_row(self) -> db::Result<Option<T>> {
        db::OptionalExtension::optional(self)
    }
}

/// What names this source and its content: a resumed copy must be of the same store, unchanged.
fn fingerprint(source: &Path, from: &db::Connection) -> Result<String> {
    let (journal, messages): (i64, i64) = from.query_row(
        "SELECT (SELECT COALESCE(max(id), 0) FROM journal),
                (SELECT COALESCE(max(id), 0) FROM messages)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let path = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    Ok(format!(
        "{} journal<={journal} messages<={messages}",
        path.display()
    ))
}

/// Readies the target: empty (then marked as this tool's copy of `fingerprint`), or this
/// tool's interrupted copy of the same source (resumed). Whether it resumes.
fn prepare_target(to: &db::Connection, fingerprint: &str) -> Result<bool> {
    let ours: bool = to.query_row("SELECT to_regclass('wabox_migrate') IS NOT NULL", [], |r| {
        r.get(0)
    })?;
    if ours {
        let of: Option<String> = to
            .query_row(
                "SELECT source FROM wabox_migrate WHERE name = '' ",
                [],
                |r| r.get(0),
            )
            .optional_row()?;
        return match of {
            Some(of) if of == fingerprint => Ok(true),
            Some(of) => Err(MigrateError::Refused(format!(
                "the target holds an interrupted copy of another store ({of}): drop that \
                 database and create it empty again, or finish that copy"
            ))),
            None => Err(MigrateError::Refused(
                "the target's record of an interrupted copy is damaged: drop that database and \
                 create it empty again"
                    .into(),
            )),
        };
    }
    let held = tables_with_rows(to)?;
    if !held.is_empty() {
        return Err(MigrateError::Refused(format!(
            "the target database already holds a store ({}): wabox migrate copies into an \
             empty database only",
            held.join(", ")
        )));
    }
    to.execute_batch(
        "CREATE TABLE wabox_migrate (
             name    TEXT PRIMARY KEY,
             rows    BIGINT NOT NULL DEFAULT 0,
             done    BIGINT NOT NULL DEFAULT 0,
             source  TEXT
         )",
    )?;
    to.execute(
        "INSERT INTO wabox_migrate (name, source) VALUES ('', ?1)",
        [fingerprint],
    )?;
    Ok(false)
}

/// The store's tables that hold rows, with how many ("messages: 12").
fn tables_with_rows(to: &db::Connection) -> Result<Vec<String>> {
    let mut held = Vec::new();
    for (table, _) in TABLES {
        let n: i64 = to.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        if n > 0 {
            held.push(format!("{table}: {n}"));
        }
    }
    Ok(held)
}

/// The journal's rows that go (a `WHERE` clause, `1 = 1` for every other table).
fn journal_filter(table: &str, since: Option<i64>) -> String {
    match (table, since) {
        ("journal", Some(since)) => format!("state != 'processed' OR received_at >= {since}"),
        _ => "1 = 1".to_string(),
    }
}

/// The table's columns as the target has them, in order, quoted.
fn columns(to: &db::Connection, table: &str) -> Result<Vec<String>> {
    let names: Vec<String> = to
        .prepare(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
        )?
        .query_map([table], |r| r.get(0))?
        .collect::<db::Result<_>>()?;
    Ok(names.iter().map(|n| format!("\"{n}\"")).collect())
}

/// Copies one table (after clearing what an interrupted run left of it); the rows copied.
fn copy_table(
    from: &db::Connection,
    to: &db::Connection,
    table: &str,
    filter: &str,
) -> Result<i64> {
    let columns = columns(to, table)?.join(", ");
    to.execute_batch(&format!("DELETE FROM {table}"))?;
    let copy = format!("COPY {table} ({columns}) FROM STDIN");
    let width = columns.split(", ").count();
    let mut stmt = from.prepare(&format!("SELECT {columns} FROM {table} WHERE {filter}"))?;
    let mut rows = stmt.query([])?;
    let mut buffer = Vec::with_capacity(1 << 20);
    let (mut in_buffer, mut copied) = (0usize, 0i64);
    while let Some(row) = rows.next()? {
        for i in 0..width {
            if i > 0 {
                buffer.push(b'\t');
            }
            copy_text(&mut buffer, row.get_ref(i)?)
                .map_err(|e| MigrateError::Refused(format!("{table}, row {}: {e}", copied + 1)))?;
        }
        buffer.push(b'\n');
        in_buffer += 1;
        copied += 1;
        if in_buffer == COPY_ROWS {
            to.copy_in(&copy, &buffer)?;
            buffer.clear();
            in_buffer = 0;
        }
    }
    if in_buffer > 0 {
        to.copy_in(&copy, &buffer)?;
    }
    Ok(copied)
}

/// One value in `COPY`'s text format.
fn copy_text(out: &mut Vec<u8>, value: db::Value<'_>) -> std::result::Result<(), String> {
    use std::io::Write;
    match value {
        db::Value::Null => out.extend_from_slice(b"\\N"),
        db::Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        db::Value::Real(f) => {
            let _ = write!(out, "{f:?}");
        }
        db::Value::Text(s) => {
            for b in s.bytes() {
                match b {
                    0 => {
                        return Err("text holding a NUL character, which PostgreSQL refuses".into());
                    }
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b => out.push(b),
                }
            }
        }
        db::Value::Blob(b) => {
            // bytea's hex form, its backslash escaped for COPY.
            out.extend_from_slice(b"\\\\x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
        }
    }
    Ok(())
}

/// Moves each identity sequence past the ids copied, so the next row gets a new one.
fn move_sequences_past_ids(to: &db::Connection) -> Result<()> {
    let tables: Vec<String> = to
        .prepare(
            "SELECT table_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'id'
               AND is_identity = 'YES'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<db::Result<_>>()?;
    for table in tables {
        to.query_row(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                               COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            ),
            [],
            |r| r.get::<_, i64>(0),
        )?;
    }
    Ok(())
}

/// Rows per table the same on both sides, and a sample of each table's rows (every k-th by its
/// sample column) hashing the same; how many tables were sampled.
fn check(from: &db::Connection, to: &db::Connection, journal_since: Option<i64>) -> Result<usize> {
    let mut sampled = 0;
    for (table, sample_by) in TABLES {
        let filter = journal_filter(table, journal_since);
        let count = |c: &db::Connection| -> Result<i64> {
            Ok(c.query_row(
                &format!("SELECT count(*) FROM {table} WHERE {filter}"),
                [],
                |r| r.get(0),
            )?)
        };
        let (source, target) = (count(from)?, count(to)?);
        if source != target {
            return Err(MigrateError::Mismatch(format!(
                "{table}: {source} rows in the source, {target} in the target"
            )));
        }
        let every = (source / SAMPLE_ROWS).max(1);
        let sample = match *sample_by {
            "" => filter.clone(),
            column => format!("({filter}) AND \"{column}\" % {every} = 0"),
        };
        let columns = columns(to, table)?;
        let sql = format!("SELECT {} FROM {table} WHERE {sample}", columns.join(", "));
        if sample_hash(from, &sql, columns.len())? != sample_hash(to, &sql, columns.len())? {
            return Err(MigrateError::Mismatch(format!(
                "{table}: the sampled rows differ"
            )));
        }
        sampled += 1;
    }
    Ok(sampled)
}

/// A hash of the rows a query gives, whatever their order: each row hashed, the hashes sorted.
fn sample_hash(conn: &db::Connection, sql: &str, width: usize) -> Result<[u8; 32]> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut hashes = Vec::new();
    while let Some(row) = rows.next()? {
        let mut h = Sha256::new();
        for i in 0..width {
            match row.get_ref(i)? {
                db::Value::Null => h.update(b"n"),
                db::Value::Integer(v) => h.update(format!("i{v}")),
                db::Value::Real(v) => h.update(format!("r{v:?}")),
                db::Value::Text(v) => h.update(format!("t{}:{v}", v.len())),
                db::Value::Blob(v) => {
                    h.update(format!("b{}:", v.len()));
                    h.update(v);
                }
            }
        }
        hashes.push(<[u8; 32]>::from(h.finalize()));
    }
    hashes.sort_unstable();
    let mut all = Sha256::new();
    for h in hashes {
        all.update(h);
    }
    Ok(all.finalize().into())
}
