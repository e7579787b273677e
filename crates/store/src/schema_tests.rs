//! The two schemas, held to each other: the same tables with the same columns, so one SQL text
//! serves both stores and `wabox migrate` has a place for every value.

use crate::testing::postgres_database;
use std::collections::{BTreeMap, BTreeSet};

type Schema = BTreeMap<String, BTreeSet<String>>;

/// Tables only one store has, and why.
const SQLITE_ONLY: &[&str] = &[
    // FTS5's table and its shadow tables; PostgreSQL's words are in `message_search_words`.
    "message_search",
    "message_search_data",
    "message_search_idx",
    "message_search_docsize",
    "message_search_config",
];
const POSTGRES_ONLY: &[&str] = &[
    // SQLite keeps its schema version in `PRAGMA user_version`.
    "schema_migrations",
    // Several engines share a PostgreSQL store only: their heartbeats, leases and events.
    "engines",
    "partition_leases",
    "store_events",
    // Full-text search: each message's words (a GIN index over them), and the messages whose
    // words are still to be worked out (SQLite's FTS5 table and its high-water mark instead).
    "message_search_words",
    "search_queue",
];

fn sqlite_schema() -> Schema {
    let (_dir, conn) = crate::testing::store();
    let tables: Vec<String> = crate::test_fixtures::column(
        &conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    );
    tables
        .into_iter()
        .filter(|t| !SQLITE_ONLY.contains(&t.as_str()))
        .map(|t| {
            let columns = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([&t], |r| r.get(0))
                .unwrap()
                .collect::<crate::db::Result<_>>()
                .unwrap();
            (t, columns)
        })
        .collect()
}

fn postgres_schema(conn: &crate::db::Connection) -> Schema {
    let rows: Vec<(String, String)> = conn
        .prepare(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema()",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<crate::db::Result<_>>()
        .unwrap();
    let mut schema = Schema::new();
    for (table, column) in rows {
        if !POSTGRES_ONLY.contains(&table.as_str()) {
            schema.entry(table).or_default().insert(column);
        }
    }
    schema
}

#[test]
fn both_stores_have_the_same_tables_and_columns() {
    let Some(database) = postgres_database() else {
        return;
    };
    let pg = crate::open_postgres(&database.url).unwrap();
    let (sqlite, postgres) = (sqlite_schema(), postgres_schema(&pg));
    assert!(sqlite.len() > 25, "{sqlite:?}");
    for (table, columns) in &sqlite {
        assert_eq!(
            Some(columns),
            postgres.get(table),
            "table {table}: SQLite's columns, then PostgreSQL's"
        );
    }
    let extra: Vec<_> = postgres
        .keys()
        .filter(|t| !sqlite.contains_key(*t))
        .collect();
    assert!(extra.is_empty(), "tables only PostgreSQL has: {extra:?}");
}

#[test]
fn postgresql_vacuums_the_queue_tables_after_a_fixed_number_of_changes() {
    let Some(database) = postgres_database() else {
        return;
    };
    let pg = crate::open_postgres(&database.url).unwrap();
    for table in ["journal", "search_queue", "store_events"] {
        let options: Option<String> = pg
            .query_row(
                "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        let options = options.unwrap_or_default();
        assert!(
            options.contains("autovacuum_vacuum_scale_factor=0")
                && options.contains("autovacuum_vacuum_threshold=10000"),
            "{table}: {options}"
        );
    }
}

#[test]
fn postgresql_compresses_bodies_and_messages_with_lz4_where_the_server_has_it() {
    let Some(database) = postgres_database() else {
        return;
    };
    let pg = crate::open_postgres(&database.url).unwrap();
    let has_lz4 = pg
        .execute_batch("SET default_toast_compression = lz4; RESET default_toast_compression")
        .is_ok();
    let methods: Vec<String> = pg
        .prepare(
            "SELECT attrelid::regclass::text || '.' || attname || '=' || CAST(attcompression AS TEXT)
             FROM pg_attribute
             WHERE (attrelid, attname) IN (('messages'::regclass, 'text'),
                                           ('messages'::regclass, 'payload'),
                                           ('journal'::regclass, 'body'))
             ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let method = if has_lz4 { "l" } else { "" };
    let expected: Vec<String> = ["journal.body", "messages.payload", "messages.text"]
        .iter()
        .map(|c| format!("{c}={method}"))
        .collect();
    assert_eq!(methods, expected);
}

#[test]
fn engines_starting_together_migrate_once() {
    let Some(database) = postgres_database() else {
        return;
    };
    let url = database.url.clone();
    let engines: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || crate::open_postgres(&url).map(|_| ()))
        })
        .collect();
    for e in engines {
        e.join().unwrap().unwrap();
    }
    let conn = crate::open_postgres(&url).unwrap();
    assert_eq!(
        crate::postgres_schema_version(&conn).unwrap(),
        crate::PG_MIGRATIONS.len() as i64
    );
    let steps: i64 = conn
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(steps, crate::PG_MIGRATIONS.len() as i64, "each step once");
}

#[test]
fn a_store_newer_than_this_wabox_is_refused() {
    let Some(database) = postgres_database() else {
        return;
    };
    let conn = crate::open_postgres(&database.url).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)",
        [],
    )
    .unwrap();
    let refused = crate::open_postgres(&database.url)
        .err()
        .unwrap()
        .to_string();
    assert!(refused.contains("newer than this wabox knows"), "{refused}");
}

#[test]
fn a_database_of_another_application_is_refused_and_left_as_it_was() {
    let Some(database) = postgres_database() else {
        return;
    };
    let conn = crate::db::Connection::connect_postgres(&database.url).unwrap();
    // Empty: no schema yet, read without failing (a statement naming the missing table did).
    assert_eq!(crate::postgres_schema_version(&conn).unwrap(), 0);
    assert_eq!(crate::foreign_tables(&conn).unwrap(), "");
    conn.execute_batch("CREATE TABLE invoices (id BIGINT); CREATE TABLE tenants (x TEXT)")
        .unwrap();
    assert_eq!(crate::foreign_tables(&conn).unwrap(), "invoices, tenants");
    let refused = crate::open_postgres(&database.url)
        .err()
        .unwrap()
        .to_string();
    assert!(
        refused.contains("holds no wabox store but other tables (invoices, tenants)"),
        "{refused}"
    );
    assert_eq!(
        crate::postgres_schema_version(&conn).unwrap(),
        0,
        "nothing made"
    );
    assert_eq!(crate::foreign_tables(&conn).unwrap(), "invoices, tenants");
    // A Rails-like schema_migrations (text versions) is theirs, not a wabox store's.
    conn.execute_batch(
        "DROP TABLE invoices, tenants; CREATE TABLE schema_migrations (version VARCHAR PRIMARY KEY);
         INSERT INTO schema_migrations VALUES ('20240101000000')",
    )
    .unwrap();
    assert_eq!(crate::postgres_schema_version(&conn).unwrap(), 0);
    let refused = crate::open_postgres(&database.url)
        .err()
        .unwrap()
        .to_string();
    assert!(
        refused.contains("other tables (schema_migrations)"),
        "{refused}"
    );
}
