//! `wabox migrate --to`: a SQLite store copied into PostgreSQL, through the binary. The engine
//! then goes on there with what it had; the SQLite file is left as it was; a database holding a
//! store is refused; and a copy killed half-way is resumed.

use crate::common::world::world;
use crate::common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

fn file_digest(path: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// What an agent sees of every conversation: ids, texts and statuses.
fn seen(home: &Home) -> Vec<(i64, String, String, Value)> {
    let mut rows: Vec<_> = home
        .all_messages()
        .into_iter()
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["direction"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap_or_default().to_owned(),
                m["status"].clone(),
            )
        })
        .collect();
    rows.sort_by_key(|r| r.0);
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_store_moves_to_postgres_whole_and_the_engine_goes_on_there() {
    let Some(database) = wabox_store::testing::postgres_database() else {
        return;
    };
    let mut w = world().await;
    if w.home.postgres.is_some() {
        return; // the tests run on PostgreSQL already: there is no SQLite store to move
    }
    let ana = crate::common::world::customer(1);
    let conversation = w.customer_writes(&ana, 60).await;
    let sent = crate::common::world::json_of(&w.send(&[
        "--conversation",
        &conversation.to_string(),
        "--text",
        "Hola Ana, ya te ayudo",
        "--json",
    ]));
    w.wait_status(sent["id"].as_i64().unwrap(), "read");
    let before = seen(&w.home);
    let conversations = w.home.conversations();
    w.engine.stop();

    let db = w.home.data.join("wabox.db");
    let digest = file_digest(&db);
    let copied = w.home.json(&["migrate", "--to", &database.url]);
    assert_eq!(copied["sampled_tables"], 34, "{copied}");
    assert_eq!(copied["resumed"], false);
    let rows_of = |table: &str| {
        copied["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .unwrap()["rows"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(rows_of("messages"), before.len() as i64);
    assert!(
        rows_of("templates") > 0 && rows_of("statuses") > 0,
        "{copied}"
    );
    assert_eq!(
        file_digest(&db),
        digest,
        "the SQLite file is left as it was"
    );
    // No password or address part beyond what was given is printed.
    assert!(!copied.to_string().contains(APP_SECRET));

    // A database that holds a store is refused, naming what it holds.
    let again = w.home.run(&["migrate", "--to", &database.url]);
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("already holds a store"), "{said}");

    // The SQLite file is the way back, not a store to go on with unnoticed: a command here
    // without the store's address is refused, naming it and the way back.
    let no_store = w.home.dir.path().join("no-store.toml");
    std::fs::write(&no_store, "").unwrap();
    let stale = std::process::Command::new(bin())
        .arg("--config")
        .arg(&no_store)
        .arg("--data-dir")
        .arg(&w.home.data)
        .arg("conversations")
        .env_remove("WABOX_STORE_URL")
        .output()
        .unwrap();
    assert!(!stale.status.success());
    let said = String::from_utf8_lossy(&stale.stderr);
    assert!(
        said.contains("this data dir's store is the PostgreSQL database")
            && said.contains("store.postgres"),
        "{said}"
    );
    assert_eq!(file_digest(&db), digest, "and the file is still as it was");
    // Nor is the frozen SQLite file backed up in the store's place.
    let backup = std::process::Command::new(bin())
        .arg("--config")
        .arg(&no_store)
        .arg("--data-dir")
        .arg(&w.home.data)
        .args(["backup", "--to"])
        .arg(w.home.dir.path().join("stale.db"))
        .env_remove("WABOX_STORE_URL")
        .output()
        .unwrap();
    assert!(!backup.status.success());
    assert!(
        String::from_utf8_lossy(&backup.stderr).contains("store.postgres"),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );

    // The engine goes on on PostgreSQL with everything it had, and new rows get new ids.
    w.home.set_store_url(&database.url);
    w.engine = w.home.start_engine();
    w.sim.set_webhook(&w.engine.url());
    assert_eq!(seen(&w.home), before);
    assert_eq!(w.home.conversations().len(), conversations.len());
    let later = w.customer_writes(&ana, 0).await;
    assert_eq!(later, conversation, "the same conversation");
    let after = seen(&w.home);
    assert_eq!(after.len(), before.len() + 1);
    assert!(
        after.last().unwrap().0 > before.last().unwrap().0,
        "a new id"
    );
    let reply = crate::common::world::json_of(&w.send(&[
        "--conversation",
        &conversation.to_string(),
        "--text",
        "Desde PostgreSQL",
        "--json",
    ]));
    w.wait_status(reply["id"].as_i64().unwrap(), "read");
    assert_eq!(w.sent_with_text("Desde PostgreSQL"), 1);

    // Another installation on the same store, with a seal key of its own, is refused.
    let stranger = Home::new();
    stranger.set_store_url(&database.url);
    let refused = stranger.run(&["tenants", "list"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    // It had no key: it is told to bring the store's, and the one it made is not left behind.
    let key = stranger.data.join("keys").join("seal.key");
    assert!(
        said.contains("has no seal key") && said.contains("copy keys/seal.key"),
        "{said}"
    );
    assert!(!key.exists(), "a key of its own would be refused next time");
    assert!(
        !stranger.data.join("store.postgres").exists(),
        "a start the store refused does not mark the data dir"
    );
    // With a key of its own, it is told the store was sealed with another.
    std::fs::write(&key, rand::random::<[u8; 32]>()).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let refused = stranger.run(&["tenants", "list"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("sealed with another key"), "{said}");
}

#[test]
fn a_copy_killed_half_way_is_resumed_and_checked() {
    let Some(database) = wabox_store::testing::postgres_database() else {
        return;
    };
    let home = Home::new();
    if home.postgres.is_some() {
        return;
    }
    // A store large enough for the copy to take a moment: 150,000 messages.
    home.ok(&["tenants", "list"]);
    {
        let mut conn = wabox::store::open_writer(&home.data.join("wabox.db")).unwrap();
        let shape = wabox::bench::prefill::Shape::for_messages(150_000, 2, 1, false);
        wabox::bench::prefill::prefill(&mut conn, &shape, now(), true).unwrap();
    }
    // Killed once the conversations are copied: the messages are on their way.
    let mut first = home
        .command(&["migrate", "--to", &database.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(first.stdout.take().unwrap());
    for line in out.lines() {
        if line.unwrap().trim_start().starts_with("conversations") {
            break;
        }
    }
    first.kill().unwrap();
    first.wait().unwrap();

    let resumed = home.json(&["migrate", "--to", &database.url]);
    assert_eq!(resumed["resumed"], true, "{resumed}");
    let tables = resumed["tables"].as_array().unwrap();
    let table = |name: &str| tables.iter().find(|t| t["table"] == name).unwrap();
    assert_eq!(
        table("conversations")["resumed"],
        true,
        "copied before the kill"
    );
    assert_eq!(table("messages")["rows"], 150_000);
    assert_eq!(resumed["sampled_tables"], 34);
    // And nothing left of the copy's own bookkeeping.
    let left: bool = std::thread::spawn({
        let url = database.url.clone();
        move || {
            wabox_store::db::Connection::connect_postgres(&url)
                .unwrap()
                .query_row("SELECT to_regclass('wabox_migrate') IS NOT NULL", [], |r| {
                    r.get(0)
                })
                .unwrap()
        }
    })
    .join()
    .unwrap();
    assert!(!left);
    std::thread::sleep(Duration::from_millis(10));
}
