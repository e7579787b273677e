//! Backups of a SQLite store: a consistent copy made while the engine writes, and the checks a
//! file must pass before it may replace a store.
//!
//! The copy is SQLite's `VACUUM INTO` from a read transaction: WAL lets the engine go on writing
//! meanwhile, and the copy is the store as it stood when the read began (every acknowledged
//! delivery up to then, none half-applied). It is written under a temporary name, checked, synced
//! and only then renamed, so a file under the name asked for is always a whole backup.

use super::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Tables every wabox store has had since its first schema: a file without them is not one.
const WABOX_TABLES: &[&str] = &["tenants", "numbers", "conversations", "messages", "journal"];

/// What a store file holds, as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFacts {
    /// Migrations applied (`PRAGMA user_version`).
    pub schema: i64,
    pub tenants: i64,
    pub numbers: i64,
    pub conversations: i64,
    pub messages: i64,
    pub bytes: u64,
}

/// Why a file is not a store that may be restored, in words an admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum NotAStore {
    #[error("{path} cannot be read: {why}")]
    Unreadable { path: String, why: String },
    #[error("{path} is not a SQLite database")]
    NotSqlite { path: String },
    #[error("{path} is a SQLite database but not a wabox store (it has no {table} table)")]
    NotWabox { path: String, table: String },
    #[error(
        "{path} was made by a newer wabox (schema {found}; this one knows up to {known}): restore it with that version"
    )]
    Newer {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("{path} is damaged: {why}")]
    Damaged { path: String, why: String },
}

/// Copies the store at `db` to `to`, which must not exist yet. Safe while the engine writes.
pub fn backup(db: &Path, to: &Path) -> Result<StoreFacts> {
    if to.exists() {
        return Err(StoreError::invalid(format!(
            "{} already exists: a backup never replaces a file; name a new one",
            to.display()
        )));
    }
    let source = open_read_only(db)
        .map_err(|e| StoreError::invalid(format!("cannot read the store {}: {e}", db.display())))?;
    let partial = partial_name(to);
    // `VACUUM INTO` wants a file that does not exist or is empty: made empty here, private from
    // its first byte (a backup holds every tenant's messages and their sealed tokens).
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial);
    if let Err(e) = created {
        return Err(StoreError::invalid(format!(
            "cannot create {}: {e}",
            partial.display()
        )));
    }
    let made = (|| -> Result<StoreFacts> {
        source.execute("VACUUM INTO ?1", [partial.to_string_lossy()])?;
        let facts = check(&partial).map_err(StoreError::invalid)?;
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(StoreError::invalid)?;
        Ok(facts)
    })();
    match made {
        Ok(facts) => {
            std::fs::rename(&partial, to).map_err(StoreError::invalid)?;
            sync_dir(to);
            Ok(facts)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Whether `path` is a whole wabox store this version can open; what it holds if so.
pub fn check(path: &Path) -> std::result::Result<StoreFacts, NotAStore> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| NotAStore::Unreadable {
        path: name.clone(),
        why: e.to_string(),
    })?;
    let mut magic = [0u8; 16];
    let read =
        std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic));
    match read {
        Ok(()) if &magic == b"SQLite format 3\0" => {}
        Err(e) if e.kind() != ErrorKind::UnexpectedEof => {
            return Err(NotAStore::Unreadable {
                path: name,
                why: e.to_string(),
            });
        }
        _ => return Err(NotAStore::NotSqlite { path: name }),
    }
    let conn = open_read_only(path).map_err(|e| NotAStore::Damaged {
        path: name.clone(),
        why: e.to_string(),
    })?;
    let damaged = |e: rusqlite::Error| NotAStore::Damaged {
        path: name.clone(),
        why: e.to_string(),
    };
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(damaged)?;
    if verdict != "ok" {
        return Err(NotAStore::Damaged {
            path: name,
            why: verdict,
        });
    }
    for table in WABOX_TABLES {
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .map_err(damaged)?;
        if found == 0 {
            return Err(NotAStore::NotWabox {
                path: name,
                table: table.to_string(),
            });
        }
    }
    let schema: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(damaged)?;
    let known = super::MIGRATIONS.len() as i64;
    if schema > known {
        return Err(NotAStore::Newer {
            path: name,
            found: schema,
            known,
        });
    }
    let count = |table: &str| -> std::result::Result<i64, NotAStore> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(damaged)
    };
    Ok(StoreFacts {
        schema,
        tenants: count("tenants")?,
        numbers: count("numbers")?,
        conversations: count("conversations")?,
        messages: count("messages")?,
        bytes: meta.len(),
    })
}

/// Puts the backup `from` in place of the store at `db`, whose engine must be stopped (the
/// caller holds its lock). The store it replaces is kept beside it, renamed with `stamp`, with
/// its write-ahead log: nothing is deleted. Answers what was restored and where the old store went.
pub fn restore(from: &Path, db: &Path, stamp: &str) -> Result<(StoreFacts, Option<PathBuf>)> {
    let dir = db.parent().unwrap_or(Path::new("."));
    let incoming = partial_name(db);
    let copied = (|| -> std::io::Result<()> {
        let mut source = std::fs::File::open(from)?;
        let mut target = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&incoming)?;
        std::io::copy(&mut source, &mut target)?;
        target.sync_all()
    })();
    // The copy is what is checked, not the file it came from (which could change meanwhile).
    let facts = copied
        .map_err(|e| {
            StoreError::invalid(format!(
                "cannot copy {} into {}: {e}",
                from.display(),
                dir.display()
            ))
        })
        .and_then(|()| {
            check(&incoming).map_err(|e| {
                // Named as the admin named it, not by the copy's temporary name.
                let words = e.to_string();
                StoreError::invalid(
                    words.replace(&incoming.display().to_string(), &from.display().to_string()),
                )
            })
        });
    let facts = match facts {
        Ok(facts) => facts,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(e);
        }
    };
    // The old store goes aside with its log and index, so they stay a pair: a log left behind
    // would be replayed into the restored file.
    let kept = if db.exists() {
        let aside = with_suffix(db, &format!(".before-restore-{stamp}"));
        for end in ["", "-wal", "-shm"] {
            let from = with_suffix(db, end);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, end)).map_err(StoreError::invalid)?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&incoming, db).map_err(StoreError::invalid)?;
    sync_dir(db);
    Ok((facts, kept))
}

fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// Where a file is written before it is whole: beside it, so the rename is atomic.
fn partial_name(path: &Path) -> PathBuf {
    with_suffix(path, &format!(".partial-{}", std::process::id()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The rename survives a power cut once its directory is synced.
fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixtures::{count, number_and_conversation};

    fn store_with_a_message() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("wabox.db");
        let conn = crate::open_writer(&db).unwrap();
        number_and_conversation(&conn).unwrap();
        (dir, db)
    }

    #[test]
    fn a_backup_is_the_whole_store_and_private() {
        let (dir, db) = store_with_a_message();
        // The engine's writer stays open, with its log not checkpointed: the copy still has it.
        let writer = crate::open_writer(&db).unwrap();
        let to = dir.path().join("copy.db");
        let facts = backup(&db, &to).unwrap();
        assert_eq!((facts.tenants, facts.numbers, facts.messages), (1, 1, 1));
        assert_eq!(facts.schema, crate::MIGRATIONS.len() as i64);
        let copy: crate::db::Connection = Connection::open(&to).unwrap().into();
        assert_eq!(count(&copy, "SELECT count(*) FROM messages"), 1);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&to).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Nothing left under a temporary name.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains("partial")), "{names:?}");
        drop(writer);
    }

    #[test]
    fn a_backup_never_replaces_a_file() {
        let (dir, db) = store_with_a_message();
        let to = dir.path().join("kept.txt");
        std::fs::write(&to, "mine").unwrap();
        let e = backup(&db, &to).unwrap_err().to_string();
        assert!(e.contains("already exists"), "{e}");
        assert_eq!(std::fs::read_to_string(&to).unwrap(), "mine");
    }

    #[test]
    fn only_a_wabox_store_passes_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "hello, this is not a database at all").unwrap();
        assert!(matches!(check(&text), Err(NotAStore::NotSqlite { .. })));
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        assert!(matches!(check(&empty), Err(NotAStore::NotSqlite { .. })));
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE tenants(x); CREATE TABLE notes(y);")
            .unwrap();
        let e = check(&other).unwrap_err();
        assert!(
            matches!(&e, NotAStore::NotWabox { table, .. } if table == "numbers"),
            "{e}"
        );
        let (_d, db) = store_with_a_message();
        let newer = Connection::open(&db).unwrap();
        newer
            .pragma_update(None, "user_version", crate::MIGRATIONS.len() as i64 + 1)
            .unwrap();
        drop(newer);
        let e = check(&db).unwrap_err();
        assert!(matches!(e, NotAStore::Newer { .. }), "{e}");
        assert!(e.to_string().contains("newer wabox"), "{e}");
        assert!(check(&dir.path().join("missing.db")).is_err());
    }

    #[test]
    fn a_restore_puts_the_backup_in_place_and_keeps_the_store_it_replaced() {
        let (dir, db) = store_with_a_message();
        let to = dir.path().join("monday.db");
        backup(&db, &to).unwrap();
        // After the backup, the store moves on: a second tenant.
        let conn = crate::open_writer(&db).unwrap();
        crate::directory::add_tenant(&conn, "Later", 0).unwrap();
        drop(conn);
        let (facts, kept) = restore(&to, &db, "20261205T110000").unwrap();
        assert_eq!(facts.tenants, 1);
        let kept = kept.expect("the replaced store is kept");
        assert!(
            kept.to_string_lossy()
                .ends_with("wabox.db.before-restore-20261205T110000")
        );
        let now = crate::open_writer(&db).unwrap();
        assert_eq!(count(&now, "SELECT count(*) FROM tenants"), 1, "Monday's");
        let before: crate::db::Connection = Connection::open(&kept).unwrap().into();
        assert_eq!(
            count(&before, "SELECT count(*) FROM tenants"),
            2,
            "kept whole"
        );
        // A file that is not a store replaces nothing.
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, "not a store").unwrap();
        let e = restore(&junk, &db, "x").unwrap_err().to_string();
        assert!(e.contains("junk.db") && !e.contains("partial"), "{e}");
        assert_eq!(count(&now, "SELECT count(*) FROM tenants"), 1);
    }
}
