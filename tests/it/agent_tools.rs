//! What agents do besides replying, through the real binary against a running engine:
//! search every message, keep labels and private notes, close, snooze, mark unread, filter.

use crate::common::*;
use serde_json::Value;

async fn seed(engine: &Engine) {
    let messages = [
        (
            "16505550001",
            "Ana Rojas",
            "wamid.S1",
            "¿Cuánto cuesta el envío a Oruro?",
        ),
        (
            "16505550002",
            "Bruno Lee",
            "wamid.S2",
            "Is shipping free over $50?",
        ),
        (
            "16505550001",
            "Ana Rojas",
            "wamid.S3",
            "Y el ENVIO express?",
        ),
        (
            "16505550003",
            "Carla Díaz",
            "wamid.S4",
            "Gracias, todo bien",
        ),
    ];
    for (i, (who, name, wamid, body)) in messages.iter().enumerate() {
        let delivery = inbound(
            PNID,
            Some(who),
            None,
            name,
            vec![text(who, wamid, 1_782_900_000 + i as i64, body)],
        );
        assert_eq!(engine.deliver(&delivery).await, 200);
    }
}

fn ids(hits: &Value) -> Vec<String> {
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["snippet"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_words_with_or_without_accents_newest_first() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    seed(&engine).await;
    home.wait_processed();
    let hits = home.json(&["search", "envio"]);
    assert_eq!(
        ids(&hits),
        [
            "Y el [ENVIO] express?",
            "¿Cuánto cuesta el [envío] a Oruro?"
        ],
        "accents and case folded, newest first"
    );
    let hits = home.json(&["search", "shipping", "fr"]);
    assert_eq!(
        ids(&hits),
        ["Is [shipping] [free] over $50?"],
        "every word, the last as a prefix"
    );
    let hits = home.json(&["search", "ship", "free"]);
    assert!(ids(&hits).is_empty(), "earlier words are whole words");
    // FTS syntax typed by an agent is just text, never an error.
    let hits = home.json(&["search", "\""]);
    assert_eq!(hits.as_array().unwrap().len(), 0);
    let hits = home.json(&["search", "OR", "AND"]);
    assert_eq!(hits.as_array().unwrap().len(), 0);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_and_notes_stay_with_the_contact_and_are_never_sent() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    seed(&engine).await;
    home.wait_processed();
    let ana = home
        .conversations()
        .into_iter()
        .find(|c| c["contact"]["name"] == "Ana Rojas")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    home.ok(&["note", &ana, "Prefers calls after 6pm"]);
    home.ok(&["label", &ana, "--add", "vip", "--add", "wholesale"]);
    let contact = home.json(&["label", &ana, "--remove", "wholesale"]);
    assert_eq!(contact["labels"], serde_json::json!(["vip"]));
    assert_eq!(contact["notes"][0]["text"], "Prefers calls after 6pm");
    assert!(!contact["notes"][0]["author"].as_str().unwrap().is_empty());
    // Tables show the reader's own clock with its offset (a note's time was unix seconds);
    // --json keeps UTC.
    assert!(contact["notes"][0]["at"].as_str().unwrap().ends_with('Z'));
    let in_la_paz = |args: &[&str]| {
        let out = home
            .command(args)
            .env("TZ", "America/La_Paz")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let card = in_la_paz(&["contact", &ana]);
    let note = card.lines().find(|l| l.starts_with("note by ")).unwrap();
    let at = note
        .split(" at ")
        .nth(1)
        .unwrap()
        .split(": ")
        .next()
        .unwrap();
    assert!(at.ends_with("-04:00"), "{note}");
    assert!(wabox::domain::time::parse_rfc3339(at).is_some(), "{note}");
    for line in in_la_paz(&["messages", &ana]).lines() {
        assert!(
            line.split(' ').next().unwrap().ends_with("-04:00"),
            "{line}"
        );
    }
    // Notes are not messages: nothing new in the conversation.
    assert_eq!(home.messages(ana.parse().unwrap()).len(), 2);
    let refused = home.run(&["label", &ana, "--add", "  "]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("a label is 1 to 40"));
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_and_snoozed_conversations_wake_when_the_customer_writes() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    seed(&engine).await;
    home.wait_processed();
    let find = |name: &str| {
        home.conversations()
            .into_iter()
            .find(|c| c["contact"]["name"] == name)
            .unwrap()
    };
    let ana = find("Ana Rojas")["id"].as_i64().unwrap().to_string();
    let bruno = find("Bruno Lee")["id"].as_i64().unwrap().to_string();
    assert_eq!(home.json(&["close", &ana])["state"], "closed");
    let snoozed = home.json(&["snooze", &bruno, "--for", "2h"]);
    assert_eq!(snoozed["state"], "snoozed");
    assert!(snoozed["snoozed_until"].is_string());
    // For people, how long it has left.
    let said = home.ok(&["conversations", "--state", "snoozed"]);
    assert!(
        said.contains("snoozed 1h 59m") || said.contains("snoozed 2h 0m"),
        "{said}"
    );
    let bad = home.run(&["snooze", &bruno, "--for", "soon"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a duration"));
    // Or until a time of day (in the zone given), never one already past.
    let out = home
        .command(&["snooze", &ana, "--until", "tomorrow", "--json"])
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let tomorrow: Value = serde_json::from_slice(&out.stdout).unwrap();
    let until = tomorrow["snoozed_until"]
        .as_str()
        .and_then(wabox::domain::time::parse_rfc3339)
        .expect("an RFC 3339 time");
    assert_eq!(until % 86_400, 9 * 3_600, "09:00 UTC: {tomorrow}");
    let past = home.run(&["snooze", &ana, "--until", "2020-01-01 09:00"]);
    assert!(String::from_utf8_lossy(&past.stderr).contains("has passed already"));
    let neither = home.run(&["snooze", &ana]);
    assert!(!neither.status.success());
    for (who, name, wamid) in [
        ("16505550001", "Ana Rojas", "wamid.S5"),
        ("16505550002", "Bruno Lee", "wamid.S6"),
    ] {
        let delivery = inbound(
            PNID,
            Some(who),
            None,
            name,
            vec![text(who, wamid, 1_782_900_100, "hello again")],
        );
        assert_eq!(engine.deliver(&delivery).await, 200);
    }
    home.wait_processed();
    assert_eq!(find("Ana Rojas")["state"], "open");
    assert_eq!(find("Bruno Lee")["state"], "open");
    assert_eq!(home.json(&["reopen", &ana])["state"], "open");
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_filter_matches_names_numbers_and_last_words() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    seed(&engine).await;
    home.wait_processed();
    let names = |filter: &str| -> Vec<String> {
        home.json(&["conversations", "--filter", filter])
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["contact"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("bruno"), ["Bruno Lee"]);
    assert_eq!(names("5550003"), ["Carla Díaz"]);
    assert_eq!(names("express"), ["Ana Rojas"]);
    assert!(names("100%").is_empty(), "% is a character, not a wildcard");
    drop(engine);
}

#[test]
fn the_inbox_without_a_terminal_says_so_instead_of_an_os_error() {
    let home = Home::new();
    home.with_acme();
    let out = home
        .command(&["tui"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the inbox needs a terminal"), "{err}");
    assert!(!err.contains("os error"), "{err}");
}

/// `wabox bench fanout`, small: both runs happen and the figures and targets are printed
/// (the figures themselves are measured, not asserted).
#[test]
fn the_fanout_bench_prints_its_figures_and_targets() {
    let home = Home::new();
    let out = home
        .command(&[
            "bench",
            "fanout",
            "--inboxes",
            "2",
            "--rate",
            "5",
            "--seconds",
            "2",
            "--conversations",
            "50",
            "--messages",
            "200",
            "--no-cache",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("fan-out: 5 msg/s for 2 s"), "{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("0 ") || l.starts_with("2 "))
        .collect();
    assert_eq!(rows.len(), 2, "a baseline row and an inboxes row: {stdout}");
    for target in [
        "engine CPU at most 1.5x its CPU with no inbox",
        "event to inbox p99 at most 100 ms",
        "no resync",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| (l.starts_with("[met]") || l.starts_with("[NOT MET]"))
                    && l.contains(target)),
            "{target}: {stdout}"
        );
    }
}
