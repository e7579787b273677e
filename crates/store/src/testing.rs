//! Stores for tests: a migrated SQLite store in a temp dir, and a database of its own on the
//! PostgreSQL cluster the tests were given (`WABOX_TEST_PG`, a connection string; `.ci/run`
//! starts a throwaway cluster and sets it).

use super::*;
use std::cell::Cell;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use wabox_test_macros::both_stores;

/// Which store `store()` gives on this thread: SQLite unless a `#[both_stores]` test asked
/// for PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

thread_local! {
    static KIND: Cell<StoreKind> = const { Cell::new(StoreKind::Sqlite) };
}

/// Runs a test with `store()` giving `kind` (what `#[both_stores]` expands to). Where the
/// tests have no cluster, a PostgreSQL run says it is skipped and returns.
pub fn on_store(kind: StoreKind, test: fn()) {
    if kind == StoreKind::Postgres && cluster().is_none() {
        return;
    }
    KIND.with(|k| k.set(kind));
    test();
    KIND.with(|k| k.set(StoreKind::Sqlite));
}

/// What keeps a test's store alive: its temp dir, or its database on the cluster.
pub enum StoreGuard {
    Dir(tempfile::TempDir),
    Postgres(PgDatabase),
}

impl StoreGuard {
    /// The temp dir of a SQLite store (a test about files is a SQLite test).
    pub fn path(&self) -> &std::path::Path {
        match self {
            StoreGuard::Dir(d) => d.path(),
            StoreGuard::Postgres(_) => panic!("a test of the store's files ran on PostgreSQL"),
        }
    }
}

/// A migrated store, SQLite in a temp dir or, in the PostgreSQL run of a `#[both_stores]`
/// test, a database of its own; it lives as long as the returned guard.
pub fn store() -> (StoreGuard, db::Connection) {
    match KIND.with(Cell::get) {
        StoreKind::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let conn = open_writer(&dir.path().join("wabox.db")).unwrap();
            (StoreGuard::Dir(dir), conn)
        }
        StoreKind::Postgres => {
            let database = postgres_database().expect("on_store checked for a cluster");
            let conn = open_postgres(&database.url).unwrap();
            (StoreGuard::Postgres(database), conn)
        }
    }
}

/// A database made for one test on the tests' cluster, dropped with this guard.
pub struct PgDatabase {
    admin: String,
    name: String,
    /// The connection string of this database.
    pub url: String,
}

impl PgDatabase {
    /// Drops the database now, closing whatever is connected to it: for a test of what an
    /// engine does when its store goes away. Dropping the guard later finds nothing to drop.
    pub fn drop_now(&self) {
        // Through the seam, which may be called from a test's runtime.
        if let Ok(admin) = db::Connection::connect_postgres(&self.admin) {
            let _ = admin.execute_batch(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        self.drop_now();
    }
}

/// A new empty database, or `None` where the tests were given no cluster: then the test says
/// so on the terminal (past the test harness's capture), and fails where `WABOX_REQUIRE_PG` is
/// set, as in CI, so PostgreSQL is never skipped silently there.
pub fn postgres_database() -> Option<PgDatabase> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let admin = cluster()?;
    let name = format!(
        "wabox_t_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    );
    let client = db::Connection::connect_postgres(&admin)
        .unwrap_or_else(|e| panic!("the tests' PostgreSQL cluster ({admin}): {e}"));
    client
        .execute_batch(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let url = format!("{admin} dbname={name}");
    Some(PgDatabase { admin, name, url })
}

/// The tests' cluster (`WABOX_TEST_PG`), or `None` after saying so.
fn cluster() -> Option<String> {
    let Some(admin) = std::env::var("WABOX_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        assert!(
            std::env::var_os("WABOX_REQUIRE_PG").is_none(),
            "WABOX_REQUIRE_PG is set but WABOX_TEST_PG is not: start a cluster with .ci/postgres"
        );
        let test = std::thread::current().name().unwrap_or("a test").to_owned();
        let _ = writeln!(
            std::io::stderr(),
            "{test}: skipped on PostgreSQL (WABOX_TEST_PG is not set; `.ci/run` starts a cluster)"
        );
        return None;
    };
    Some(admin)
}

/// Runs `test` on a fresh SQLite connection and, where the tests have a cluster, on a fresh
/// PostgreSQL database: the seam's own tests, before any schema.
pub fn each_store(test: impl Fn(&mut db::Connection) -> db::Result<()>) {
    let dir = tempfile::tempdir().unwrap();
    let mut sqlite: db::Connection = rusqlite::Connection::open(dir.path().join("t.db"))
        .unwrap()
        .into();
    test(&mut sqlite).unwrap_or_else(|e| panic!("on SQLite: {e}"));
    if let Some(database) = postgres_database() {
        let mut pg = db::Connection::connect_postgres(&database.url).unwrap();
        test(&mut pg).unwrap_or_else(|e| panic!("on PostgreSQL: {e}"));
    }
}

/// Texts in SQLite's placeholders and what PostgreSQL is given, with the names in order.
pub fn pg_translate_cases() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        ("SELECT ?1, ?2, ?1", "SELECT $1, $2, $1", vec![]),
        ("SELECT ?, ?5, ?", "SELECT $1, $5, $6", vec![]),
        (
            "SELECT '?1 it''s', \"a?\" -- ?3\n, ?2 /* :x */",
            "SELECT '?1 it''s', \"a?\" -- ?3\n, $2 /* :x */",
            vec![],
        ),
        (
            "WHERE t = :tenant AND (a = :agent OR :tenant IS NULL) AND x::bigint = 1",
            "WHERE t = $1 AND (a = $2 OR $1 IS NULL) AND x::bigint = 1",
            names(&[":tenant", ":agent"]),
        ),
    ]
}
