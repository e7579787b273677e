//! The seam's SQLite side: rusqlite, with the seam's values bound and read.

use super::{Bound, Error, Result, Value, ValueRef};

/// A rusqlite statement, kept in the connection's cache or not.
pub enum Stmt<'c> {
    Cached(rusqlite::CachedStatement<'c>),
    Plain(rusqlite::Statement<'c>),
}

impl<'c> Stmt<'c> {
    fn get(&mut self) -> &mut rusqlite::Statement<'c> {
        match self {
            Stmt::Cached(s) => s,
            Stmt::Plain(s) => s,
        }
    }

    pub fn execute(&mut self, bound: &Bound<'_>) -> Result<usize> {
        let stmt = self.get();
        Ok(match bound.positional() {
            Some(values) => stmt.execute(rusqlite::params_from_iter(values.iter()))?,
            None => stmt.execute(&*named(bound))?,
        })
    }

    pub fn query(&mut self, bound: &Bound<'_>) -> Result<rusqlite::Rows<'_>> {
        let stmt = self.get();
        Ok(match bound.positional() {
            Some(values) => stmt.query(rusqlite::params_from_iter(values.iter()))?,
            None => stmt.query(&*named(bound))?,
        })
    }
}

fn named<'b>(bound: &'b Bound<'_>) -> Vec<(&'b str, &'b dyn rusqlite::ToSql)> {
    match bound {
        Bound::Named(pairs) => pairs
            .iter()
            .map(|(name, v)| (*name, v as &dyn rusqlite::ToSql))
            .collect(),
        _ => Vec::new(),
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ValueRef as V;
        Ok(rusqlite::types::ToSqlOutput::Borrowed(match *self {
            Value::Null => V::Null,
            Value::Integer(i) => V::Integer(i),
            Value::Real(f) => V::Real(f),
            Value::Text(s) => V::Text(s.as_bytes()),
            Value::Blob(b) => V::Blob(b),
        }))
    }
}

/// A column's value as SQLite keeps it.
pub fn value<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> Result<ValueRef<'r>> {
    use rusqlite::types::ValueRef as V;
    Ok(match row.get_ref(index)? {
        V::Null => Value::Null,
        V::Integer(i) => Value::Integer(i),
        V::Real(f) => Value::Real(f),
        V::Text(t) => Value::Text(std::str::from_utf8(t).map_err(|e| Error::FromSql {
            index,
            message: format!("text that is not UTF-8: {e}"),
        })?),
        V::Blob(b) => Value::Blob(b),
    })
}
