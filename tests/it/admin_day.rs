//! An admin's day through the real binary: tenants renamed and removed (what goes is said
//! first), a queue found across tenants, and `sync` and `numbers list` read by a person.

use crate::common::*;
use serde_json::{Value, json};

fn refused(home: &Home, args: &[&str]) -> String {
    let out = home.run(args);
    assert!(!out.status.success(), "{args:?} was allowed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn entry(alias: &str, pnid: &str, display: &str, active: bool) -> Value {
    json!({
        "id": format!("conn-{alias}"), "alias": alias, "phoneNumberId": pnid,
        "displayNumber": display, "accessToken": format!("EAA-TEST-{alias}-token"),
        "verifyToken": "v", "wabaId": WABA, "isActive": active,
        "createdAt": 1_730_000_000_000i64, "updatedAt": 1_730_000_000_000i64
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_is_renamed_and_removing_one_with_numbers_says_what_goes_before_force() {
    let home = Home::new();
    home.with_acme();
    home.ok(&["tenants", "add", "jTacos Lupita"]);
    let said = home.ok(&["tenants", "rename", "jtacos lupita", "Tacos Lupita"]);
    assert!(
        said.contains("\"jTacos Lupita\" is now \"Tacos Lupita\""),
        "{said}"
    );
    let renamed = home.json(&["tenants", "rename", "Tacos Lupita", "Tacos"]);
    assert_eq!(renamed["renamed_from"], "Tacos Lupita");
    assert_eq!(renamed["tenant"], "Tacos");
    assert!(refused(&home, &["tenants", "rename", "Tacos", "ACME"]).contains("already exists"));
    // An agent may not touch tenants.
    home.ok(&["agents", "add", "alice"]);
    assert!(refused(&home, &["--as", "alice", "tenants", "remove", "Tacos"]).contains("admin"));

    // Empty: it goes at once, and says so.
    let gone = home.json(&["tenants", "remove", "Tacos"]);
    assert_eq!(gone["removed"]["numbers"], json!([]));

    // Acme has a number, a queue, a conversation.
    let engine = home.start_engine();
    home.ok(&["queues", "add", "Sales"]);
    home.ok(&["queues", "assign", PNID, "Sales"]);
    let body = inbound(
        PNID,
        Some("16505550001"),
        None,
        "Customer",
        vec![text("16505550001", "wamid.ADMIN.1", now() - 60, "hola")],
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    let why = refused(&home, &["tenants", "remove", "Acme"]);
    for part in [
        &format!("+{DISPLAY}"),
        "1 queue (Sales)",
        "1 conversation",
        "--force",
    ] {
        assert!(why.contains(part), "{part}: {why}");
    }
    assert_eq!(home.json(&["numbers", "list"]).as_array().unwrap().len(), 1);

    let forced = home.ok(&["tenants", "remove", "Acme", "--force"]);
    assert!(forced.contains("tenant \"Acme\" removed"), "{forced}");
    assert!(forced.contains("with it went: 1 number"), "{forced}");
    assert_eq!(home.json(&["tenants", "list"]), json!([]));
    assert_eq!(home.json(&["numbers", "list"]), json!([]));
    assert_eq!(home.conversations().len(), 0);
    let audit = home.ok(&["audit"]);
    assert!(audit.contains("tenant_remove"), "{audit}");
    // The number can be connected again elsewhere.
    home.ok(&["tenants", "add", "Globex"]);
    home.add_number("Globex", PNID, WABA, DISPLAY, "dedicated");
}

#[test]
fn a_queue_only_one_tenant_has_needs_no_tenant_and_a_shared_one_names_them() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    home.ok(&["tenants", "add", "Tacos Lupita"]);
    home.ok(&["queues", "add", "Sales", "--tenant", "Acme"]);
    home.ok(&["queues", "add", "Support", "--tenant", "Acme"]);
    home.ok(&["queues", "add", "Support", "--tenant", "Tacos Lupita"]);

    let agents = home.json(&["agents", "add", "alice", "--queue", "Sales"]);
    let alice = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user"] == "alice")
        .unwrap();
    assert_eq!(alice["tenant"], "Acme");
    assert_eq!(alice["queues"], json!(["Sales"]));

    let why = refused(&home, &["agents", "add", "bob", "--queue", "Support"]);
    for part in ["Acme, Tacos Lupita", "--tenant Acme", "Support@Acme"] {
        assert!(why.contains(part), "{part}: {why}");
    }
    home.ok(&[
        "agents",
        "add",
        "bob",
        "--queue",
        "Support",
        "--tenant",
        "Tacos Lupita",
    ]);
    // The same for the queue commands.
    home.ok(&["queues", "rename", "Sales", "Ventas"]);
    assert!(refused(&home, &["queues", "remove", "Support"]).contains("several tenants"));
    assert!(refused(&home, &["queues", "add", "Night"]).contains("Night@Acme"));
}

#[test]
fn sync_speaks_in_sentences_aligned_and_numbers_list_shows_which_are_inactive() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    let file = home.dir.path().join("whatsapp-connections.json");
    std::fs::write(
        &file,
        serde_json::to_string(&json!([
            entry("Ventas", "106540352242923", "+591 7000 0001", true),
            entry("Viejo", "106540352242999", "+591 7000 0002", false),
        ]))
        .unwrap(),
    )
    .unwrap();
    let from = file.to_str().unwrap();
    let dry = home.ok_or_attention(&["sync", "--from", from, "--dry-run"]);
    assert!(
        dry.starts_with("Would add 2 numbers; nothing was changed (dry run)."),
        "{dry}"
    );
    let out = home.ok_or_attention(&["sync", "--from", from, "--queue", "Ventas"]);
    assert!(out.starts_with("Added 2 numbers.\n"), "{out}");
    for line in [
        "  added         +59170000001 (106540352242923)",
        "  inactive      +59170000002 (106540352242999)",
        "  queue Ventas  +59170000001 (106540352242923)",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    assert!(!out.contains("     `wabox"), "no runs of spaces: {out}");
    assert!(!out.contains("were applied"), "{out}");
    let again = home.ok_or_attention(&["sync", "--from", from]);
    assert!(again.starts_with("Left 2 numbers unchanged."), "{again}");

    let table = home.ok(&["numbers", "list"]);
    assert!(table.lines().next().unwrap().contains("STATUS"), "{table}");
    let viejo = table.lines().find(|l| l.contains("59170000002")).unwrap();
    assert!(viejo.contains("inactive"), "{viejo}");
    let listed = home.json(&["numbers", "list"]);
    let statuses: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["active", "inactive"]);
}
