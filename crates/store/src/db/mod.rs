//! The one seam between the store's SQL and its two databases: SQLite in the data dir (the
//! default, and the demo's) and PostgreSQL (several engines sharing one store).
//!
//! Its surface is rusqlite's (connections, cached statements, rows read by position, `?1` and
//! `:name` parameters), so one SQL text serves both stores wherever the dialects allow: the
//! PostgreSQL side turns placeholders into `$1`, prepares each text once per connection, and
//! reads its column types into SQLite's five storage classes. Where the dialects part (full-text
//! search, JSON, SQLite's pragmas) the caller asks `dialect()`.

mod pg;
mod pg_dead_peer;
mod pg_tls;
mod sqlite;
#[cfg(test)]
mod tls_tests;
mod value;

pub use crate::{named_params, params};
pub use value::{
    Bound, FromSql, Owned, Params, ParamsFromIter, ToSql, Value, ValueRef, params_from_iter,
};

use std::ops::{Deref, DerefMut};

/// Which database a connection speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A failure of either database, or of a value crossing the seam.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Sqlite(#[source] rusqlite::Error),
    #[error("{}", pg::describe(.0))]
    Postgres(#[source] postgres::Error),
    /// A query that must return a row returned none (`optional()` turns it into `None`).
    #[error("the query returned no rows")]
    NoRows,
    #[error("column {index}: {message}")]
    FromSql { index: usize, message: String },
    #[error("a parameter could not be given: {0}")]
    ToSql(String),
    #[error("{0}")]
    Unsupported(String),
    /// A store rule broken inside a write that is answered with a database error (a journal
    /// commit's group), in the store's words.
    #[error("{0}")]
    Store(String),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NoRows,
            e => Error::Sqlite(e),
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Error {
        Error::Postgres(e)
    }
}

impl Error {
    /// A unique or primary key already held by another row.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            Error::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }

    /// The SQLite error underneath, for the few callers that tell its codes apart.
    pub fn as_sqlite(&self) -> Option<&rusqlite::Error> {
        match self {
            Error::Sqlite(e) => Some(e),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// `query_row(...).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A connection to either store.
pub struct Connection {
    inner: Inner,
}

enum Inner {
    Sqlite(rusqlite::Connection),
    /// Boxed: its client and kept statements are several times SQLite's handle.
    Postgres(Box<pg::PgConn>),
}

impl From<rusqlite::Connection> for Connection {
    fn from(conn: rusqlite::Connection) -> Connection {
        Connection {
            inner: Inner::Sqlite(conn),
        }
    }
}

impl Connection {
    /// Connects to PostgreSQL (a URL or `key=value` words), without TLS: a Unix socket or a
    /// private network.
    pub fn connect_postgres(url: &str) -> Result<Connection> {
        Ok(Connection {
            inner: Inner::Postgres(Box::new(pg::PgConn::connect(url)?)),
        })
    }

    /// A SQLite file, as it is (no pragma set, no schema brought up to date): for tests and
    /// tools that look inside a store. The store's own are `open_writer` and `open_reader`.
    pub fn open_sqlite(path: impl AsRef<std::path::Path>) -> Result<Connection> {
        Ok(rusqlite::Connection::open(path)?.into())
    }

    /// A SQLite file opened to read only, beside whoever writes it.
    pub fn open_sqlite_read_only(path: &std::path::Path) -> Result<Connection> {
        Ok(rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?
        .into())
    }

    pub fn dialect(&self) -> Dialect {
        match self.inner {
            Inner::Sqlite(_) => Dialect::Sqlite,
            Inner::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite connection underneath, for what only SQLite has (pragmas, the WAL, backups).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Postgres(_) => None,
        }
    }

    pub fn as_sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Postgres(_) => None,
        }
    }

    /// The SQLite connection, or an error naming what PostgreSQL does not do here.
    pub fn sqlite_only(&self, what: &str) -> Result<&rusqlite::Connection> {
        self.as_sqlite().ok_or_else(|| {
            Error::Unsupported(format!("{what} is for a SQLite store, not PostgreSQL"))
        })
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(Statement::Sqlite(sqlite::Stmt::Plain(c.prepare(sql)?))),
            Inner::Postgres(c) => Ok(Statement::Postgres(c.prepare(sql)?)),
        }
    }

    /// A statement planned anew at every call, for one whose best plan changes as its tables
    /// grow (a queue's look). PostgreSQL plans a kept statement once for all after a few calls:
    /// the pending look planned while the journal was empty went on reading every pending row
    /// with its body and sorting them on disk, 60–90 ms a look, once the journal was not.
    pub fn prepare_replanned(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(Statement::Sqlite(sqlite::Stmt::Plain(c.prepare(sql)?))),
            Inner::Postgres(c) => Ok(Statement::Postgres(c.prepare_unkept(sql)?)),
        }
    }

    /// A statement kept for the next call with the same text (PostgreSQL keeps every
    /// statement a connection prepares: one round trip fewer each time).
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(Statement::Sqlite(sqlite::Stmt::Cached(
                c.prepare_cached(sql)?,
            ))),
            Inner::Postgres(c) => Ok(Statement::Postgres(c.prepare(sql)?)),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T, P: Params, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Statements without parameters, separated by `;`. `BEGIN IMMEDIATE` (SQLite's way to take
    /// the write lock at once) is a plain `BEGIN` on PostgreSQL, whose rows lock as written.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Inner::Postgres(c) => c.batch(sql),
        }
    }

    /// The id the last `INSERT` gave its row (PostgreSQL: the sequence this session last
    /// advanced, which is the same thing for the store's tables, none of which has a trigger
    /// inserting elsewhere).
    pub fn last_insert_rowid(&self) -> Result<i64> {
        match &self.inner {
            Inner::Sqlite(c) => Ok(c.last_insert_rowid()),
            Inner::Postgres(_) => self.query_row("SELECT lastval()", [], |r| r.get(0)),
        }
    }

    /// PostgreSQL's `COPY ... FROM STDIN`, given the rows in its text format; the count copied.
    pub fn copy_in(&self, sql: &str, data: &[u8]) -> Result<u64> {
        match &self.inner {
            Inner::Sqlite(_) => Err(Error::Unsupported("COPY is PostgreSQL's".into())),
            Inner::Postgres(c) => c.copy_in(sql, data),
        }
    }

    /// PostgreSQL: waits up to `timeout` for a notification on a channel this connection
    /// `LISTEN`s to, and says which (several that came together count as one wake-up).
    pub fn wait_notification(&self, timeout: std::time::Duration) -> Result<Option<String>> {
        match &self.inner {
            Inner::Sqlite(_) => Err(Error::Unsupported("notifications are PostgreSQL's".into())),
            Inner::Postgres(c) => c.wait_notification(timeout),
        }
    }

    /// Whether no transaction is open.
    pub fn is_autocommit(&self) -> bool {
        match &self.inner {
            Inner::Sqlite(c) => c.is_autocommit(),
            Inner::Postgres(c) => c.is_autocommit(),
        }
    }

    /// A transaction, rolled back unless committed.
    pub fn transaction(&mut self) -> Result<Transaction<'_>> {
        self.execute_batch("BEGIN")?;
        Ok(Transaction {
            conn: self,
            end: Some("ROLLBACK"),
        })
    }

    /// A savepoint inside the open transaction (or a transaction of its own outside one),
    /// rolled back unless committed.
    pub fn savepoint(&mut self) -> Result<Transaction<'_>> {
        // SQLite makes a savepoint outside a transaction a transaction; PostgreSQL refuses it.
        if self.is_autocommit() {
            return self.transaction();
        }
        self.execute_batch("SAVEPOINT db_savepoint")?;
        Ok(Transaction {
            conn: self,
            end: Some("ROLLBACK TO db_savepoint; RELEASE db_savepoint"),
        })
    }
}

/// A transaction or savepoint: the connection, with its end decided by `commit` or by drop.
pub struct Transaction<'c> {
    conn: &'c mut Connection,
    /// What dropping it does: roll back.
    end: Option<&'static str>,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        let sql = match self.end.take() {
            Some("ROLLBACK") => "COMMIT",
            _ => "RELEASE db_savepoint",
        };
        self.conn.execute_batch(sql)
    }

    pub fn rollback(mut self) -> Result<()> {
        match self.end.take() {
            Some(sql) => self.conn.execute_batch(sql),
            None => Ok(()),
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if let Some(sql) = self.end.take()
            && let Err(e) = self.conn.execute_batch(sql)
        {
            tracing::warn!(error = %e, "could not roll back a transaction");
        }
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl DerefMut for Transaction<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
    }
}

/// A prepared statement of either store.
pub enum Statement<'c> {
    Sqlite(sqlite::Stmt<'c>),
    Postgres(pg::PgStatement<'c>),
}

impl Statement<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let bound = params.bound()?;
        match self {
            Statement::Sqlite(s) => s.execute(&bound),
            Statement::Postgres(s) => s.execute(&bound),
        }
    }

    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let bound = params.bound()?;
        match self {
            Statement::Sqlite(s) => Ok(Rows::Sqlite(s.query(&bound)?)),
            Statement::Postgres(s) => Ok(Rows::Postgres {
                rows: s.query(&bound)?.into_iter(),
                current: None,
            }),
        }
    }

    pub fn query_row<T, P: Params, F>(&mut self, params: P, f: F) -> Result<T>
    where
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(Error::NoRows),
        }
    }

    pub fn query_map<T, P: Params, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, F>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            f,
        })
    }

    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }
}

/// The rows of a query, read one at a time.
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres {
        rows: std::vec::IntoIter<postgres::Row>,
        current: Option<postgres::Row>,
    },
}

impl Rows<'_> {
    #[allow(clippy::should_implement_trait)] // a row borrows the cursor: not an `Iterator`
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next()?.map(Row::Sqlite)),
            Rows::Postgres { rows, current } => {
                *current = rows.next();
                Ok(current.as_ref().map(Row::Postgres))
            }
        }
    }
}

/// The rows of `query_map`, each read through its closure.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.f)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// One row of either store.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

/// A column named by position or by name.
pub trait RowIndex {
    fn index(&self, row: &Row<'_>) -> Result<usize>;
}

impl RowIndex for usize {
    fn index(&self, _: &Row<'_>) -> Result<usize> {
        Ok(*self)
    }
}

impl RowIndex for &str {
    fn index(&self, row: &Row<'_>) -> Result<usize> {
        let found = match row {
            Row::Sqlite(r) => r.as_ref().column_index(self).ok(),
            Row::Postgres(r) => r.columns().iter().position(|c| c.name() == *self),
        };
        found.ok_or_else(|| Error::FromSql {
            index: usize::MAX,
            message: format!("no column named {self}"),
        })
    }
}

impl Row<'_> {
    /// The column's value in its storage class.
    pub fn get_ref(&self, index: usize) -> Result<ValueRef<'_>> {
        match self {
            Row::Sqlite(r) => sqlite::value(r, index),
            Row::Postgres(r) => pg::value(r, index),
        }
    }

    pub fn get<I: RowIndex, T: FromSql>(&self, index: I) -> Result<T> {
        let index = index.index(self)?;
        T::from_sql(self.get_ref(index)?).map_err(|message| Error::FromSql { index, message })
    }
}

#[cfg(test)]
mod tests;
