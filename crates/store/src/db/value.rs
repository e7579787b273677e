//! Values crossing the seam: what a statement is given (`ToSql`, `Params`) and what a row gives
//! back (`FromSql`), in SQLite's five storage classes, which both databases can hold. Each
//! backend turns them into its own types (`sqlite.rs`, `pg.rs`).

use super::{Error, Result};

/// A value given to a statement, borrowed from the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A value read from a row, borrowed from it. A PostgreSQL `boolean` reads as 0 or 1, as SQLite
/// keeps it.
pub type ValueRef<'a> = Value<'a>;

/// What a statement can be given.
pub trait ToSql {
    fn to_sql(&self) -> Result<Value<'_>>;
}

/// What a row's column can be read into.
pub trait FromSql: Sized {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String>;
}

/// A statement's parameters, by position (`?1`) or by name (`:name`).
pub enum Bound<'a> {
    Positional(Vec<Value<'a>>),
    Named(Vec<(&'a str, Value<'a>)>),
    /// Values the parameters made as they were asked (an iterator's items).
    Owned(Vec<Owned>),
}

impl Bound<'_> {
    /// The values in order, for a backend that binds by position (names were placed by the
    /// caller).
    pub fn positional(&self) -> Option<Vec<Value<'_>>> {
        match self {
            Bound::Positional(v) => Some(v.clone()),
            Bound::Owned(v) => Some(v.iter().map(Owned::as_value).collect()),
            Bound::Named(_) => None,
        }
    }
}

pub trait Params {
    fn bound(&self) -> Result<Bound<'_>>;
}

impl Params for () {
    fn bound(&self) -> Result<Bound<'_>> {
        Ok(Bound::Positional(Vec::new()))
    }
}

impl Params for [&dyn ToSql; 0] {
    fn bound(&self) -> Result<Bound<'_>> {
        Ok(Bound::Positional(Vec::new()))
    }
}

impl Params for &[&dyn ToSql] {
    fn bound(&self) -> Result<Bound<'_>> {
        Ok(Bound::Positional(
            self.iter().map(|p| p.to_sql()).collect::<Result<_>>()?,
        ))
    }
}

impl Params for &[(&str, &dyn ToSql)] {
    fn bound(&self) -> Result<Bound<'_>> {
        Ok(Bound::Named(
            self.iter()
                .map(|(name, p)| Ok((*name, p.to_sql()?)))
                .collect::<Result<_>>()?,
        ))
    }
}

macro_rules! array_params {
    ($($n:literal)+) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn bound(&self) -> Result<Bound<'_>> {
                Ok(Bound::Positional(self.iter().map(|p| p.to_sql()).collect::<Result<_>>()?))
            }
        }
        impl<T: ToSql> Params for &[T; $n] {
            fn bound(&self) -> Result<Bound<'_>> {
                Ok(Bound::Positional(self.iter().map(|p| p.to_sql()).collect::<Result<_>>()?))
            }
        }
    )+};
}
array_params!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

/// Parameters from an iterator, as many as it gives.
pub struct ParamsFromIter<I>(I);

pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator + Clone,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

/// The items are made by the iteration and gone after it: their values are copied.
impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator + Clone,
    I::Item: ToSql,
{
    fn bound(&self) -> Result<Bound<'_>> {
        Ok(Bound::Owned(
            self.0
                .clone()
                .into_iter()
                .map(|p| p.to_sql().map(Owned::from))
                .collect::<Result<_>>()?,
        ))
    }
}

/// A value that owns its text or bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Owned {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Owned {
    pub fn as_value(&self) -> Value<'_> {
        match self {
            Owned::Null => Value::Null,
            Owned::Integer(i) => Value::Integer(*i),
            Owned::Real(f) => Value::Real(*f),
            Owned::Text(s) => Value::Text(s),
            Owned::Blob(b) => Value::Blob(b),
        }
    }
}

impl From<Value<'_>> for Owned {
    fn from(v: Value<'_>) -> Owned {
        match v {
            Value::Null => Owned::Null,
            Value::Integer(i) => Owned::Integer(i),
            Value::Real(f) => Owned::Real(f),
            Value::Text(s) => Owned::Text(s.to_owned()),
            Value::Blob(b) => Owned::Blob(b.to_vec()),
        }
    }
}

impl ToSql for Owned {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(self.as_value())
    }
}

impl FromSql for Owned {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
        Ok(value.into())
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_sql(&self) -> Result<Value<'_>> {
        (**self).to_sql()
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_sql(&self) -> Result<Value<'_>> {
        match self {
            Some(v) => v.to_sql(),
            None => Ok(Value::Null),
        }
    }
}

impl<T: ToSql + ?Sized> ToSql for Box<T> {
    fn to_sql(&self) -> Result<Value<'_>> {
        (**self).to_sql()
    }
}

impl ToSql for Value<'_> {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(*self)
    }
}

macro_rules! integer_to_sql {
    ($($t:ty)+) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> Result<Value<'_>> {
                i64::try_from(*self)
                    .map(Value::Integer)
                    .map_err(|_| Error::ToSql(format!("{} does not fit a 64-bit integer", self)))
            }
        }
        impl FromSql for $t {
            fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
                match value {
                    Value::Integer(i) => <$t>::try_from(i)
                        .map_err(|_| format!("{i} is out of range for {}", stringify!($t))),
                    other => Err(format!("expected an integer, found {}", other.kind())),
                }
            }
        }
    )+};
}
integer_to_sql!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

impl ToSql for bool {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Integer(i64::from(*self)))
    }
}

impl FromSql for bool {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
        match value {
            Value::Integer(i) => Ok(i != 0),
            other => Err(format!("expected a boolean, found {}", other.kind())),
        }
    }
}

impl ToSql for f64 {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Real(*self))
    }
}

impl FromSql for f64 {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
        match value {
            Value::Real(f) => Ok(f),
            Value::Integer(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {}", other.kind())),
        }
    }
}

impl ToSql for str {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Text(self))
    }
}

impl ToSql for String {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Text(self))
    }
}

impl ToSql for std::borrow::Cow<'_, str> {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Text(self))
    }
}

impl FromSql for String {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.to_owned()),
            other => Err(format!("expected text, found {}", other.kind())),
        }
    }
}

impl ToSql for [u8] {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Blob(self))
    }
}

impl ToSql for Vec<u8> {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Blob(self))
    }
}

impl<const N: usize> ToSql for [u8; N] {
    fn to_sql(&self) -> Result<Value<'_>> {
        Ok(Value::Blob(self))
    }
}

impl FromSql for Vec<u8> {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
        match value {
            Value::Blob(b) => Ok(b.to_vec()),
            other => Err(format!("expected bytes, found {}", other.kind())),
        }
    }
}

impl<const N: usize> FromSql for [u8; N] {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
        match value {
            Value::Blob(b) => b
                .try_into()
                .map_err(|_| format!("expected {N} bytes, found {}", b.len())),
            other => Err(format!("expected bytes, found {}", other.kind())),
        }
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_sql(value: ValueRef<'_>) -> std::result::Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            v => T::from_sql(v).map(Some),
        }
    }
}

impl Value<'_> {
    /// The storage class, for an error about a column of the wrong kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Integer(_) => "an integer",
            Value::Real(_) => "a real",
            Value::Text(_) => "text",
            Value::Blob(_) => "bytes",
        }
    }

    pub fn as_str(&self) -> std::result::Result<&str, String> {
        match self {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {}", other.kind())),
        }
    }

    pub fn as_i64(&self) -> std::result::Result<i64, String> {
        match self {
            Value::Integer(i) => Ok(*i),
            other => Err(format!("expected an integer, found {}", other.kind())),
        }
    }
}

/// Positional parameters of mixed types: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::db::ToSql]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::db::ToSql),+] as &[&dyn $crate::db::ToSql]
    };
}

/// Named parameters: `named_params! {":tenant": t, ":agent": a}`.
#[macro_export]
macro_rules! named_params {
    () => {
        &[] as &[(&str, &dyn $crate::db::ToSql)]
    };
    ($($name:literal: $param:expr),+ $(,)?) => {
        &[$(($name, &$param as &dyn $crate::db::ToSql)),+] as &[(&str, &dyn $crate::db::ToSql)]
    };
}
