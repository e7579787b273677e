//! Where the engine's store is: SQLite in the data dir (the default, and the demo's), or the
//! PostgreSQL database that every engine given the same `[store] url` shares.

use std::path::{Path, PathBuf};
use wabox_config::Config;
use wabox_secret::Secret;
use wabox_store::{self as store, db};

#[derive(Clone)]
pub enum StoreAt {
    Sqlite(PathBuf),
    /// A connection string, which may hold a password: shown only `redacted`.
    Postgres(Secret),
}

impl std::fmt::Debug for StoreAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl StoreAt {
    pub fn from_config(config: &Config) -> StoreAt {
        match &config.store_url {
            Some(url) => StoreAt::Postgres(url.clone()),
            None => StoreAt::Sqlite(crate::db_path(&config.data_dir)),
        }
    }

    /// SQLite's file, for what only a file has (the WAL, backups).
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            StoreAt::Sqlite(p) => Some(p),
            StoreAt::Postgres(_) => None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, StoreAt::Postgres(_))
    }

    /// The writer's connection, the schema brought up to date.
    pub fn open_writer(&self) -> store::Result<db::Connection> {
        match self {
            StoreAt::Sqlite(p) => store::open_writer(p),
            StoreAt::Postgres(url) => store::open_postgres(url.expose()),
        }
    }

    /// A reader's connection beside the writer.
    pub fn open_reader(&self) -> store::Result<db::Connection> {
        match self {
            StoreAt::Sqlite(p) => store::open_reader(p),
            StoreAt::Postgres(url) => Ok(db::Connection::connect_postgres(url.expose())?),
        }
    }

    /// What may be shown: the file, or the address without its password.
    pub fn shown(&self) -> String {
        match self {
            StoreAt::Sqlite(p) => p.display().to_string(),
            StoreAt::Postgres(url) => wabox_config::store_url::redacted(url.expose()),
        }
    }
}
