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

    /// On PostgreSQL, before anything else opens the store: that the server takes this
    /// address (an error that names it and the setting, not the client's words alone), and
    /// whether its database holds a wabox store yet. An empty one gets the schema when it is
    /// opened, as a fresh SQLite file does; the caller says so, since a mistyped `dbname` of
    /// another empty database would otherwise get it without a word. One that holds other
    /// tables is refused, here with its address and when it is opened (`store::open_postgres`).
    pub fn check_postgres(&self) -> Result<Option<bool>, crate::StartError> {
        let StoreAt::Postgres(url) = self else {
            return Ok(None);
        };
        let conn = db::Connection::connect_postgres(url.expose()).map_err(|e| {
            crate::StartError::StoreConnect {
                at: self.shown(),
                detail: e.to_string(),
            }
        })?;
        if store::postgres_schema_version(&conn)? > 0 {
            return Ok(Some(false));
        }
        let tables = store::foreign_tables(&conn)?;
        if !tables.is_empty() {
            return Err(crate::StartError::ForeignDatabase {
                at: self.shown(),
                tables,
            });
        }
        Ok(Some(true))
    }

    /// What may be shown: the file, or the address without its password.
    pub fn shown(&self) -> String {
        match self {
            StoreAt::Sqlite(p) => p.display().to_string(),
            StoreAt::Postgres(url) => wabox_config::store_url::redacted(url.expose()),
        }
    }
}
