//! Queues, agents and who sees what, through the real binary: routing every conversation, the
//! "no queue" list, an agent confined to their queues, and importing `whatsapp-connections.json`.

use crate::common::*;
use serde_json::Value;

pub(crate) const PNID_B: &str = "223344556677889";
const DISPLAY_B: &str = "5215512345678";

/// Two numbers, queues Sales (first number) and Support (second), alice in Sales, bob in
/// Support, and a customer writing to each; the conversations' ids (Sales', Support's).
pub(crate) async fn team(home: &Home, engine: &Engine) -> (i64, i64) {
    home.with_acme();
    home.add_number("Acme", PNID_B, WABA, DISPLAY_B, "coexistence");
    home.ok(&["queues", "add", "Sales"]);
    home.ok(&["queues", "add", "Support"]);
    home.ok(&["queues", "assign", PNID, "Sales"]);
    home.ok(&["queues", "assign", &format!("+{DISPLAY_B}"), "Support"]);
    home.ok(&["agents", "add", "alice", "--queue", "Sales"]);
    home.ok(&["agents", "add", "bob", "--queue", "Support"]);
    for (pnid, who, wamid) in [
        (PNID, "16505550001", "wamid.TEAM.A"),
        (PNID_B, "16505550002", "wamid.TEAM.B"),
    ] {
        let body = inbound(
            pnid,
            Some(who),
            None,
            "Customer",
            vec![text(who, wamid, 1_782_900_000, "hola, ¿precio del envío?")],
        );
        assert_eq!(engine.deliver(&body).await, 200);
    }
    home.wait_processed();
    let id_of = |pnid: &str| {
        home.conversations()
            .iter()
            .find(|c| c["phone_number_id"] == pnid)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    (id_of(PNID), id_of(PNID_B))
}

/// Acme's number in a Sales queue that assigns its conversations automatically, among `agents`.
pub(crate) fn sales_assigned_automatically(home: &Home, agents: &[&str]) {
    home.with_acme();
    home.ok(&["queues", "add", "Sales"]);
    let queues = home.json(&["queues", "auto-assign", "Sales", "on"]);
    assert_eq!(queues[0]["auto_assign"], true);
    home.ok(&["queues", "assign", PNID, "Sales"]);
    for user in agents {
        home.ok(&["agents", "add", user, "--queue", "Sales"]);
    }
}

/// Customer `i` of a test (`tag` keeps its message ids apart) writes "hi" to Acme's number.
pub(crate) fn new_customer_says_hi(tag: &str, i: i64) -> Vec<u8> {
    let who = format!("16505551{:03}", i);
    inbound(
        PNID,
        Some(&who),
        None,
        "Customer",
        vec![text(
            &who,
            &format!("wamid.{tag}.{i}"),
            1_782_900_000 + i,
            "hi",
        )],
    )
}

/// Who each of the `n` conversations is assigned to, by id, once all are (within 10 s).
pub(crate) async fn assigned(home: &Home, n: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mut all = home.conversations();
        all.sort_by_key(|c| c["id"].as_i64());
        let got: Vec<Value> = all.iter().map(|c| c["assignee"].clone()).collect();
        if got.len() == n && got.iter().all(|a| !a.is_null()) {
            return got;
        }
        assert!(std::time::Instant::now() < deadline, "{got:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub(crate) fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

fn refused(home: &Home, args: &[&str]) -> String {
    let out = home.run(args);
    assert!(!out.status.success(), "{args:?} was allowed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_of_one_queue_cannot_list_read_claim_or_send_in_another() {
    let home = Home::new();
    let engine = home.start_engine();
    let (sales, support) = team(&home, &engine).await;
    let b = support.to_string();

    // alice sees Sales only.
    assert_eq!(
        ids(&home.json(&["--as", "alice", "conversations"])),
        [sales]
    );
    let err = refused(&home, &["--as", "alice", "messages", &b]);
    assert!(err.contains(&format!("no conversation {support}")), "{err}");
    let err = refused(&home, &["--as", "alice", "claim", &b]);
    assert!(err.contains("no conversation"), "{err}");
    let err = refused(
        &home,
        &[
            "--as",
            "alice",
            "send",
            "--conversation",
            &b,
            "--text",
            "hi",
        ],
    );
    assert!(err.contains("no conversation"), "{err}");
    let err = refused(&home, &["--as", "alice", "note", &b, "psst"]);
    assert!(err.contains("no conversation"), "{err}");
    let hits = home.json(&["--as", "alice", "search", "precio"]);
    let convs: Vec<i64> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["conversation_id"].as_i64().unwrap())
        .collect();
    assert_eq!(convs, [sales], "search shows only what alice may see");
    let numbers = home.json(&["--as", "alice", "numbers", "list"]);
    assert_eq!(numbers.as_array().unwrap().len(), 1);
    // Admin-only commands are refused to agents.
    let err = refused(&home, &["--as", "alice", "queues", "add", "Mine"]);
    assert!(err.contains("only an admin"), "{err}");
    let err = refused(&home, &["--as", "alice", "journal"]);
    assert!(err.contains("only an admin"), "{err}");

    // In her own queue she can claim; bob then cannot take it from her.
    let a = sales.to_string();
    let claimed = home.json(&["--as", "alice", "claim", &a]);
    assert_eq!(claimed["assignee"], "alice");
    // The table says who has it, as the inbox does.
    let table = home.ok(&["conversations"]);
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("{a} ")))
        .unwrap_or_else(|| panic!("no row for {a}: {table}"));
    assert!(
        table.starts_with("ID ") && table.contains(" AGENT "),
        "{table}"
    );
    assert!(row.contains(" @alice "), "{row}");
    // An admin transfers it to Support with a note: now bob's, and alice's no longer.
    home.ok(&[
        "transfer",
        &a,
        "--queue",
        "Support",
        "--note",
        "customer asks about returns",
    ]);
    assert!(ids(&home.json(&["--as", "alice", "conversations"])).is_empty());
    let mut bobs = ids(&home.json(&["--as", "bob", "conversations"]));
    bobs.sort();
    assert_eq!(bobs, [sales, support]);
    let history = home.json(&["history", &a]);
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["claimed", "transferred"]);
    assert_eq!(history[1]["note"], "customer asks about returns");
    let said = home.ok(&["history", &a]);
    let claim = said.lines().next().unwrap();
    assert!(
        claim.ends_with(" claimed"),
        "a claim names its agent once: {claim}"
    );

    // Acting as someone is audited; an unknown user is nobody.
    let audit = home.json(&["audit"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "act_as" && e["as_user"] == "alice"),
        "{audit}"
    );
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "transfer"
                && e["detail"] == format!("conversation {sales} to queue Support")),
        "{audit}"
    );
    let err = refused(&home, &["--as", "mallory", "conversations"]);
    assert!(err.contains("mallory is not a wabox user"), "{err}");
    drop(engine);
}

/// `wabox conversations` lists a queue by name, the caller's own, or nobody's, as the inbox's
/// views do; a queue is found only among those the caller sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversations_of_a_queue_by_name_mine_and_unassigned() {
    let home = Home::new();
    let engine = home.start_engine();
    let (sales, support) = team(&home, &engine).await;
    let list = |args: &[&str]| {
        let mut all = vec!["conversations"];
        all.extend_from_slice(args);
        let mut got = ids(&home.json(&all));
        got.sort();
        got
    };
    let mut both = vec![sales, support];
    both.sort();
    assert_eq!(list(&["--queue", "sales"]), [sales], "any case");
    assert_eq!(list(&["--queue", "Support", "--tenant", "Acme"]), [support]);
    assert_eq!(list(&["--unassigned"]), both);
    assert!(list(&["--mine"]).is_empty());
    let err = refused(&home, &["conversations", "--queue", "Nope"]);
    assert!(err.contains("no queue named \"Nope\""), "{err}");

    // alice sees Sales; Support is not a queue she can name.
    assert_eq!(list(&["--as", "alice", "--queue", "Sales"]), [sales]);
    let err = refused(
        &home,
        &["--as", "alice", "conversations", "--queue", "Support"],
    );
    assert!(err.contains("no queue named \"Support\""), "{err}");
    home.ok(&["--as", "alice", "claim", &sales.to_string()]);
    assert_eq!(list(&["--as", "alice", "--mine"]), [sales]);
    assert_eq!(list(&["--unassigned"]), [support]);
    let err = refused(&home, &["conversations", "--mine", "--unassigned"]);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_agents_claiming_at_once_one_wins() {
    let home = Home::new();
    let engine = home.start_engine();
    let (sales, _) = team(&home, &engine).await;
    home.ok(&["agents", "add", "carol", "--queue", "Sales"]);
    let id = sales.to_string();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| home.run(&["--as", "alice", "claim", &id]));
        let b = s.spawn(|| home.run(&["--as", "carol", "claim", &id]));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_ne!(
        a.status.success(),
        b.status.success(),
        "exactly one claim wins"
    );
    let loser = if a.status.success() { &b } else { &a };
    assert!(String::from_utf8_lossy(&loser.stderr).contains("is already"));
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_to_a_number_without_a_queue_are_shown_to_admins_then_routed() {
    let home = Home::new();
    let engine = home.start_engine();
    home.with_acme();
    home.ok(&["queues", "add", "Sales"]);
    home.ok(&["agents", "add", "alice", "--queue", "Sales"]);
    let body = inbound(
        PNID,
        Some("16505550009"),
        None,
        "Nobody's",
        vec![text("16505550009", "wamid.ORPHAN", 1_782_900_000, "hello?")],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    // Admins see it, marked as in no queue; the doctor says so and exits 3.
    let all = home.json(&["conversations"]);
    assert_eq!(all[0]["queue"], Value::Null);
    let doctor = home.run(&["doctor", "--offline"]);
    assert_eq!(doctor.status.code(), Some(3));
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        said.contains(&format!("queues assign {PNID} QUEUE")),
        "{said}"
    );
    assert!(ids(&home.json(&["--as", "alice", "conversations"])).is_empty());
    // Routing the number moves its conversations into the queue, for its agents.
    home.ok(&["queues", "assign", PNID, "Sales"]);
    let mine = home.json(&["--as", "alice", "conversations"]);
    assert_eq!(mine[0]["queue"], "Sales");
    // No queue problem left (its templates were never synced here, so the doctor still asks
    // for attention about those).
    let after = home.ok_or_attention(&["doctor", "--offline"]);
    assert!(!after.contains("NO QUEUE"), "{after}");
    assert!(after.contains("ok   queue        Sales"), "{after}");
    // A queue that still receives a number cannot be removed.
    let err = refused(&home, &["queues", "remove", "Sales"]);
    assert!(
        err.contains("assign those numbers to another queue first"),
        "{err}"
    );
    drop(engine);
}

fn connections(entries: &[Value]) -> String {
    serde_json::to_string_pretty(&Value::Array(entries.to_vec())).unwrap()
}

fn entry(alias: &str, pnid: &str, display: &str, active: bool) -> Value {
    serde_json::json!({
        "id": format!("conn-{alias}"), "alias": alias, "phoneNumberId": pnid,
        "displayNumber": display, "accessToken": format!("EAA-TEST-{alias}-token"),
        "verifyToken": "v", "wabaId": WABA, "isActive": active,
        "createdAt": 1_730_000_000_000i64, "updatedAt": 1_730_000_000_000i64
    })
}

#[test]
fn sync_imports_corrects_invented_ids_and_changes_nothing_the_second_time() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    let file = home.dir.path().join("whatsapp-connections.json");
    // An earlier tool stored the second number under an id it made up.
    std::fs::write(
        &file,
        connections(&[entry("Ventas", "wsp-3f9a2c", "+1 555 078 3882", true)]),
    )
    .unwrap();
    let first = home.run(&["sync", "--from", file.to_str().unwrap()]);
    assert_eq!(
        first.status.code(),
        Some(3),
        "a warning and no queue: attention"
    );
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(said.contains("not an id Meta issued"), "{said}");
    assert!(
        !said.contains("EAA-TEST"),
        "tokens are never echoed: {said}"
    );

    // The real file: Meta's ids, a new number, an inactive one.
    std::fs::write(
        &file,
        connections(&[
            entry("Ventas", "106540352242923", "+1 555 078 3882", true),
            entry("Soporte", PNID, "+1 555 078 3881", true),
            entry("Viejo", "106540352242999", "+1 555 078 3899", false),
        ]),
    )
    .unwrap();
    let dry = home.run(&[
        "sync",
        "--from",
        file.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert_eq!(dry.status.code(), Some(3));
    let dry: Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(dry["added"].as_array().unwrap().len(), 2);
    assert!(
        home.json(&["numbers", "list"])
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["phone_number_id"] == "wsp-3f9a2c"),
        "a dry run changes nothing"
    );
    let out = home.run(&["sync", "--from", file.to_str().unwrap(), "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["corrected"][0],
        "+15550783882: wsp-3f9a2c → 106540352242923"
    );
    assert_eq!(report["added"].as_array().unwrap().len(), 2);
    assert_eq!(report["inactive"].as_array().unwrap().len(), 1);
    assert_eq!(report["without_queue"].as_array().unwrap().len(), 3);
    let numbers = home.json(&["numbers", "list"]);
    let ids: Vec<&str> = numbers
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["phone_number_id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"wsp-3f9a2c"));
    assert_eq!(
        numbers.as_array().unwrap().len(),
        3,
        "corrected, not duplicated"
    );
    let viejo = numbers
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["alias"] == "Viejo")
        .unwrap();
    assert_eq!(viejo["active"], false);
    assert_eq!(viejo["has_token"], true);

    // Queues assigned, the same file again: nothing changes, nothing needs attention.
    home.ok(&["queues", "add", "Sales"]);
    for n in ["106540352242923", PNID, "106540352242999"] {
        home.ok(&["queues", "assign", n, "Sales"]);
    }
    let again = home.run(&["sync", "--from", file.to_str().unwrap(), "--json"]);
    assert_eq!(again.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(report["unchanged"], 3);
    for field in ["added", "updated", "corrected"] {
        assert!(
            report[field].as_array().unwrap().is_empty(),
            "{field}: {report}"
        );
    }
    let audit = home.json(&["audit"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "sync")
    );
}

#[test]
fn sync_refuses_a_bad_file_naming_the_problem_and_storing_nothing() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    let file = home.dir.path().join("connections.json");
    let path = file.to_str().unwrap();
    std::fs::write(
        &file,
        connections(&[
            entry("A", "106540352242901", "+1 555 078 3801", true),
            entry("B", "106540352242902", "+1 555 078 3802", true),
            entry("C", "106540352242901", "+1 555 078 3803", true),
        ]),
    )
    .unwrap();
    let err = refused(&home, &["sync", "--from", path]);
    assert!(
        err.contains("entry 1 (\"A\") and entry 3 (\"C\") both have phoneNumberId 106540352242901"),
        "{err}"
    );
    std::fs::write(
        &file,
        "[\n  {\"alias\": \"A\", \"phoneNumberId\": \"1\",\n   \"wabaId\": \"2\"}\n]",
    )
    .unwrap();
    let err = refused(&home, &["sync", "--from", path]);
    assert!(
        err.contains("displayNumber") && err.contains("line 3"),
        "{err}"
    );
    std::fs::write(&file, "{ not json").unwrap();
    let err = refused(&home, &["sync", "--from", path]);
    assert!(err.contains("line 1"), "{err}");
    assert!(
        home.json(&["numbers", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_sync_killed_halfway_leaves_the_store_as_it_was() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    let file = home.dir.path().join("big.json");
    let entries: Vec<Value> = (0..40_000)
        .map(|i| {
            entry(
                &format!("n{i}"),
                &format!("1065403500{i:05}"),
                &format!("+1 555 1{i:05}"),
                true,
            )
        })
        .collect();
    std::fs::write(&file, connections(&entries)).unwrap();
    let mut child = std::process::Command::new(bin())
        .arg("--config")
        .arg(&home.config)
        .arg("--data-dir")
        .arg(&home.data)
        .args(["sync", "--from", file.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Once it holds the store, and well before 40,000 numbers are written: kill -9.
    std::thread::sleep(std::time::Duration::from_millis(600));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the sync finished before it could be killed"
    );
    assert!(
        home.json(&["numbers", "list"])
            .as_array()
            .unwrap()
            .is_empty(),
        "all or nothing"
    );
}

/// An inbox open as `user`: a client subscribed over the engine's socket (as root acting as them).
async fn open_inbox(home: &Home, user: &str) -> tokio::net::UnixStream {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut stream = tokio::net::UnixStream::connect(home.data.join("wabox.sock"))
        .await
        .unwrap();
    let frame = format!(r#"{{"id":1,"request":{{"op":"subscribe"}},"act_as":"{user}"}}"#);
    stream.write_all(frame.as_bytes()).await.unwrap();
    stream.write_all(b"\n").await.unwrap();
    let mut answer = String::new();
    BufReader::new(&mut stream)
        .read_line(&mut answer)
        .await
        .unwrap();
    assert!(answer.contains("\"ok\""), "{answer}");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_assignment_goes_round_robin_among_agents_with_an_inbox_open() {
    let home = Home::new();
    let engine = home.start_engine();
    sales_assigned_automatically(&home, &["alice", "bob", "carol"]);
    // alice and carol have their inbox open; bob is away.
    let _alice = open_inbox(&home, "alice").await;
    let _carol = open_inbox(&home, "carol").await;
    for i in 0..3 {
        assert_eq!(engine.deliver(&new_customer_says_hi("RR", i)).await, 200);
        home.wait_processed();
    }
    assert_eq!(assigned(&home, 3).await, ["alice", "carol", "alice"]);
    drop(engine);
}
