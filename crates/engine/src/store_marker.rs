//! A data dir whose store is PostgreSQL says so in a file beside where SQLite's would be
//! (`store.postgres`, the address without its password), and nothing opens a SQLite store
//! there while it is.
//!
//! Why: after `wabox migrate`, the SQLite file stays as it was (by design: it is the way back),
//! and an engine or command started there without `[store] url` (a forgotten `--config`, a
//! service file not updated) found it and went on with it, quietly: it acknowledged webhooks
//! the cluster never saw, ran sequences the cluster ran too, and `doctor` said all good. A
//! command run on a PostgreSQL engine's data dir without its config made an empty SQLite store
//! there and answered "no conversations". Written by `migrate` once the copy is checked, and by
//! every engine or command that opens the PostgreSQL store from a data dir.

use std::path::{Path, PathBuf};

const FILE: &str = "store.postgres";

/// The marker's path in a data dir.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The address the data dir's store moved to, if it did (as shown: without a password).
pub fn read(data_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path(data_dir)).ok()?;
    let first = text.lines().next().unwrap_or_default();
    Some(
        first
            .strip_prefix("postgres ")
            .unwrap_or(first)
            .trim()
            .to_owned(),
    )
}

/// Refuses to open a SQLite store in a data dir whose store moved to PostgreSQL, with the way
/// back (the engine's start, `backup` and `restore`).
pub fn refuse_sqlite(data_dir: &Path) -> Result<(), crate::StartError> {
    match read(data_dir) {
        Some(to) => Err(crate::StartError::StoreMoved {
            to,
            marker: path(data_dir).display().to_string(),
        }),
        None => Ok(()),
    }
}

/// Records that the data dir's store is the PostgreSQL database `shown` (already redacted).
/// Written only when it says something else, so that a command does not write on each run.
pub fn write(data_dir: &Path, shown: &str) -> std::io::Result<()> {
    if read(data_dir).as_deref() == Some(shown) {
        return Ok(());
    }
    let text = format!(
        "postgres {shown}\n\
         # This data dir's store is the PostgreSQL database above (its address, without a password).\n\
         # wabox will not open a SQLite store in this data dir while this file is here: set\n\
         # [store] url (or WABOX_STORE_URL), or remove this file to use SQLite here again.\n"
    );
    let tmp = data_dir.join(format!("{FILE}.tmp"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path(data_dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_written_is_the_one_read() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), None);
        write(dir.path(), "host=/run/postgresql dbname=wabox password=***").unwrap();
        assert_eq!(
            read(dir.path()).as_deref(),
            Some("host=/run/postgresql dbname=wabox password=***")
        );
        // The same address is not written again: a line added by hand stays.
        let mut text = std::fs::read_to_string(path(dir.path())).unwrap();
        text.push_str("# kept\n");
        std::fs::write(path(dir.path()), &text).unwrap();
        write(dir.path(), "host=/run/postgresql dbname=wabox password=***").unwrap();
        assert!(
            std::fs::read_to_string(path(dir.path()))
                .unwrap()
                .ends_with("# kept\n")
        );
        // Another address replaces it.
        write(dir.path(), "host=db2 dbname=wabox").unwrap();
        assert_eq!(read(dir.path()).as_deref(), Some("host=db2 dbname=wabox"));
        assert!(refuse_sqlite(dir.path()).is_err());
    }
}
