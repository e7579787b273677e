//! `--json` is one format (issue 15, defect 13): every command that takes `--json`, run on a
//! populated home, prints valid JSON with no Rust `{"Ok": …}` wrappers, times in RFC 3339 UTC
//! and business numbers in E.164 with `+`; a failure is `{"error": {"code", "message"}}` on
//! stderr with a non-zero exit status.

use crate::common::world::{World, customer, sim_number, world_with};
use crate::common::*;
use clap::CommandFactory;
use serde_json::Value;
use std::collections::BTreeSet;

const COEX_PNID: &str = "223344556677889";
const COEX_WABA: &str = "118273645590011";
const COEX_TOKEN: &str = "EAA-TEST-COEX-TOKEN-7hW2qLx9";

/// Every command path (`connect meta`, `tenants list`) that takes `--json`.
fn json_commands() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut BTreeSet<String>) {
        if cmd.get_arguments().any(|a| a.get_id() == "json") {
            out.insert(path.trim().to_string());
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&wabox::cli::Cli::command(), "", &mut out);
    out
}

/// What is wrong with a `--json` value, if anything: each problem with where it is.
fn problems(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                let here = format!("{at}.{key}");
                if key == "Ok" || key == "Err" {
                    out.push(format!("{here}: a Rust Result wrapper"));
                }
                let timeish = key == "at"
                    || key == "until"
                    || key.ends_with("_at")
                    || key.ends_with("_until");
                if timeish
                    && !value.is_null()
                    && value
                        .as_str()
                        .and_then(wabox::domain::time::parse_rfc3339)
                        .is_none()
                {
                    out.push(format!("{here}: {value} is not an RFC 3339 time"));
                }
                if timeish && value.as_str().is_some_and(|s| !s.ends_with('Z')) {
                    out.push(format!("{here}: {value} is not UTC"));
                }
                if (key == "display_phone" || key == "phone")
                    && !value.as_str().is_some_and(|s| s.starts_with('+'))
                {
                    out.push(format!("{here}: {value} has no +"));
                }
                if key == "numbers"
                    && let Some(items) = value.as_array()
                {
                    for n in items.iter().filter_map(Value::as_str) {
                        if !n.starts_with('+') {
                            out.push(format!("{here}: {n} has no +"));
                        }
                    }
                }
                problems(value, &here, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                problems(item, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// Runs one `--json` command and checks what it printed; returns stdout's documents.
fn check(home: &Home, args: &[&str], stdin: Option<&str>) -> Vec<Value> {
    let mut all = args.to_vec();
    all.push("--json");
    let out = match stdin {
        Some(s) => home.run_with_stdin(&all, s),
        None => home.run(&all),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    // One pretty document, or (event streams) one document per line.
    let docs: Vec<Value> = match serde_json::from_str::<Value>(&stdout) {
        Ok(v) => vec![v],
        Err(_) if stdout.trim().is_empty() => vec![],
        Err(_) => stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{args:?}: a line is not JSON ({e}): {l}"))
            })
            .collect(),
    };
    let mut found = Vec::new();
    for d in &docs {
        problems(d, "", &mut found);
    }
    assert!(found.is_empty(), "{args:?}: {found:#?}\n{stdout}");
    if !matches!(out.status.code(), Some(0 | 3)) {
        let last = stderr.lines().last().unwrap_or_default();
        let error: Value = serde_json::from_str(last)
            .unwrap_or_else(|e| panic!("{args:?} failed without a JSON error ({e}): {stderr}"));
        assert!(
            error["error"]["code"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
                && error["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
            "{args:?}: {error}"
        );
    } else {
        assert!(!docs.is_empty(), "{args:?} printed nothing: {stderr}");
    }
    docs
}

async fn populated() -> (World, i64, i64) {
    let w = world_with(|o| {
        let mut coex = sim_number(COEX_PNID, COEX_WABA, "5215512345678", COEX_TOKEN, "Tienda");
        coex.coexistence = true;
        o.numbers.push(coex);
        o.history_pause = std::time::Duration::from_millis(1);
    })
    .await;
    let conversation = w.customer_writes(&customer(1), 60).await;
    w.home.ok(&["queues", "add", "Sales", "--tenant", "Acme"]);
    w.home.ok(&["queues", "assign", PNID, "Sales"]);
    let sent = w.home.json(&[
        "send",
        "--conversation",
        &conversation.to_string(),
        "--text",
        "hello there",
        "--wait",
    ]);
    let message = sent["id"].as_i64().unwrap();
    (w, conversation, message)
}

/// A customer's file, downloaded by the engine: its message id.
async fn a_customer_file(w: &World) -> i64 {
    w.sim
        .media_put("9600", b"%PDF-1.4 shape".to_vec(), "application/pdf");
    let doc = wabox::sim::customers::message(
        &w.sim,
        "document",
        serde_json::json!({"id": "9600", "mime_type": "application/pdf", "filename": "shape.pdf"}),
        5,
    );
    w.sim
        .customer_message(PNID, &customer(2), doc)
        .await
        .unwrap();
    w.home.wait_processed();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let all = w.home.all_messages();
        if let Some(m) = all.iter().find(|m| m["type"] == "document")
            && m["media"]["state"] == "downloaded"
        {
            return m["id"].as_i64().unwrap();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not downloaded: {all:#?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_command_prints_one_shape() {
    let (w, conversation, message) = populated().await;
    let file = a_customer_file(&w).await.to_string();
    let home = &w.home;
    let c = conversation.to_string();
    let m = message.to_string();
    let saved = home.dir.path().join("shape.pdf");
    let saved = saved.to_str().unwrap().to_string();
    let connections = home.dir.path().join("whatsapp-connections.json");
    std::fs::write(&connections, "[]").unwrap();
    let connections = connections.to_str().unwrap().to_string();
    let backup = home.dir.path().join("shape-backup.db");
    let backup = backup.to_str().unwrap().to_string();
    let runs: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["tenants", "list"], None),
        (vec!["tenants", "add", "Beta"], None),
        (vec!["tenants", "add", "Gamma"], None),
        (vec!["tenants", "rename", "Gamma", "Delta"], None),
        (vec!["tenants", "remove", "Delta"], None),
        (vec!["numbers", "list"], None),
        (
            vec![
                "numbers",
                "add",
                "--tenant",
                "Beta",
                "--phone-number-id",
                "106540352249999",
                "--waba-id",
                "104829357719999",
                "--display-phone",
                "15550009999",
            ],
            Some(ACCESS_TOKEN),
        ),
        (vec!["numbers", "history", PNID], None),
        (vec!["conversations"], None),
        (vec!["messages", &c], None),
        (vec!["send", "--conversation", &c, "--text", "again"], None),
        (vec!["retry", &m], None),
        (vec!["read", &c], None),
        (vec!["media", "get", &file, "--out", &saved], None),
        // Refused: the file is not a failed one. The error's shape.
        (vec!["media", "retry", &file], None),
        (vec!["react", &m, "👍"], None),
        (vec!["templates"], None),
        (vec!["templates", "sync"], None),
        (vec!["journal", "--all"], None),
        (vec!["journal", "replay", "--all-unrouted"], None),
        (vec!["search", "hello"], None),
        (vec!["contact", &c], None),
        (vec!["note", &c, "called back"], None),
        (vec!["label", &c, "--add", "vip"], None),
        (vec!["snooze", &c, "--for", "1h"], None),
        (vec!["reopen", &c], None),
        (vec!["close", &c], None),
        (vec!["queues", "list"], None),
        (vec!["queues", "add", "Later", "--tenant", "Acme"], None),
        (
            vec!["queues", "rename", "Later", "Soon", "--tenant", "Acme"],
            None,
        ),
        (
            vec!["queues", "auto-assign", "Soon", "on", "--tenant", "Acme"],
            None,
        ),
        (vec!["queues", "remove", "Soon", "--tenant", "Acme"], None),
        (vec!["queues", "assign", PNID, "Sales"], None),
        (vec!["agents", "list"], None),
        (vec!["agents", "add", "root", "--role", "admin"], None),
        (
            vec![
                "token",
                "create",
                "root",
                "--name",
                "shape",
                "--expires",
                "1d",
            ],
            None,
        ),
        (vec!["token", "list"], None),
        (vec!["token", "revoke", "1"], None),
        // Nothing answers there: the failure's shape. Then the logout of nobody.
        (
            vec!["login", "http://127.0.0.1:9", "--token-stdin"],
            Some("wabox_not-a-real-token"),
        ),
        (vec!["logout"], None),
        (vec!["claim", &c], None),
        (
            vec![
                "hours",
                "set",
                "Sales",
                "--tz",
                "America/La_Paz",
                "--week",
                "mon-fri 09:00-18:00, sat 09:00-13:00",
                "--away",
                "Back at nine",
            ],
            None,
        ),
        (vec!["hours", "holiday", "Sales", "2026-12-25"], None),
        (vec!["hours", "show"], None),
        (vec!["queues", "sla", "Sales", "30"], None),
        (vec!["report", "--by", "agent", "--tz", "UTC"], None),
        (vec!["contact", "optout", &c], None),
        (vec!["contact", "optin", &c], None),
        (vec!["block", &c], None),
        (vec!["unblock", &c], None),
        (
            vec!["transfer", &c, "--queue", "Sales", "--note", "for sales"],
            None,
        ),
        (vec!["history", &c], None),
        (vec!["audit"], None),
        (vec!["doctor"], None),
        (vec!["sync", "--from", &connections, "--dry-run"], None),
        (
            vec![
                "connect",
                "manual",
                "--tenant",
                "Acme",
                "--phone-number-id",
                PNID,
                "--waba-id",
                WABA,
            ],
            Some(ACCESS_TOKEN),
        ),
        (
            vec![
                "connect",
                "coexistence",
                "--tenant",
                "Acme",
                "--phone-number-id",
                COEX_PNID,
                "--waba-id",
                COEX_WABA,
                "--every-ms",
                "50",
                "--history-wait",
                "2s",
            ],
            Some(COEX_TOKEN),
        ),
        (
            vec!["connect", "meta", "--tenant", "Acme", "--timeout", "1s"],
            None,
        ),
        (
            vec!["connect", "kapso", "--tenant", "Acme", "--timeout", "1s"],
            None,
        ),
        (vec!["connect", "signups"], None),
        (vec!["connect", "status", "1"], None),
        (vec!["connect", "regenerate", "1"], None),
        (vec!["connect", "revoke", "2"], None),
        (vec!["connect", "finish", "2"], None),
        (vec!["connect", "dashboard"], None),
        (vec!["connect", "dashboard", "--test"], None),
        (vec!["sequences", "list"], None),
        (vec!["sequences", "status", "--all"], None),
        (vec!["sequences", "enroll", "nothing-here", &c], None),
        (vec!["sequences", "show", "1"], None),
        (vec!["sequences", "pause", "1"], None),
        (vec!["sequences", "resume", "1"], None),
        (vec!["sequences", "stop", "1"], None),
        (
            vec![
                "broadcast",
                "create",
                "--template",
                "follow_up",
                "--lang",
                "en_US",
                "--to",
                "queue:Sales",
                "--dry-run",
            ],
            None,
        ),
        (
            vec![
                "broadcast",
                "create",
                "--template",
                "follow_up",
                "--lang",
                "en_US",
                "--to",
                "queue:Sales",
            ],
            None,
        ),
        (vec!["broadcast", "pause", "1"], None),
        (vec!["broadcast", "start", "1"], None),
        (vec!["broadcast", "resume", "1"], None),
        (vec!["broadcast", "cancel", "1"], None),
        (vec!["broadcast", "status", "1"], None),
        (vec!["broadcast", "list"], None),
        (vec!["backup", "--to", &backup], None),
        // Refused while the engine runs: the error's shape.
        (vec!["restore", &backup], None),
        (
            vec!["migrate", "--to", "host=/nonexistent dbname=wabox"],
            None,
        ),
    ];
    let mut covered = BTreeSet::new();
    let every = json_commands();
    for (args, stdin) in &runs {
        let docs = check(home, args, *stdin);
        if args.starts_with(&["media", "get"]) {
            assert_eq!(docs[0]["bytes"], 14, "{docs:?}");
            assert_eq!(docs[0]["mime_type"], "application/pdf", "{docs:?}");
            assert_eq!(docs[0]["path"], saved.as_str(), "{docs:?}");
            assert_eq!(std::fs::read(&saved).unwrap(), b"%PDF-1.4 shape");
        }
        let path = (1..=args.len())
            .rev()
            .map(|n| args[..n].join(" "))
            .find(|p| every.contains(p))
            .unwrap_or_else(|| panic!("{args:?} is no --json command"));
        covered.insert(path);
        // The two the issue named: a signup's times, and the history requests.
        if args.starts_with(&["connect", "meta"]) {
            let link = docs.iter().find(|d| d["event"] == "link").expect("a link");
            assert!(link["signup"]["created_at"].is_string(), "{link}");
            assert!(link["signup"]["expires_at"].is_string(), "{link}");
        }
        if args.starts_with(&["connect", "coexistence"]) {
            let sync = docs
                .iter()
                .find(|d| d["event"] == "history_sync")
                .unwrap_or_else(|| panic!("no history_sync event: {docs:?}"));
            assert_eq!(sync["requests"][0]["requested"], true, "{sync}");
        }
    }
    // `bench` measures for minutes; its reports hold no times or numbers to shape. `watch`
    // runs until stopped: watch.rs reads its lines and checks their shape.
    let missed: Vec<&String> = every
        .difference(&covered)
        .filter(|p| !p.starts_with("bench ") && *p != "watch")
        .collect();
    assert!(
        missed.is_empty(),
        "--json commands this test does not run: {missed:?}"
    );
}

#[test]
fn a_failure_in_json_mode_is_an_error_object_on_stderr_with_a_non_zero_status() {
    let home = Home::new();
    home.with_acme();
    let out = home.run(&["messages", "999999", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error: Value = serde_json::from_str(stderr.trim()).expect("one JSON object");
    assert_eq!(error["error"]["code"], "no_conversation_listed", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("999999") || m.contains("conversation")),
        "{error}"
    );

    // A malformed command line with --json fails in JSON too, with clap's status 2.
    let out = home.run(&["messages", "not-a-number", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let error: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stderr).trim()).expect("JSON");
    assert_eq!(error["error"]["code"], "usage", "{error}");
    // A missing argument is named, not only announced.
    let out = home.run(&["snooze", "7", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let error: Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stderr).trim()).expect("JSON");
    let said = error["error"]["message"].as_str().unwrap_or_default();
    assert!(
        said.contains("--for") && said.contains("--until"),
        "{error}"
    );

    // Without --json, the same failure stays one human line.
    let out = home.run(&["messages", "999999"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("wabox: error: "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tables_and_json_show_the_same_number() {
    let home = Home::new();
    home.with_acme();
    let listed = home.json(&["numbers", "list"]);
    let plus = format!("+{DISPLAY}");
    assert_eq!(listed[0]["display_phone"], plus.as_str());
    assert!(home.ok(&["numbers", "list"]).contains(&plus));
}

/// `send --wait` that runs out of time: the message is still on its way, and a script must not
/// take that for a failure and send it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_says_still_queued_not_failed() {
    // The Graph API at graph.invalid: the send is tried again and again, never done.
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let who = "16505550001";
    let delivery = inbound(
        PNID,
        Some(who),
        None,
        "Ana",
        vec![text(who, "wamid.W1", now, "hola")],
    );
    assert_eq!(engine.deliver(&delivery).await, 200);
    home.wait_processed();
    let conversation = home.conversations()[0]["id"].as_i64().unwrap().to_string();
    let out = home.run(&[
        "send",
        "--conversation",
        &conversation,
        "--text",
        "¿en qué te ayudo?",
        "--wait",
        "--timeout",
        "1",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error: Value =
        serde_json::from_str(stderr.trim().lines().last().unwrap()).expect("a JSON object");
    assert_eq!(error["error"]["code"], "still_queued", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("do not send it again")),
        "{error}"
    );
    drop(engine);
}
