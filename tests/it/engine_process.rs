//! The engine as a process: crashes, a second engine, the socket and in-process API, secrets.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_answered_200_survives_kill_9_and_is_processed_exactly_once() {
    let home = Home::new();
    home.with_acme();
    let mut engine = home.start_engine();
    let url = engine.url();
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for task in 0..16 {
        let (url, acked, answered) = (url.clone(), acked.clone(), answered.clone());
        senders.push(tokio::spawn(async move {
            let http = wabox_cloud::client_builder()
                .build()
                .expect("an HTTP client");
            for i in 0..200 {
                let wamid = format!("wamid.CRASH.{task}.{i}");
                let customer = format!("1650555{:04}", (task * 7 + i) % 20);
                let body = inbound(
                    PNID,
                    Some(&customer),
                    None,
                    "Crash Test",
                    vec![text(&customer, &wamid, 1782900000 + i, "are you there?")],
                );
                let sent = http
                    .post(&url)
                    .header("x-hub-signature-256", sign(&body))
                    .body(body)
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => {
                        acked.lock().unwrap().push(wamid);
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => return, // the engine is gone
                }
            }
        }));
    }
    // Kill it mid-stream, while deliveries are arriving and being processed.
    while answered.load(Ordering::SeqCst) < 600 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    engine.kill9();
    for s in senders {
        s.await.unwrap();
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 600 && acked.len() < 3200,
        "killed mid-stream: {} acked",
        acked.len()
    );

    let _engine = home.start_engine();
    home.wait_processed();
    let db = home.open_store();
    let mut stmt = db.prepare("SELECT wamid FROM messages").unwrap();
    let stored: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let stored_set: HashSet<&String> = stored.iter().collect();
    assert_eq!(stored.len(), stored_set.len(), "no message twice");
    let missing: Vec<&String> = acked.iter().filter(|w| !stored_set.contains(w)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged deliveries lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(3)]
    );
    // Processed exactly once: each message counted once as unread, nothing left in the journal.
    let unread: i64 = db
        .query_row(
            "SELECT CAST(sum(unread) AS BIGINT) FROM conversations",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unread as usize, stored.len());
    let not_processed: i64 = db
        .query_row(
            "SELECT count(*) FROM journal WHERE state != 'processed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(not_processed, 0);
}

#[test]
fn a_second_engine_on_the_same_data_dir_refuses_to_start() {
    let home = Home::new();
    let _first = home.start_engine();
    let out = home.run(&["serve"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another wabox engine is already running on"),
        "{err}"
    );
    assert!(err.contains("pid "), "{err}");
    // Without the config (its secrets), that is still what it is told first.
    let empty = home.dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let out = std::process::Command::new(bin())
        .arg("--config")
        .arg(&empty)
        .arg("--data-dir")
        .arg(&home.data)
        .arg("serve")
        .env_remove("WABOX_APP_SECRET")
        .env_remove("WABOX_VERIFY_TOKEN")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already running on"), "{err}");
}

#[tokio::test]
async fn commands_answer_the_same_with_and_without_a_running_engine() {
    let home = Home::new();
    // No engine: the command runs the API in-process.
    home.with_acme();
    let mut engine = home.start_engine();
    engine.deliver(&fixture("01_inbound_text.json")).await;
    engine.deliver(&fixture("11_every_message_type.json")).await;
    home.wait_processed();
    // Media files download (or fail to, from graph.invalid) in the background between the two
    // reads: their state is left out of the comparison.
    let messages = || {
        let mut m = home.json(&["messages", "1"]);
        for message in m.as_array_mut().unwrap() {
            message.as_object_mut().unwrap().remove("media");
        }
        m
    };
    let via_socket = (
        home.json(&["numbers", "list"]),
        messages(),
        home.json(&["tenants", "list"]),
    );
    assert!(home.data.join("wabox.sock").exists());
    engine.stop();
    assert!(
        !home.data.join("wabox.sock").exists(),
        "the socket is removed on a clean stop"
    );
    let in_process = (
        home.json(&["numbers", "list"]),
        messages(),
        home.json(&["tenants", "list"]),
    );
    assert_eq!(via_socket, in_process);
    // A one-shot command does not leave the engine lock held.
    let _again = home.start_engine();
}

#[tokio::test]
async fn subscribers_are_pushed_new_messages_and_status_changes() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let stream = tokio::net::UnixStream::connect(home.data.join("wabox.sock"))
        .await
        .unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write
        .write_all(b"{\"id\":7,\"request\":{\"op\":\"subscribe\"}}\n")
        .await
        .unwrap();
    let subscribed: Value =
        serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(subscribed["id"], 7);
    assert!(subscribed.get("ok").is_some(), "{subscribed}");

    engine.deliver(&fixture("01_inbound_text.json")).await;
    // The push carries the message and its conversation's row: the inbox asks for neither.
    let push = loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("a push within 10 s")
            .unwrap()
            .unwrap();
        let frame: Value = serde_json::from_str(&line).unwrap();
        if frame["push"]["messages"].is_array() {
            break frame["push"].clone();
        }
    };
    let message = &push["messages"][0];
    assert_eq!(message["direction"], "in", "{push}");
    let conversation = &push["conversations"][0];
    assert_eq!(conversation["id"], message["conversation_id"], "{push}");
    assert_eq!(conversation["unread"], 1, "{push}");
    // And the sidebar follows: its counts come pushed, without a request.
    let sidebar = if push["sidebar"].is_object() {
        push["sidebar"].clone()
    } else {
        loop {
            let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
                .await
                .expect("the sidebar pushed within 10 s")
                .unwrap()
                .unwrap();
            let frame: Value = serde_json::from_str(&line).unwrap();
            if frame["push"]["sidebar"].is_object() {
                break frame["push"]["sidebar"].clone();
            }
        }
    };
    assert_eq!(sidebar["counts"]["open"], 1, "{sidebar}");
    assert_eq!(sidebar["numbers"][0]["unread"], 1, "{sidebar}");
    // A request that is not one gets a readable refusal, and the connection stays usable.
    // Answers come between events; skip the events.
    async fn answer(
        lines: &mut tokio::io::Lines<BufReader<tokio::net::unix::OwnedReadHalf>>,
    ) -> Value {
        loop {
            let frame: Value =
                serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
            if frame.get("id").is_some() {
                return frame;
            }
        }
    }
    write
        .write_all(b"{\"id\":8,\"request\":{\"op\":\"fly\"}}\n")
        .await
        .unwrap();
    let refusal = answer(&mut lines).await;
    assert_eq!(
        refusal["error"]["code"], "not_a_request",
        "the wire carries the code, the client words it: {refusal}"
    );
    write
        .write_all(b"{\"id\":9,\"request\":{\"op\":\"list_tenants\"}}\n")
        .await
        .unwrap();
    let tenants = answer(&mut lines).await;
    assert_eq!(tenants["id"], 9);
    assert_eq!(tenants["ok"]["data"][0]["name"], "Acme");
}

#[tokio::test]
async fn no_token_or_secret_appears_in_logs_output_or_the_database() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine_with_env(&[("WABOX_LOG", "trace")]);
    engine.deliver(&fixture("01_inbound_text.json")).await;
    engine
        .post(
            fixture("01_inbound_text.json"),
            Some(wabox::webhook::signature::sign(b"wrong", b"x")),
        )
        .await;
    let handshake = format!(
        "{}?hub.mode=subscribe&hub.challenge=42&hub.verify_token={VERIFY_TOKEN}",
        engine.url()
    );
    engine.http.get(handshake).send().await.unwrap();
    home.wait_processed();
    for args in [
        &["numbers", "list"][..],
        &["tenants", "list"],
        &["conversations"],
        &["messages", "1"],
        &["journal", "--all"],
    ] {
        home.json(args);
        home.ok(args);
    }
    // Config and token errors must not echo the secret either.
    home.add_number("Acme", "106540352242999", WABA, "+15550783999", "dedicated");
    drop(engine);
    let printed = home.everything_printed();
    assert!(
        printed.contains("tenant added"),
        "the log was written: {printed}"
    );
    for secret in [APP_SECRET, VERIFY_TOKEN, ACCESS_TOKEN] {
        assert!(!printed.contains(secret), "{secret} was printed or logged");
    }
    // As bytes, and as PostgreSQL shows a BYTEA column: hex.
    let hex: String = ACCESS_TOKEN.bytes().map(|b| format!("{b:02x}")).collect();
    for bytes in home.stored_bytes() {
        for clear in [ACCESS_TOKEN.as_bytes(), hex.as_bytes()] {
            assert!(
                !bytes.windows(clear.len()).any(|w| w == clear),
                "token stored in the clear"
            );
        }
    }
    assert_eq!(home.json(&["numbers", "list"])[0]["has_token"], true);
}

#[test]
fn a_config_with_secrets_readable_by_others_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    std::fs::set_permissions(&home.config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home.run(&["tenants", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("chmod 600 {}", home.config.display())),
        "{err}"
    );
    assert!(!err.contains(APP_SECRET));
}

#[test]
fn bad_input_gets_one_line_naming_the_fix_and_a_non_zero_exit() {
    let home = Home::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["messages", "42"],
            "no conversation 42: `wabox conversations` lists them",
        ),
        (
            &["conversations", "--number", "555"],
            "no number \"555\": `wabox numbers list` shows them",
        ),
        (
            &[
                "numbers",
                "add",
                "--tenant",
                "Nope",
                "--phone-number-id",
                "1",
                "--waba-id",
                "2",
                "--display-phone",
                "+15550001111",
            ],
            "add it first with `wabox tenants add \"Nope\"`",
        ),
        (&["tenants", "add", "  "], "tenant name"),
    ];
    for (args, expected) in cases {
        let out = home.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
    }
    home.ok(&["tenants", "add", "Acme"]);
    let out = home.run(&[
        "numbers",
        "add",
        "--tenant",
        "Acme",
        "--phone-number-id",
        "wsp-3f9a",
        "--waba-id",
        "2",
        "--display-phone",
        "+15550001111",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a Meta id"));
    assert!(
        home.json(&["numbers", "list"])
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing half-written"
    );
    // Malformed flags are clap's: exit 2 with usage.
    let out = home.run(&["messages", "not-a-number"]);
    assert_eq!(out.status.code(), Some(2));
    // A config file that is named but missing.
    let out = std::process::Command::new(bin())
        .args(["--config", "/nonexistent/wabox.toml", "tenants", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    // serve without an app secret says where to put it.
    let bare = tempfile::tempdir().unwrap();
    let cfg = bare.path().join("c.toml");
    std::fs::write(&cfg, "[webhook]\nlisten = \"127.0.0.1:0\"\n").unwrap();
    let out = std::process::Command::new(bin())
        .arg("--config")
        .arg(&cfg)
        .arg("--data-dir")
        .arg(bare.path().join("d"))
        .arg("serve")
        .env_remove("WABOX_APP_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WABOX_APP_SECRET"));
}

#[test]
fn listings_print_times_in_rfc3339_utc_and_the_documented_fields() {
    let home = Home::new();
    home.with_acme();
    let numbers = home.json(&["numbers", "list"]);
    let n = &numbers[0];
    for key in [
        "phone_number_id",
        "waba_id",
        "display_phone",
        "connection",
        "tenant",
        "has_token",
    ] {
        assert!(n.get(key).is_some(), "numbers list lacks {key}: {n}");
    }
    assert!(n["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(n["connection"], json!("dedicated"));
}
