//! Connecting a number by hand (`wabox connect manual`) against the simulated Cloud API: checked
//! with Meta before anything is stored, subscribed, templates synced, queue chosen; two tenants
//! keep their own tokens and conversations; the token never shows.

use crate::common::*;
use serde_json::Value;
use wabox::sim::Simulator;
use wabox::sim::customers::{SimCustomer, text as sim_text};

const PNID_B: &str = "223344556677889";
const WABA_B: &str = "118273645590011";
const TOKEN_B: &str = "EAA-TEST-TOKEN-second-tenant-Zr8Lq2Vx";

async fn simulator() -> std::sync::Arc<Simulator> {
    let mut second =
        crate::common::world::sim_number(PNID_B, WABA_B, "5215512345678", TOKEN_B, "Demo Shop");
    second.coexistence = true;
    crate::common::world::start_simulator(vec![
        crate::common::world::sim_number(PNID, WABA, DISPLAY, ACCESS_TOKEN, "Demo Shop"),
        second,
    ])
    .await
}

/// `wabox connect manual …` with the token piped on stdin.
fn connect(home: &Home, token: &str, args: &[&str]) -> std::process::Output {
    home.connect_manual(token, args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_is_checked_with_meta_then_stored_subscribed_synced_and_queued() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    home.ok(&["tenants", "add", "Acme"]);
    // A wrong token: Meta refuses it, and nothing is stored.
    let out = connect(
        &home,
        "EAA-TEST-wrong-token",
        &[
            "--tenant",
            "Acme",
            "--phone-number-id",
            PNID,
            "--waba-id",
            WABA,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("190"), "{err}");
    assert!(
        !err.contains("EAA-TEST-wrong-token"),
        "the token is never echoed: {err}"
    );
    assert!(
        home.json(&["numbers", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(sim.subscribed().is_empty());

    let out = connect(
        &home,
        ACCESS_TOKEN,
        &[
            "--tenant",
            "Acme",
            "--phone-number-id",
            PNID,
            "--waba-id",
            WABA,
            "--queue",
            "Sales",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        !printed.contains(ACCESS_TOKEN),
        "no token in --json: {printed}"
    );
    let report: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(report["renewed"], false);
    assert_eq!(report["number"]["display_phone"], format!("+{DISPLAY}"));
    assert_eq!(report["number"]["connection"], "dedicated");
    assert_eq!(report["number"]["has_token"], true);
    assert_eq!(report["queue"], "Sales");
    assert!(report["templates"].as_u64().unwrap() > 0, "{report}");
    assert_eq!(sim.subscribed(), [WABA]);
    let audit = home.json(&["audit"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "connect")
    );

    // Connecting it again renews the token and keeps the number.
    let again: Value = serde_json::from_slice(
        &connect(
            &home,
            ACCESS_TOKEN,
            &[
                "--tenant",
                "Acme",
                "--phone-number-id",
                PNID,
                "--waba-id",
                WABA,
                "--json",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(again["renewed"], true);
    assert_eq!(home.json(&["numbers", "list"]).as_array().unwrap().len(), 1);
    assert!(!home.everything_printed().contains(ACCESS_TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenants_through_one_app_keep_their_tokens_numbers_and_conversations_apart() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    home.ok(&["tenants", "add", "Acme"]);
    home.ok(&["tenants", "add", "Globex"]);
    let ok = |tenant: &str, token: &str, pnid: &str, waba: &str, queue: &str| {
        let out = connect(
            &home,
            token,
            &[
                "--tenant",
                tenant,
                "--phone-number-id",
                pnid,
                "--waba-id",
                waba,
                "--queue",
                queue,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok("Acme", ACCESS_TOKEN, PNID, WABA, "Acme support");
    ok("Globex", TOKEN_B, PNID_B, WABA_B, "Globex support");
    // The second number lives on the WhatsApp Business app too: a coexistence number.
    let numbers = home.json(&["numbers", "list"]);
    let globex = numbers
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["tenant"] == "Globex")
        .unwrap();
    assert_eq!(globex["connection"], "coexistence");
    // Acme's number cannot be taken into Globex with Globex's token.
    let out = connect(
        &home,
        TOKEN_B,
        &[
            "--tenant",
            "Globex",
            "--phone-number-id",
            PNID,
            "--waba-id",
            WABA,
        ],
    );
    assert!(!out.status.success());
    // Each tenant's agent sees only their tenant's conversations.
    home.ok(&[
        "agents",
        "add",
        "ana",
        "--tenant",
        "Acme",
        "--queue",
        "Acme support",
    ]);
    home.ok(&[
        "agents",
        "add",
        "gus",
        "--tenant",
        "Globex",
        "--queue",
        "Globex support",
    ]);
    let engine = home.start_engine();
    sim.set_webhook(&engine.url());
    for (pnid, who) in [(PNID, "16505550101"), (PNID_B, "16505550102")] {
        let customer = SimCustomer::new("Customer", Some(who), None);
        sim.customer_message(pnid, &customer, sim_text(&sim, "hola", 10))
            .await
            .unwrap();
    }
    home.wait_processed();
    let seen = |user: &str| -> Vec<String> {
        home.json(&["--as", user, "conversations"])
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["tenant"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(seen("ana"), ["Acme"]);
    assert_eq!(seen("gus"), ["Globex"]);
    drop(engine);
}

#[test]
fn bad_ids_are_refused_before_meta_is_asked() {
    let home = Home::new();
    home.ok(&["tenants", "add", "Acme"]);
    let out = connect(
        &home,
        ACCESS_TOKEN,
        &[
            "--tenant",
            "Acme",
            "--phone-number-id",
            "wsp-3f9a",
            "--waba-id",
            WABA,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a phone number id"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coexistence_waits_for_the_phone_then_connects_and_imports_the_history_once() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    home.ok(&["tenants", "add", "Globex"]);
    // Not confirmed on the phone in time: refused with why, nothing stored.
    sim.onboard_after(PNID_B, 1_000);
    let args = |timeout: &str| -> Vec<String> {
        [
            "connect",
            "coexistence",
            "--tenant",
            "Globex",
            "--phone-number-id",
            PNID_B,
            "--waba-id",
            WABA_B,
            "--queue",
            "Tienda",
            "--every-ms",
            "50",
            "--timeout",
            timeout,
            "--history-wait",
            "0s",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let late = args("1s");
    let out = home.run_with_stdin(
        &late.iter().map(String::as_str).collect::<Vec<_>>(),
        TOKEN_B,
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not connected within 1s"), "{err}");
    assert!(err.contains("code to be confirmed"), "{err}");
    assert!(
        home.json(&["numbers", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Confirmed after a few checks: connected, queued, contacts and history asked for.
    sim.onboard_after(PNID_B, 3);
    let ok = args("1m");
    let out = home.run_with_stdin(&ok.iter().map(String::as_str).collect::<Vec<_>>(), TOKEN_B);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = event(&out.stdout, "connected");
    assert!(report["polls"].as_u64().unwrap() >= 4, "{report}");
    assert_eq!(report["number"]["number"]["connection"], "coexistence");
    assert_eq!(report["number"]["queue"], "Tienda");
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(
        progress.contains("left ·"),
        "a countdown is shown: {progress}"
    );
    assert!(progress.contains("last seen: status PENDING"), "{progress}");
    assert!(!progress.contains(TOKEN_B) && !String::from_utf8_lossy(&out.stdout).contains(TOKEN_B));
    assert_eq!(
        sim.smb_syncs(),
        [
            (PNID_B.to_string(), "smb_app_state_sync".to_string()),
            (PNID_B.to_string(), "history".to_string())
        ]
    );
    // Meta allows each sync once: a second connection does not ask again.
    let out = home.run_with_stdin(&ok.iter().map(String::as_str).collect::<Vec<_>>(), TOKEN_B);
    let again = event(&out.stdout, "history_sync");
    assert!(
        again["requests"][1]["error"]
            .as_str()
            .unwrap()
            .contains("already requested"),
        "{again}"
    );
    assert_eq!(sim.smb_syncs().len(), 2);
}

/// The `--json` event of that name among the lines a conversation printed.
fn event(stdout: &[u8], name: &str) -> Value {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == name)
        .unwrap_or_else(|| panic!("no {name} event in {}", String::from_utf8_lossy(stdout)))
}
