//! Issue 14: see main.rs. Items 11 and 13: business-level webhooks (`account_update` PARTNER_*,
//! `partner_solutions`, `business_capability_update`) name a business, not a WABA, and reach the
//! tenant whose business it is; a Kapso number whose connection broke is reconnected in place.

use crate::common::browser::{self, event, open};
use crate::common::world::{sim_number, start_simulator};
use crate::common::*;
use serde_json::Value;
use std::sync::Arc;
use wabox::sim::business::business_id_of;
use wabox::sim::customers::{SimCustomer, text as sim_text};
use wabox::sim::{SimOptions, Simulator};

const GLOBEX_PNID: &str = "106540352242923";
const GLOBEX_WABA: &str = "104829357711033";
const GLOBEX_TOKEN: &str = "EAA-TEST-TOKEN-globex-Hn4Rt8wQ";
/// Globex's business, typed by its admin (`--business-id`), as the fixtures name it.
const GLOBEX_BUSINESS: &str = "3090000000000002";

async fn two_businesses() -> Arc<Simulator> {
    start_simulator(vec![
        sim_number(PNID, WABA, DISPLAY, ACCESS_TOKEN, "Acme"),
        sim_number(
            GLOBEX_PNID,
            GLOBEX_WABA,
            "15550783882",
            GLOBEX_TOKEN,
            "Globex",
        ),
    ])
    .await
}

fn connect_manual(home: &Home, token: &str, args: &[&str]) {
    let out = home.connect_manual(token, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn number_of<'a>(numbers: &'a Value, pnid: &str) -> &'a Value {
    numbers
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["phone_number_id"] == pnid)
        .unwrap()
}

/// `doctor --json` (as `who`, if given): its exit code and report.
fn doctor(home: &Home, who: Option<&str>) -> (Option<i32>, Value) {
    let mut args = Vec::new();
    if let Some(w) = who {
        args.extend(["--as", w]);
    }
    args.extend(["doctor", "--json"]);
    let out = home.run(&args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code(), report)
}

fn events_seen(report: &Value) -> Vec<String> {
    let mut seen: Vec<String> = report["account_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["field"].as_str().unwrap(),
                e["summary"].as_str().unwrap()
            )
        })
        .collect();
    seen.sort();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_events_reach_the_tenant_owning_the_business_and_only_its_admins() {
    let sim = two_businesses().await;
    let home = Home::with_graph(&sim.base_url());
    let engine = home.start_engine();
    home.ok(&["tenants", "add", "Acme"]);
    home.ok(&["tenants", "add", "Globex"]);
    // Acme's business is learned from Meta (`owner_business_info`); Globex's admin types it.
    connect_manual(
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
        ],
    );
    connect_manual(
        &home,
        GLOBEX_TOKEN,
        &[
            "--tenant",
            "Globex",
            "--phone-number-id",
            GLOBEX_PNID,
            "--waba-id",
            GLOBEX_WABA,
            "--queue",
            "Support",
            "--business-id",
            GLOBEX_BUSINESS,
        ],
    );
    let numbers = home.json(&["numbers", "list"]);
    assert_eq!(
        number_of(&numbers, PNID)["business_id"],
        business_id_of(WABA).as_str()
    );
    assert_eq!(
        number_of(&numbers, GLOBEX_PNID)["business_id"],
        GLOBEX_BUSINESS
    );
    home.ok(&[
        "agents", "add", "alba", "--role", "admin", "--tenant", "Acme",
    ]);
    home.ok(&[
        "agents", "add", "gina", "--role", "admin", "--tenant", "Globex",
    ]);
    let (code, report) = doctor(&home, None);
    assert_eq!(code, Some(0), "{report:#}");

    for f in [
        "wire_business_partner_added.json",
        "wire_business_capability_update.json",
        "wire_business_partner_solutions.json",
        "wire_business_partner_removed_by_waba.json",
    ] {
        assert_eq!(engine.deliver(&fixture(f)).await, 200, "{f}");
    }
    home.wait_processed();
    let unrouted = home.json(&["journal", "--unrouted"]);
    assert_eq!(unrouted.as_array().unwrap().len(), 0, "{unrouted:#}");
    let (code, report) = doctor(&home, None);
    assert_eq!(code, Some(0), "known businesses are no failure: {report:#}");
    assert_eq!(report["account_events"].as_array().unwrap().len(), 4);

    // Each admin sees their own business's events, and none of the other's.
    let (code, alba) = doctor(&home, Some("alba"));
    assert_eq!(code, Some(0), "{alba:#}");
    assert_eq!(
        events_seen(&alba),
        [
            "account_update PARTNER_ADDED, WABA 104000000000777, owner business 7104829357711032",
            "business_capability_update max daily conversations per business 10000, max phone numbers per waba 20",
        ]
    );
    let (_, gina) = doctor(&home, Some("gina"));
    assert_eq!(
        events_seen(&gina),
        [
            "account_update PARTNER_REMOVED, WABA 104829357711033, disconnected: primary_inactivity by system",
            "partner_solutions SOLUTION_CREATED, solution 3020000000000002 initiated",
        ]
    );
    let said = String::from_utf8(home.run(&["--as", "alba", "doctor"]).stdout).unwrap();
    assert!(said.contains("ACCOUNT EVENTS"), "{said}");
    assert!(
        said.contains("Acme  account_update [3010000000000009]: PARTNER_ADDED"),
        "{said}"
    );
    assert!(!said.contains("SOLUTION_CREATED"), "{said}");

    // A business nobody here knows stays unrouted, visible, and doctor says so.
    assert_eq!(
        engine
            .deliver(&fixture("wire_business_unknown_business.json"))
            .await,
        200
    );
    home.wait_processed();
    let unrouted = home.json(&["journal", "--unrouted"]);
    assert_eq!(unrouted.as_array().unwrap().len(), 1, "{unrouted:#}");
    assert!(
        unrouted[0]["detail"]
            .as_str()
            .unwrap()
            .contains("no business wabox knows"),
        "{unrouted:#}"
    );
    let (code, report) = doctor(&home, None);
    assert_eq!(code, Some(3), "{report:#}");
    assert_eq!(report["unrouted"], 1);
    assert_eq!(report["account_events"].as_array().unwrap().len(), 4);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_signup_learns_the_business_of_the_connected_number() {
    let mut number = sim_number(
        "301000000000011",
        "401000000000011",
        "5215500000011",
        "EAA-TEST-TOKEN-acme-coex-Zr8Mk2",
        "Acme Tacos",
    );
    number.coexistence = true;
    let sim = start_simulator(vec![number]).await;
    let home = Home::with_graph(&sim.base_url());
    let engine = home.start_engine();
    sim.set_webhook(&engine.url());
    let acme = browser::start(
        &home,
        &[
            "connect",
            "meta",
            "--timeout",
            "30s",
            "--history-wait",
            "0s",
            "--tenant",
            "Acme",
        ],
        &[],
    );
    let (status, page) = open(&acme.short_url()).await;
    assert_eq!(status, 200, "{page}");
    let (ok, events, err) = acme.end();
    assert!(ok, "{err}");
    let number = &event(&events, "connected")["number"]["number"];
    assert_eq!(
        number["business_id"],
        business_id_of("401000000000011").as_str()
    );
    // Its business's events now reach Acme.
    let body = delivery(
        &business_id_of("401000000000011"),
        "partner_solutions",
        serde_json::json!({"event": "SOLUTION_ACTIVE", "solution_id": "3020000000000003",
                           "solution_status": "ACTIVE"}),
    );
    assert_eq!(engine.deliver(&body).await, 200);
    home.wait_processed();
    assert_eq!(
        home.json(&["journal", "--unrouted"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let (_, report) = doctor(&home, None);
    assert_eq!(
        events_seen(&report),
        ["partner_solutions SOLUTION_ACTIVE, solution 3020000000000003 active"]
    );
    drop(engine);
}

/// Shaped so that a leak is easy to find and no secret scanner takes it for a real key.
const KAPSO_KEY: &str = "kapso-test-key-Bz5Lw9qT";

fn kapso_home(sim: &Simulator) -> Home {
    let home = Home::with_graph(&sim.base_url());
    let mut config = std::fs::read_to_string(&home.config).unwrap();
    config.push_str(&format!(
        "\n[kapso]\napi_key = \"{KAPSO_KEY}\"\nbase_url = \"{base}/platform/v1\"\n\
         meta_base_url = \"{base}/meta/whatsapp\"\n",
        base = sim.base_url()
    ));
    std::fs::write(&home.config, config).unwrap();
    home
}

fn token_check(report: &Value) -> Value {
    report["numbers"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == "token")
        .unwrap()
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_kapso_number_is_reconnected_in_place_through_a_link_scoped_to_it() {
    let mut options = SimOptions::new(APP_SECRET, vec![]);
    options.kapso_api_key = KAPSO_KEY.into();
    options.status_delay_ms = (5, 30);
    let sim = Simulator::start(options, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let home = kapso_home(&sim);
    let engine = home.start_engine();
    sim.set_webhook(&engine.url());
    let kapso = |args: &[&str]| {
        let mut all = vec!["connect", "kapso", "--timeout", "30s", "--tenant", "Acme"];
        all.extend_from_slice(args);
        browser::start(&home, &all, &[])
    };

    let first = kapso(&["--dedicated", "--queue", "Sales"]);
    assert_eq!(open(&first.short_url()).await.0, 200);
    let (ok, _, err) = first.end();
    assert!(ok, "{err}");
    let numbers = home.json(&["numbers", "list"]);
    let number = numbers[0].clone();
    let pnid = number["phone_number_id"].as_str().unwrap().to_string();
    let waba = number["waba_id"].as_str().unwrap().to_string();
    // The business was learned through Kapso's Meta proxy.
    assert_eq!(number["business_id"], business_id_of(&waba).as_str());
    let (code, report) = doctor(&home, None);
    assert_eq!(code, Some(0), "{report:#}");

    // The business revokes the token: Meta refuses Kapso's calls for the number, and doctor
    // offers a reconnection of that number rather than a new connection.
    sim.kapso_break(&pnid);
    let (code, report) = doctor(&home, None);
    assert_eq!(code, Some(3), "{report:#}");
    let token = token_check(&report);
    assert_eq!(token["level"], "fail", "{token}");
    assert!(
        token["detail"]
            .as_str()
            .unwrap()
            .contains("Kapso's connection to Meta is broken"),
        "{token}"
    );
    let fix = token["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!(
            "connect kapso --tenant \"Acme\" --reconnect {pnid}"
        )),
        "{fix}"
    );

    // The reconnection link is scoped to the number and locked to its kind.
    let display = number["display_phone"].as_str().unwrap().to_string();
    let again = kapso(&["--reconnect", &display]);
    let link = sim.kapso_links().last().unwrap().clone();
    assert_eq!(link.reconnect.as_deref(), Some(pnid.as_str()));
    assert_eq!(link.allowed_connection_types, ["dedicated"]);
    assert!(!link.provision_phone_number);
    assert_eq!(open(&again.short_url()).await.0, 200);
    let (ok, events, err) = again.end();
    assert!(ok, "{err}");
    let report = &event(&events, "connected")["number"];
    assert_eq!(report["renewed"], true, "{report:#}");
    assert_eq!(report["number"]["phone_number_id"], pnid.as_str());
    assert_eq!(report["queue"], "Sales");
    assert!(!sim.kapso_is_broken(&pnid));

    // Same number, no duplicate, working again: doctor is happy, a customer's message arrives
    // and the answer is delivered.
    let after = home.json(&["numbers", "list"]);
    assert_eq!(after.as_array().unwrap().len(), 1, "{after:#}");
    assert_eq!(after[0]["id"], number["id"]);
    let (code, report) = doctor(&home, None);
    assert_eq!(code, Some(0), "{report:#}");
    let ana = SimCustomer::new("Ana", Some("15551112222"), None);
    sim.customer_message(&pnid, &ana, sim_text(&sim, "are you back?", 5))
        .await
        .unwrap();
    home.wait_processed();
    let conversation = home.conversations()[0]["id"].as_i64().unwrap();
    let out = home.run(&[
        "send",
        "--conversation",
        &conversation.to_string(),
        "--text",
        "yes, we are",
        "--wait",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!home.everything_printed().contains(KAPSO_KEY));

    // A number not connected through Kapso cannot be reconnected through it.
    let out = home.run(&[
        "connect",
        "kapso",
        "--tenant",
        "Acme",
        "--reconnect",
        "+19995550000",
        "--json",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has no number"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(engine);
}
