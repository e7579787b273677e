//! `wabox backup` while the engine runs and `wabox restore` with it stopped, through the binary.

use crate::common::*;
use std::os::unix::fs::PermissionsExt;

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Messages in a store file, read beside whoever has it open (WAL lets a reader in).
fn messages_in(db: &std::path::Path) -> i64 {
    wabox_store::db::Connection::open_sqlite_read_only(db)
        .unwrap()
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap()
}

/// Customer `k`'s first message, as Meta delivers it.
fn customer_delivery(k: usize) -> Vec<u8> {
    let from = format!("54911000{k:05}");
    inbound(
        PNID,
        Some(&from),
        None,
        &format!("Customer {k}"),
        vec![text(&from, &format!("wamid.backup.{k}"), now(), "hola")],
    )
}

async fn customer_writes(engine: &Engine, k: usize) {
    assert_eq!(engine.deliver(&customer_delivery(k)).await, 200);
}

#[tokio::test]
async fn a_backup_made_while_the_engine_writes_restores_what_it_held_and_nothing_is_lost() {
    let home = Home::new().on_sqlite();
    home.with_acme();
    let mut engine = home.start_engine();
    for k in 0..20 {
        customer_writes(&engine, k).await;
    }
    home.wait_processed();

    // While customers keep writing, the backup is taken.
    let backup = home.dir.path().join("monday.db");
    let backup_arg = backup.display().to_string();
    let writing = {
        let url = engine.url();
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for k in 100..160 {
                let body = customer_delivery(k);
                let answer = http
                    .post(&url)
                    .header("x-hub-signature-256", sign(&body))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert!(answer.status().is_success());
            }
        })
    };
    let made = home.json(&["backup", "--to", &backup_arg]);
    writing.await.unwrap();
    home.wait_processed();
    let taken = made["store"]["messages"].as_i64().unwrap();
    assert!(
        (20..=80).contains(&taken),
        "every message acknowledged before it, some after: {made}"
    );
    assert_eq!(made["store"]["tenants"], 1);
    let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "a backup is as private as the store");

    // A file is never replaced by a backup.
    let again = home.run(&["backup", "--to", &backup_arg]);
    assert!(!again.status.success());
    assert!(said(&again).contains("already exists"), "{}", said(&again));

    // Not while the engine runs: the store is untouched.
    let refused = home.run(&["restore", &backup_arg]);
    assert!(!refused.status.success());
    assert!(
        said(&refused).contains("an engine is running"),
        "{}",
        said(&refused)
    );
    let live = home.data.join("wabox.db");
    assert_eq!(messages_in(&live), 80);

    engine.stop();
    let restored = home.json(&["restore", &backup_arg]);
    assert_eq!(restored["store"]["messages"].as_i64().unwrap(), taken);
    let kept = restored["replaced_store_kept"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(kept.contains("wabox.db.before-restore-"), "{restored}");

    // The engine starts on the restored store; the store it replaced is whole beside it.
    let _engine = home.start_engine();
    let listed = home.json(&["conversations", "--limit", "500"]);
    assert_eq!(
        listed.as_array().unwrap().len() as i64,
        taken,
        "one message each"
    );
    assert_eq!(messages_in(&live), taken);
    assert_eq!(
        messages_in(std::path::Path::new(&kept)),
        80,
        "nothing of the replaced store is lost"
    );
    assert!(
        !home.everything_printed().contains(ACCESS_TOKEN),
        "a token was printed"
    );
}

#[test]
fn a_restore_refuses_what_is_not_a_wabox_store_and_tokens_its_seal_key_cannot_open() {
    let home = Home::new().on_sqlite();
    home.with_acme();
    let backup = home.dir.path().join("acme.db");
    home.ok(&["backup", "--to", &backup.display().to_string()]);

    // Not a store at all, and a SQLite file of something else: nothing replaced.
    let text = home.dir.path().join("notes.txt");
    std::fs::write(&text, "these are not messages").unwrap();
    let out = home.run(&["restore", &text.display().to_string()]);
    assert!(!out.status.success());
    assert!(
        said(&out).contains("is not a SQLite database"),
        "{}",
        said(&out)
    );
    let other = home.dir.path().join("other.db");
    wabox_store::db::Connection::open_sqlite(&other)
        .unwrap()
        .execute_batch("CREATE TABLE things(x)")
        .unwrap();
    let out = home.run(&["restore", &other.display().to_string()]);
    assert!(said(&out).contains("not a wabox store"), "{}", said(&out));
    assert_eq!(home.json(&["numbers", "list"]).as_array().unwrap().len(), 1);

    // Another installation without this one's seal key cannot open the number's token.
    let elsewhere = Home::new().on_sqlite();
    let out = elsewhere.run(&["restore", &backup.display().to_string()]);
    assert!(!out.status.success());
    assert!(said(&out).contains("no seal key here"), "{}", said(&out));
    assert!(
        !elsewhere.data.join("wabox.db").exists(),
        "nothing was put in place"
    );
    // With a key of its own (a different one), still refused.
    elsewhere.ok(&["tenants", "add", "Other"]);
    let out = elsewhere.run(&["restore", &backup.display().to_string()]);
    assert!(
        said(&out).contains("sealed with another key"),
        "{}",
        said(&out)
    );
    // With the installation's key, restored: the number and its token come across.
    std::fs::copy(
        home.data.join("keys/seal.key"),
        elsewhere.data.join("keys/seal.key"),
    )
    .unwrap();
    elsewhere.ok(&["restore", &backup.display().to_string()]);
    let numbers = elsewhere.json(&["numbers", "list"]);
    assert_eq!(numbers[0]["phone_number_id"], PNID, "{numbers}");
    assert_eq!(numbers[0]["has_token"], true, "{numbers}");
    assert!(!elsewhere.everything_printed().contains(ACCESS_TOKEN));
}

#[test]
fn an_engine_given_another_seal_key_than_its_store_was_sealed_with_does_not_start() {
    let home = Home::new();
    // No token yet: the store still remembers which key it was first opened with.
    home.ok(&["tenants", "add", "Acme"]);
    let key = home.data.join("keys/seal.key");
    let mine = std::fs::read(&key).unwrap();
    std::fs::write(&key, [7u8; 32]).unwrap();
    let out = home.run(&["tenants", "list"]);
    assert!(!out.status.success());
    assert!(
        said(&out).contains("sealed with another key than") && said(&out).contains("seal.key"),
        "{}",
        said(&out)
    );
    let out = home.run(&["serve"]);
    assert!(!out.status.success(), "the engine does not start");
    assert!(
        said(&out).contains("sealed with another key"),
        "{}",
        said(&out)
    );
    // The right key back: all is as it was.
    std::fs::write(&key, mine).unwrap();
    assert!(home.ok(&["tenants", "list"]).contains("Acme"));
}

#[test]
fn a_store_without_tokens_may_go_to_an_installation_with_another_key() {
    let home = Home::new().on_sqlite();
    home.ok(&["tenants", "add", "Acme"]);
    let backup = home.dir.path().join("no-tokens.db");
    home.ok(&["backup", "--to", &backup.display().to_string()]);
    let elsewhere = Home::new().on_sqlite();
    elsewhere.ok(&["tenants", "add", "Other"]);
    elsewhere.ok(&["restore", &backup.display().to_string()]);
    let tenants = elsewhere.json(&["tenants", "list"]);
    assert_eq!(tenants[0]["name"], "Acme", "{tenants}");
}

#[test]
fn the_doctor_says_when_the_journal_is_behind() {
    let home = Home::new();
    home.with_acme();
    // A number without a queue already needs an admin (exit 3): the report is printed all the same.
    let doctor = || -> serde_json::Value {
        serde_json::from_str(&home.ok_or_attention(&["doctor", "--offline", "--json"])).unwrap()
    };
    let report = doctor();
    assert_eq!(report["journal_pending"], 0, "{report}");
    // Two deliveries journaled ten minutes ago and never processed (no engine running since).
    let db = home.open_store();
    for k in 0..2u8 {
        db.execute(
            "INSERT INTO journal (received_at, body, body_sha256, state) VALUES (?1, '{}', ?2, 'pending')",
            wabox_store::params![now() - 600, vec![k; 32]],
        )
        .unwrap();
    }
    drop(db);
    let report = doctor();
    assert_eq!(report["journal_pending"], 2, "{report}");
    assert!(
        report["journal_lag_seconds"].as_i64().unwrap() >= 600,
        "{report}"
    );
    let out = home.run(&["doctor", "--offline"]);
    assert!(
        said(&out).contains("BEHIND: 2 deliveries wait"),
        "{}",
        said(&out)
    );
    assert_eq!(out.status.code(), Some(3), "needs an admin");
}
