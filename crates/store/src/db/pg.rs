//! The seam's PostgreSQL side: the `postgres` client (blocking, as the store's callers are: the
//! writer's thread and the readers' blocking pool), with SQLite's placeholders translated and
//! each statement prepared once per connection.

use super::{Bound, Error, Result, Value, ValueRef};
use postgres::types::{IsNull, Type};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Statements a connection keeps prepared. The store's texts are a few hundred; a text built
/// with values in it (it should not be) would otherwise grow the cache without end.
const KEPT_STATEMENTS: usize = 1024;

pub struct PgConn {
    /// Always there but while dropped (see `Drop`).
    client: Option<RefCell<postgres::Client>>,
    kept: RefCell<HashMap<String, Prepared>>,
    /// Whether a `BEGIN` is open (the client does not say: its transactions are ours).
    in_transaction: std::cell::Cell<bool>,
    /// Whether a call failed in a way that ends the connection (`ends_connection`), though the
    /// client may not call itself closed until a later call fails too.
    broken: std::cell::Cell<bool>,
    /// Where it connected and with what TLS, to connect again once the server closed the
    /// connection (a restart, a failover to a standby).
    tls: super::pg_tls::Tls,
}

#[derive(Clone)]
struct Prepared {
    stmt: postgres::Statement,
    /// The `:name` of each `$n`, in order, for a statement written with names.
    names: Arc<[String]>,
}

pub struct PgStatement<'c> {
    conn: &'c PgConn,
    prepared: Prepared,
}

/// Closing the client blocks on its runtime, and dropping a runtime on a thread that drives
/// tasks panics: both happen off the runtime.
impl Drop for PgConn {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            off_the_runtime(move || drop(client));
        }
    }
}

/// A client for the address, with TLS where it asks for it.
///
/// Without just-in-time compilation: the engine's statements are short, but the planner's
/// estimate for some (the outbox's claim, with a look per number) passes `jit_above_cost`, and
/// compiling it took 1.4 ms a call where running it takes a tenth of that.
///
/// With timeouts for a server that stops answering without closing (`pg_dead_peer`).
fn open(tls: &super::pg_tls::Tls) -> std::result::Result<postgres::Client, postgres::Error> {
    let config = super::pg_dead_peer::config(&tls.conninfo)?;
    let mut client = match &tls.connector {
        Some(connector) => config.connect(connector.clone()),
        None => config.connect(postgres::NoTls),
    }?;
    client.batch_execute("SET jit = off")?;
    Ok(client)
}

impl PgConn {
    fn client(&self) -> &RefCell<postgres::Client> {
        self.client
            .as_ref()
            .expect("the client is there until the connection is dropped")
    }

    pub fn connect(url: &str) -> Result<PgConn> {
        let tls = super::pg_tls::prepare(url).map_err(Error::Store)?;
        let client = off_the_runtime(|| open(&tls))?;
        Ok(PgConn {
            client: Some(RefCell::new(client)),
            kept: RefCell::new(HashMap::new()),
            in_transaction: std::cell::Cell::new(false),
            broken: std::cell::Cell::new(false),
            tls,
        })
    }

    /// A connection the server closed, or that a call found ended (`ends_connection`), is
    /// opened again, between transactions only (one that was open is lost with its
    /// connection: its caller hears the error and rolls back, which ends it here). Statements
    /// prepared on the old one are forgotten.
    fn reopen_if_closed(&self) -> Result<()> {
        if self.in_transaction.get() || !(self.broken.get() || self.client().borrow().is_closed()) {
            return Ok(());
        }
        let tls = &self.tls;
        let fresh = off_the_runtime(|| open(tls))?;
        let old = std::mem::replace(&mut *self.client().borrow_mut(), fresh);
        off_the_runtime(move || drop(old));
        self.kept.borrow_mut().clear();
        self.broken.set(false);
        tracing::info!("connected to PostgreSQL again");
        Ok(())
    }

    /// A client call's result, noting an error that ends the connection.
    fn noted<T>(&self, result: std::result::Result<T, postgres::Error>) -> Result<T> {
        if let Err(e) = &result
            && ends_connection(e)
        {
            self.broken.set(true);
        }
        Ok(result?)
    }

    /// A statement prepared for this call only, so that the server plans it anew each time.
    pub fn prepare_unkept(&self, sql: &str) -> Result<PgStatement<'_>> {
        self.reopen_if_closed()?;
        let (text, names) = translate(sql)?;
        let stmt = {
            let mut client = self.client().borrow_mut();
            let client: &mut postgres::Client = &mut client;
            self.noted(off_the_runtime(|| client.prepare(&text)))?
        };
        Ok(PgStatement {
            conn: self,
            prepared: Prepared {
                stmt,
                names: names.into(),
            },
        })
    }

    pub fn prepare(&self, sql: &str) -> Result<PgStatement<'_>> {
        self.reopen_if_closed()?;
        if let Some(prepared) = self.kept.borrow().get(sql) {
            return Ok(PgStatement {
                conn: self,
                prepared: prepared.clone(),
            });
        }
        let (text, names) = translate(sql)?;
        let stmt = {
            let mut client = self.client().borrow_mut();
            let client: &mut postgres::Client = &mut client;
            self.noted(off_the_runtime(|| client.prepare(&text)))?
        };
        let prepared = Prepared {
            stmt,
            names: names.into(),
        };
        let mut kept = self.kept.borrow_mut();
        if kept.len() >= KEPT_STATEMENTS {
            kept.clear();
        }
        kept.insert(sql.to_owned(), prepared.clone());
        Ok(PgStatement {
            conn: self,
            prepared,
        })
    }

    pub fn batch(&self, sql: &str) -> Result<()> {
        self.reopen_if_closed()?;
        let sql = if sql.trim().eq_ignore_ascii_case("BEGIN IMMEDIATE") {
            "BEGIN"
        } else {
            sql
        };
        let result = {
            let mut client = self.client().borrow_mut();
            let client: &mut postgres::Client = &mut client;
            off_the_runtime(|| client.batch_execute(sql))
        };
        self.note_transaction(sql, result.is_ok());
        self.noted(result)
    }

    /// `COPY ... FROM STDIN` with `data` in the statement's format: the fastest way in for many
    /// rows (`wabox migrate`).
    pub fn copy_in(&self, sql: &str, data: &[u8]) -> Result<u64> {
        use std::io::Write;
        let mut client = self.client().borrow_mut();
        let client: &mut postgres::Client = &mut client;
        off_the_runtime(|| {
            let mut writer = client.copy_in(sql)?;
            writer
                .write_all(data)
                .map_err(|e| Error::ToSql(e.to_string()))?;
            Ok(writer.finish()?)
        })
    }

    /// Waits up to `timeout` for a notification on a channel this connection listens to
    /// (`LISTEN`); its channel, or `None` when none came.
    pub fn wait_notification(&self, timeout: std::time::Duration) -> Result<Option<String>> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut client = self.client().borrow_mut();
        let client: &mut postgres::Client = &mut client;
        off_the_runtime(|| {
            let mut notifications = client.notifications();
            let first = notifications.timeout_iter(timeout).next()?;
            Ok(first.map(|n| n.channel().to_owned()))
        })
    }

    pub fn is_autocommit(&self) -> bool {
        !self.in_transaction.get() && !self.client().borrow().is_closed()
    }

    /// Follows `BEGIN`, `COMMIT` and `ROLLBACK` (a savepoint's `ROLLBACK TO` leaves the
    /// transaction open), for `is_autocommit`.
    fn note_transaction(&self, sql: &str, ok: bool) {
        let first = sql.split_whitespace().next().unwrap_or("");
        let rollback_to = sql.trim_start()[first.len()..]
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("TO");
        match first.to_ascii_uppercase().as_str() {
            "BEGIN" | "START" if ok => self.in_transaction.set(true),
            "COMMIT" | "END" => self.in_transaction.set(false),
            "ROLLBACK" if !rollback_to => self.in_transaction.set(false),
            _ => {}
        }
    }
}

impl PgStatement<'_> {
    fn values<'b>(&self, bound: &'b Bound<'_>) -> Result<Vec<Value<'b>>> {
        match bound {
            Bound::Named(pairs) => self
                .prepared
                .names
                .iter()
                .map(|name| {
                    pairs
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| Error::ToSql(format!("no value for {name}")))
                })
                .collect(),
            _ => Ok(bound.positional().unwrap_or_default()),
        }
    }

    pub fn execute(&mut self, bound: &Bound<'_>) -> Result<usize> {
        let values = self.values(bound)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = values
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let mut client = self.conn.client().borrow_mut();
        let client: &mut postgres::Client = &mut client;
        let n = self.conn.noted(off_the_runtime(|| {
            client.execute(&self.prepared.stmt, &refs)
        }))?;
        Ok(n as usize)
    }

    pub fn query(&mut self, bound: &Bound<'_>) -> Result<Vec<postgres::Row>> {
        let values = self.values(bound)?;
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = values
            .iter()
            .map(|v| v as &(dyn postgres::types::ToSql + Sync))
            .collect();
        let mut client = self.conn.client().borrow_mut();
        let client: &mut postgres::Client = &mut client;
        self.conn
            .noted(off_the_runtime(|| client.query(&self.prepared.stmt, &refs)))
    }
}

/// Whether an error means the connection itself is gone: the client saw it close, a read or
/// write on its socket failed, or the server ended the session (a FATAL error: the backend
/// was terminated, the server is shutting down). After such an error the client can still
/// call itself open (it has not read the end of the socket yet), and the next call would fail
/// too; the connection is opened again before that call instead.
fn ends_connection(e: &postgres::Error) -> bool {
    use postgres::error::Severity;
    e.is_closed()
        || e.as_db_error().is_some_and(|db| {
            matches!(
                db.parsed_severity(),
                Some(Severity::Fatal | Severity::Panic)
            )
        })
        || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// Runs a call of the blocking client where it may block. The client drives its connection on
/// a runtime of its own, which cannot start on a thread that drives tokio's tasks (it panics);
/// the store's callers are the writer's thread and tokio's blocking pool, where it can, but a
/// command's start runs on a task. There the worker hands its tasks over while the call
/// blocks (`block_in_place`), or, on a single-threaded runtime (tests), the call runs on a
/// thread of its own.
fn off_the_runtime<R: Send>(call: impl FnOnce() -> R + Send) -> R {
    match tokio::runtime::Handle::try_current() {
        Err(_) => call(),
        Ok(handle) => match handle.runtime_flavor() {
            tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(call),
            _ => std::thread::scope(|s| {
                s.spawn(call)
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }),
        },
    }
}

/// SQLite's placeholders in PostgreSQL's words: `?N` is `$N`, a bare `?` the next number after
/// the largest so far (as SQLite counts), and `:name` (or `@name`, `$name`) `$k` by first
/// appearance, the names returned in order. Quoted text, quoted names and comments are left as
/// they are; `::` stays a cast.
pub fn translate(sql: &str) -> Result<(String, Vec<String>)> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut names: Vec<String> = Vec::new();
    let mut largest = 0usize;
    let mut numbered = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' | '"' => {
                // A quoted string or name, with its doubled quotes.
                out.push(c);
                i += 1;
                while i < chars.len() {
                    out.push(chars[i]);
                    if chars[i] == c {
                        if chars.get(i + 1) == Some(&c) {
                            out.push(c);
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    out.push(chars[i]);
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    out.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    out.push_str("*/");
                    i += 2;
                }
            }
            '?' => {
                numbered = true;
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && chars[end].is_ascii_digit() {
                    end += 1;
                }
                let n = if end > start {
                    chars[start..end]
                        .iter()
                        .collect::<String>()
                        .parse::<usize>()
                        .map_err(|e| Error::Unsupported(format!("placeholder: {e}")))?
                } else {
                    largest + 1
                };
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
                i = end;
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                out.push_str("::");
                i += 2;
            }
            ':' | '@' | '$'
                if chars
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_') =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                let k = match names.iter().position(|n| *n == name) {
                    Some(p) => p + 1,
                    None => {
                        names.push(name);
                        names.len()
                    }
                };
                out.push('$');
                out.push_str(&k.to_string());
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if numbered && !names.is_empty() {
        return Err(Error::Unsupported(
            "a statement with both numbered and named parameters".into(),
        ));
    }
    Ok((out, names))
}

/// A column's value in SQLite's storage classes.
pub fn value(row: &postgres::Row, index: usize) -> Result<ValueRef<'_>> {
    let column = row.columns().get(index).ok_or_else(|| Error::FromSql {
        index,
        message: format!("no column {index} (the row has {})", row.len()),
    })?;
    let ty = column.type_().clone();
    let read = |e: postgres::Error| Error::FromSql {
        index,
        message: e.to_string(),
    };
    Ok(match ty {
        Type::BOOL => opt(row.try_get::<_, Option<bool>>(index).map_err(read)?, |b| {
            Value::Integer(i64::from(b))
        }),
        Type::INT2 => opt(row.try_get::<_, Option<i16>>(index).map_err(read)?, |i| {
            Value::Integer(i.into())
        }),
        Type::INT4 => opt(row.try_get::<_, Option<i32>>(index).map_err(read)?, |i| {
            Value::Integer(i.into())
        }),
        Type::INT8 => opt(
            row.try_get::<_, Option<i64>>(index).map_err(read)?,
            Value::Integer,
        ),
        Type::OID => opt(row.try_get::<_, Option<u32>>(index).map_err(read)?, |i| {
            Value::Integer(i.into())
        }),
        Type::FLOAT4 => opt(row.try_get::<_, Option<f32>>(index).map_err(read)?, |f| {
            Value::Real(f.into())
        }),
        Type::FLOAT8 => opt(
            row.try_get::<_, Option<f64>>(index).map_err(read)?,
            Value::Real,
        ),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => opt(
            row.try_get::<_, Option<&str>>(index).map_err(read)?,
            Value::Text,
        ),
        Type::BYTEA => opt(
            row.try_get::<_, Option<&[u8]>>(index).map_err(read)?,
            Value::Blob,
        ),
        ref t if t.name() == "citext" => opt(
            row.try_get::<_, Option<&str>>(index).map_err(read)?,
            Value::Text,
        ),
        other => {
            return Err(Error::FromSql {
                index,
                message: format!(
                    "PostgreSQL type {other} is not one the store reads (cast it to bigint, \
                     double precision, text or bytea)"
                ),
            });
        }
    })
}

fn opt<'a, T>(v: Option<T>, f: impl FnOnce(T) -> Value<'a>) -> Value<'a> {
    v.map_or(Value::Null, f)
}

/// A value given in the type PostgreSQL inferred for its parameter: an integer for a `bigint`,
/// `integer` or `boolean` column alike, as SQLite takes it.
impl postgres::types::ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let wrong = || -> Box<dyn std::error::Error + Sync + Send> {
            format!("{} given for a parameter of type {ty}", self.kind()).into()
        };
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                Type::FLOAT4 => (i as f32).to_sql(ty, out),
                Type::OID => u32::try_from(i)?.to_sql(ty, out),
                _ => Err(wrong()),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ => Err(wrong()),
            },
            Value::Text(s) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    s.to_sql(ty, out)
                }
                ref t if t.name() == "citext" => s.to_sql(ty, out),
                _ => Err(wrong()),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ => Err(wrong()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// PostgreSQL's error with its detail and hint, which `Display` leaves out.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            if let Some(h) = db.hint() {
                s.push_str(&format!("; hint: {h}"));
            }
            s
        }
        // The client's own words ("error connecting to server") leave out why: its cause.
        None => {
            let mut s = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                let text = c.to_string();
                if !s.contains(&text) {
                    s.push_str(&format!(": {text}"));
                }
                cause = c.source();
            }
            s
        }
    }
}
