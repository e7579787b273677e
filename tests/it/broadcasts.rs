//! Broadcasts (issue 19) through the real binary, the simulated Cloud API and the movable
//! clock: a dry run's counts, skips and cost; a broadcast killed mid-run and resumed without a
//! customer getting it twice; pause, resume, cancel; the stops by themselves (131049 piling
//! up, the number's quality falling); an opted-out customer skipped; the messaging tier.

use crate::common::world::{World, customer, json_of, world_started};
use crate::common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use wabox::sim::SimOptions;

const CLOCK: &[(&str, &str)] = &[("WABOX_MOVABLE_CLOCK", "1")];

/// A world whose config has prices and this `[broadcast]` section.
async fn broadcast_world(tune: impl FnOnce(&mut SimOptions), broadcast: &str) -> World {
    let config = format!(
        "\n[pricing]\ncurrency = \"USD\"\nmarketing = 0.025\nutility = 0.004\n\n[broadcast]\n{broadcast}\n"
    );
    world_started(tune, &config, |_| {}, CLOCK).await
}

/// Customers `from..from+n` who wrote just now, labelled `label`; their conversation ids.
async fn labelled(w: &World, from: u32, n: u32, label: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for i in from..from + n {
        let c = w.customer_writes(&customer(i), 0).await.to_string();
        w.home.ok(&["label", &c, "--add", label]);
        ids.push(c);
    }
    ids
}

fn wa_id(n: u32) -> String {
    customer(n).wa_id.unwrap()
}

const WELCOME: [&str; 8] = [
    "--template",
    "welcome_back",
    "--lang",
    "en_US",
    "--param",
    "customer_name=contact.name",
    "--param",
    "code=XMAS",
];

fn create(w: &World, to: &str, extra: &[&str]) -> Value {
    let mut args = vec!["broadcast", "create"];
    args.extend_from_slice(&WELCOME);
    args.extend_from_slice(&["--to", to]);
    args.extend_from_slice(extra);
    w.home.json(&args)
}

fn status(w: &World, id: i64) -> Value {
    w.home.json(&["broadcast", "status", &id.to_string()])
}

/// Waits until the broadcast's status satisfies `done`.
fn wait_for(w: &World, id: i64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = status(w, id);
        if done(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "broadcast {id} never {what}: {s}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Templates the simulator accepted for this customer.
fn received(w: &World, to: &str) -> usize {
    w.sim
        .sent()
        .iter()
        .filter(|s| s.to == to && s.kind == "template")
        .count()
}

fn skipped(s: &Value, reason: &str) -> u64 {
    s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["reason"] == reason)
        .map_or(0, |k| k["count"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_counts_skips_an_opted_out_and_a_blocked_customer_and_prices_it() {
    let w = broadcast_world(|_| {}, "").await;
    let c = labelled(&w, 1, 4, "vip").await;
    w.home.ok(&["contact", "optout", &c[1]]);
    w.home.ok(&["block", &c[2]]);

    let plan = create(&w, "label:vip", &["--dry-run"]);
    assert_eq!(plan["dry_run"], true, "{plan}");
    assert!(plan["id"].is_null());
    assert_eq!(plan["recipients"], 2, "{plan}");
    assert_eq!(plan["category"], "MARKETING");
    assert_eq!(skipped(&plan, "opted_out"), 1, "{plan}");
    assert_eq!(skipped(&plan, "blocked"), 1, "{plan}");
    assert_eq!(plan["cost"].as_f64(), Some(0.05), "2 x 0.025: {plan}");
    assert_eq!(plan["currency"], "USD");
    // Nothing stored.
    let list: Value = w.home.json(&["broadcast", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");

    // Said for people too, with the reason and who.
    let welcome_to =
        |to: &'static str| [&["broadcast", "create"][..], &WELCOME, &["--to", to]].concat();
    let said = w
        .home
        .ok(&[&welcome_to("label:vip")[..], &["--dry-run"]].concat());
    assert!(said.contains("recipients: 2"), "{said}");
    assert!(
        said.contains("skipped 1 (opted out of marketing): Customer 2"),
        "{said}"
    );
    assert!(said.contains("cost: 0.05 USD"), "{said}");

    // A segment nobody in it can get is refused, saying so; its dry run says a create would be.
    let refused = |args: &[&str]| {
        let out = w.home.run(args);
        assert!(!out.status.success(), "{args:?} was not refused");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = refused(&welcome_to("label:nobody"));
    assert!(
        err.contains("nobody to send to: label:nobody has no customer"),
        "{err}"
    );
    w.home.ok(&["contact", "optout", &c[0]]);
    w.home.ok(&["contact", "optout", &c[3]]);
    let err = refused(&welcome_to("label:vip"));
    assert!(
        err.contains("every customer of label:vip would be skipped (4"),
        "{err}"
    );
    let said = w
        .home
        .ok(&[&welcome_to("label:vip")[..], &["--dry-run"]].concat());
    assert!(said.contains("recipients: 0 (nobody to send to"), "{said}");
    let list: Value = w.home.json(&["broadcast", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    w.home.ok(&["contact", "optin", &c[0]]);
    w.home.ok(&["contact", "optin", &c[3]]);

    // A parameter missing is refused before anything is stored, saying what the template takes.
    let out = w.home.run(&[
        "broadcast",
        "create",
        "--template",
        "welcome_back",
        "--lang",
        "en_US",
        "--to",
        "label:vip",
        "--param",
        "customer_name=contact.name",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("takes 2 parameter(s)"), "{err}");
    // A CSV larger than one request may carry (1 MiB) goes as an upload, in chunks.
    let big: String = std::iter::once("phone,first_name,note\n".to_string())
        .chain((0..20_000).map(|n| format!("+5917{n:07},Name{n},{}\n", "x".repeat(40))))
        .collect();
    let path = w.home.dir.path().join("big.csv");
    std::fs::write(&path, big).unwrap();
    let out = w.home.run(&[
        "broadcast",
        "create",
        "--template",
        "follow_up",
        "--lang",
        "en_US",
        "--to",
        &format!("csv:{}", path.display()),
        "--dry-run",
        "--json",
    ]);
    let plan = json_of(&out);
    assert_eq!(plan["recipients"], 20_000, "{plan}");
    assert!(std::fs::metadata(&path).unwrap().len() > 1 << 20);
    // A utility template: its own category's price.
    let plan: Value = w.home.json(&[
        "broadcast",
        "create",
        "--template",
        "follow_up",
        "--lang",
        "en_US",
        "--to",
        "label:vip",
        "--dry-run",
    ]);
    assert_eq!(plan["cost"].as_f64(), Some(0.008), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_killed_mid_run_resumes_and_nobody_gets_it_twice() {
    let mut w = broadcast_world(|_| {}, "rate_per_second = 4").await;
    // New customers from a CSV: a contact and a conversation are made as each one's turn comes.
    let mut csv = String::from("phone,first_name\n");
    for n in 300..312 {
        csv.push_str(&format!("+{},Name{n}\n", wa_id(n)));
    }
    csv.push_str(&format!("{},Again\nnot a phone,X\n", wa_id(300)));
    let path = w.home.dir.path().join("customers.csv");
    std::fs::write(&path, csv).unwrap();
    let to = format!("csv:{}", path.display());
    let plan = w.home.json(&[
        "broadcast",
        "create",
        "--template",
        "welcome_back",
        "--lang",
        "en_US",
        "--to",
        &to,
        "--param",
        "customer_name=csv.first_name",
        "--param",
        "code=XMAS",
    ]);
    assert_eq!(plan["recipients"], 12, "{plan}");
    assert_eq!(skipped(&plan, "duplicate"), 1, "{plan}");
    assert_eq!(skipped(&plan, "invalid_phone"), 1, "{plan}");
    // Each skipped row says where it is in the file (the header is line 1).
    let examples = |reason: &str| {
        plan["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["reason"] == reason)
            .map(|s| s["examples"].clone())
    };
    let again = format!("line 14: +{}", wa_id(300));
    assert_eq!(examples("duplicate"), Some(json!([again])), "{plan}");
    assert_eq!(
        examples("invalid_phone"),
        Some(json!(["line 15: not a phone"])),
        "{plan}"
    );
    let id = plan["id"].as_i64().unwrap();
    w.home.ok(&["broadcast", "start", &id.to_string()]);

    let deadline = Instant::now() + Duration::from_secs(20);
    while w.sim.sent().len() < 3 {
        assert!(Instant::now() < deadline, "nothing sent");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    w.engine.kill9();
    let at_kill = w.sim.sent().len();
    assert!(at_kill < 12, "killed mid-way ({at_kill} of 12)");
    w.engine = w.home.start_engine_with_env(CLOCK);
    w.sim.set_webhook(&w.engine.url());

    let s = wait_for(&w, id, "finished", |s| {
        s["state"] == "done" && s["queued"] == 0 && s["pending"] == 0
    });
    assert_eq!(s["recipients"], 12, "{s}");
    // The sends in flight at the kill (the outbox sends a number's queue a few at a time) are
    // uncertain: Meta may or may not have them, so they are never sent blindly again.
    let uncertain = s["uncertain"].as_u64().unwrap();
    assert!(uncertain < 12, "only those in flight are uncertain: {s}");
    let mut got = 0;
    for n in 300..312 {
        let times = received(&w, &wa_id(n));
        assert!(times <= 1, "customer {n} got the broadcast {times} times");
        got += times;
    }
    // Every one sent, but a send in flight at the kill that had not reached Meta: uncertain,
    // shown to the agents, never lost without a word.
    assert!(got as u64 + uncertain >= 12, "{got} sent, {s}");
    // A CSV's new customer has a conversation on the number, holding the broadcast.
    let conversations = w.home.conversations();
    let first = conversation_of(&conversations, &wa_id(301));
    assert!(first["id"].as_i64().is_some(), "{first}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_resume_goes_on_and_cancel_ends_it_all_audited() {
    let w = broadcast_world(|_| {}, "rate_per_second = 3").await;
    labelled(&w, 20, 8, "promo").await;
    let id = create(&w, "label:promo", &[])["id"].as_i64().unwrap();
    let id_s = id.to_string();
    assert_eq!(status(&w, id)["state"], "draft");
    // An agent of the number's queue follows it, and may neither create nor start one.
    w.home.ok(&["queues", "add", "Sales", "--tenant", "Acme"]);
    w.home.ok(&["queues", "assign", PNID, "Sales"]);
    w.home.ok(&["agents", "add", "alice", "--queue", "Sales"]);
    let theirs: Value = w
        .home
        .json(&["--as", "alice", "broadcast", "status", &id_s]);
    assert_eq!(theirs["state"], "draft", "{theirs}");
    for args in [
        vec!["--as", "alice", "broadcast", "start", &id_s],
        vec![
            "--as",
            "alice",
            "broadcast",
            "create",
            "--template",
            "follow_up",
            "--lang",
            "en_US",
            "--to",
            "label:promo",
        ],
    ] {
        let refused = w.home.run(&args);
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(err.contains("only an admin"), "{args:?}: {err}");
    }
    // A draft is not paused: it was never started.
    let out = w.home.run(&["broadcast", "pause", &id_s]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is draft"));

    w.home.ok(&["broadcast", "start", &id_s]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.sim.sent().is_empty() {
        assert!(Instant::now() < deadline, "nothing sent");
        std::thread::sleep(Duration::from_millis(5));
    }
    let paused: Value = w.home.json(&["broadcast", "pause", &id_s]);
    assert_eq!(paused["state"], "paused");
    // Whatever was queued goes; nothing more is queued while paused.
    let held = wait_for(&w, id, "settled", |s| s["queued"] == 0);
    let sent = w.sim.sent().len();
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(w.sim.sent().len(), sent, "nothing sent while paused");
    assert!(held["pending"].as_u64().unwrap() > 0, "{held}");

    w.home.ok(&["broadcast", "resume", &id_s]);
    let done = wait_for(&w, id, "done", |s| s["state"] == "done" && s["queued"] == 0);
    assert_eq!(w.sim.sent().len(), 8, "{done}");
    let out = w.home.run(&["broadcast", "cancel", &id_s]);
    assert!(!out.status.success(), "a broadcast done is not cancelled");

    // Another one, cancelled as a draft: never sends, cannot start.
    let other = create(&w, "label:promo", &[])["id"].as_i64().unwrap();
    let cancelled: Value = w.home.json(&["broadcast", "cancel", &other.to_string()]);
    assert_eq!(cancelled["state"], "cancelled");
    assert!(
        !w.home
            .run(&["broadcast", "start", &other.to_string()])
            .status
            .success()
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(w.sim.sent().len(), 8);

    let list = w.home.ok(&["broadcast", "list"]);
    assert!(list.contains("cancelled") && list.contains("8/8"), "{list}");
    assert!(
        !list.contains("HEADER"),
        "no broadcast has a header: {list}"
    );
    let audit = w.home.ok(&["audit"]);
    for action in [
        "broadcast_create",
        "broadcast_start",
        "broadcast_pause",
        "broadcast_resume",
        "broadcast_cancel",
    ] {
        assert!(audit.contains(action), "{action} not audited: {audit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marketing_limit_failures_piling_up_stop_it_by_itself() {
    let w = broadcast_world(
        |o| o.marketing_per_customer_per_day = Some(0),
        "rate_per_second = 4\nstop_after_marketing_limit = 3",
    )
    .await;
    labelled(&w, 40, 14, "all").await;
    let id = create(&w, "label:all", &[])["id"].as_i64().unwrap();
    w.home.ok(&["broadcast", "start", &id.to_string()]);
    let s = wait_for(&w, id, "stopped", |s| s["state"] == "stopped");
    assert!(s["stop_reason"].as_str().unwrap().contains("131049"), "{s}");
    assert!(
        s["pending"].as_u64().unwrap() > 0,
        "stopped before the end: {s}"
    );
    let s = wait_for(&w, id, "settled", |s| s["queued"] == 0);
    let failures = &s["failures"][0];
    assert_eq!(failures["code"], 131049, "{s}");
    let sent = w.sim.sent().len();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(w.sim.sent().len(), sent, "nothing more queued once stopped");
    let said = w.home.ok(&["broadcast", "status", &id.to_string()]);
    assert!(
        said.contains("stopped: ") && said.contains("131049"),
        "{said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_numbers_quality_falling_stops_it_and_an_upgrade_would_not() {
    let w = broadcast_world(|_| {}, "rate_per_second = 2").await;
    labelled(&w, 60, 6, "q").await;
    // An update from before the start does not count; an upgrade never stops it.
    w.sim
        .quality_update(PNID, "DOWNGRADE", "TIER_1K")
        .await
        .unwrap();
    w.home.wait_processed();
    let id = create(&w, "label:q", &[])["id"].as_i64().unwrap();
    w.home.ok(&["broadcast", "start", &id.to_string()]);
    w.sim
        .quality_update(PNID, "UPGRADE", "TIER_10K")
        .await
        .unwrap();
    w.home.wait_processed();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(status(&w, id)["state"], "running");
    w.sim
        .quality_update(PNID, "DOWNGRADE", "TIER_250")
        .await
        .unwrap();
    let s = wait_for(&w, id, "stopped", |s| s["state"] == "stopped");
    let reason = s["stop_reason"].as_str().unwrap();
    assert!(
        reason.contains("quality") && reason.contains("DOWNGRADE"),
        "{s}"
    );
    assert!(s["pending"].as_u64().unwrap() > 0, "{s}");
    // An admin who looked into it resumes it.
    w.home.ok(&["broadcast", "resume", &id.to_string()]);
    wait_for(&w, id, "done", |s| s["state"] == "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_who_opts_out_after_the_create_is_skipped_when_their_turn_comes() {
    let w = broadcast_world(|_| {}, "").await;
    let c = labelled(&w, 80, 3, "news").await;
    let id = create(&w, "label:news", &[])["id"].as_i64().unwrap();
    w.home.ok(&["contact", "optout", &c[0]]);
    w.home.ok(&["broadcast", "start", &id.to_string()]);
    let s = wait_for(&w, id, "done", |s| s["state"] == "done" && s["queued"] == 0);
    assert_eq!(received(&w, &wa_id(80)), 0, "the opted-out customer got it");
    assert_eq!(received(&w, &wa_id(81)), 1);
    assert_eq!(received(&w, &wa_id(82)), 1);
    assert_eq!(skipped(&s, "opted_out"), 1, "{s}");
    // And every later broadcast skips them at create.
    let plan = create(&w, "label:news", &["--dry-run"]);
    assert_eq!(
        (plan["recipients"].as_u64(), skipped(&plan, "opted_out")),
        (Some(2), 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tier_bounds_customers_outside_their_window_per_24_hours() {
    let w = broadcast_world(|_| {}, "default_tier = 2").await;
    labelled(&w, 90, 4, "old").await;
    // A day later their windows are closed: each counts against the number's tier of 2.
    w.home.ok(&["clock", "advance", "25h"]);
    w.sim.advance_clock(25 * 3_600);
    let id = create(&w, "label:old", &[])["id"].as_i64().unwrap();
    w.home.ok(&["broadcast", "start", &id.to_string()]);
    let s = wait_for(&w, id, "held by the tier", |s| {
        s["pending"] == 2 && s["queued"] == 0
    });
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(status(&w, id)["pending"], 2, "{s}");
    // Once the first two leave the rolling 24 hours, the rest go.
    w.home.ok(&["clock", "advance", "24h1m"]);
    w.sim.advance_clock(24 * 3_600 + 60);
    wait_for(&w, id, "done", |s| s["state"] == "done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sending_number_is_asked_for_when_there_are_several_and_kept_to_the_tenant() {
    const TACOS_PNID: &str = "223344556677889";
    const TACOS_WABA: &str = "118273645590011";
    let w = broadcast_world(
        |o| {
            o.numbers.push(crate::common::world::sim_number(
                TACOS_PNID,
                TACOS_WABA,
                "5215512345678",
                ACCESS_TOKEN,
                "Tacos",
            ))
        },
        "",
    )
    .await;
    w.home.ok(&["tenants", "add", "Tacos"]);
    w.home.add_number(
        "Tacos",
        TACOS_PNID,
        TACOS_WABA,
        "+5215512345678",
        "dedicated",
    );
    w.home.ok(&["templates", "sync"]);
    let dry = |args: &[&str]| {
        let mut all = vec![
            "broadcast",
            "create",
            "--template",
            "follow_up",
            "--lang",
            "en_US",
            "--to",
            "label:none",
            "--dry-run",
        ];
        all.extend_from_slice(args);
        w.home.run(&all)
    };
    let out = dry(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--from") && err.contains("+5215512345678"),
        "{err}"
    );
    let plan = json_of(&dry(&["--from", "+52 1 55 1234 5678", "--json"]));
    assert_eq!(plan["number"], "+5215512345678", "{plan}");

    // Every command that takes a number takes it as the tables show it, or by Meta's id.
    labelled(&w, 1, 1, "x").await;
    let acme: Value = w
        .home
        .json(&["conversations", "--number", "+1 555-078 3881"]);
    assert_eq!(acme.as_array().unwrap().len(), 1, "{acme}");
    assert_eq!(acme[0]["phone_number_id"], PNID, "{acme}");
    let tacos: Value = w
        .home
        .json(&["conversations", "--number", "+5215512345678"]);
    assert_eq!(tacos, serde_json::json!([]));
    for number in ["+5215512345678", TACOS_PNID] {
        let listed: Value = w.home.json(&["templates", "--number", number]);
        let wabas: Vec<&Value> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["waba_id"])
            .collect();
        assert!(
            !wabas.is_empty() && wabas.iter().all(|w| *w == TACOS_WABA),
            "{listed}"
        );
    }
    let out = w
        .home
        .run(&["conversations", "--number", "+44 20 0000 0000"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no number \"+44 20 0000 0000\""),
        "{err}"
    );

    // Acme's admin sees one number, theirs, and cannot send from another tenant's.
    w.home.ok(&[
        "agents", "add", "ana", "--role", "admin", "--tenant", "Acme",
    ]);
    let plan = json_of(&dry(&["--as", "ana", "--json"]));
    assert_eq!(plan["number"], format!("+{DISPLAY}"), "{plan}");
    let out = dry(&["--as", "ana", "--from", TACOS_PNID]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no number"), "{err}");
    // Nor learn from the conversations' filter that the other tenant's number exists.
    let out = w
        .home
        .run(&["conversations", "--as", "ana", "--number", "+5215512345678"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("no number"), "{err}");
    // Nor can she have a file uploaded to Meta under the other tenant's number.
    let promo = w.home.file("promo.jpg", JPEG_HEAD, 2_000);
    let out = summer_sale(
        &w,
        "label:none",
        &["--as", "ana", "--from", TACOS_PNID, "--header-file", &promo],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no number"), "{err}");
    assert!(w.sim.uploads().is_empty(), "{:?}", w.sim.uploads());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_with_an_image_header_goes_with_the_same_link_to_everyone() {
    let w = broadcast_world(|_| {}, "").await;
    labelled(&w, 100, 2, "summer").await;
    let sale = |extra: &[&str]| {
        summer_sale(
            &w,
            "label:summer",
            &[&["--param", "1=contact.name"], extra].concat(),
        )
    };
    // Without the header's image, or with a file or a place that is not one, nothing is
    // created and the reason is said.
    for (extra, words) in [
        (
            &[][..],
            "IMAGE header: give --header-file, --header-link or --header-media-id",
        ),
        (
            &["--header-file", "/etc/hostname"][..],
            "hostname (application/octet-stream) is not image",
        ),
        (&["--header-location", "-16.5,-68.15"][..], "IMAGE header"),
    ] {
        let out = sale(extra);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?}: {said}");
        assert!(said.contains(words), "{extra:?}: {said}");
    }
    let list: Value = w.home.json(&["broadcast", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    assert!(w.sim.uploads().is_empty(), "{:?}", w.sim.uploads());

    let link = "https://shop.example/summer.jpg";
    let out = sale(&["--header-link", link, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = json_of(&out)["id"].as_i64().unwrap();
    let sent = summer_sale_sent(&w, id);
    assert_eq!(sent.len(), 2, "{sent:?}");
    for s in &sent {
        let header = &s.body["template"]["components"][0];
        assert_eq!(header["type"], "header", "{}", s.body);
        assert_eq!(header["parameters"][0]["image"]["link"], link, "{}", s.body);
    }
    // The timeline shows what the header carried.
    let message = w.home.all_messages().into_iter().find(|m| {
        m["text"]
            .as_str()
            .is_some_and(|t| t.contains("summer sale"))
    });
    let text = message.expect("the broadcast's message")["text"].clone();
    assert!(text.as_str().unwrap().contains("IMAGE header"), "{text}");
}

/// `broadcast create` of summer_sale (an IMAGE header, one body parameter) to `to`.
fn summer_sale(w: &World, to: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "broadcast",
        "create",
        "--template",
        "summer_sale",
        "--lang",
        "en_US",
        "--to",
        to,
    ];
    args.extend_from_slice(extra);
    w.home.run(&args)
}

/// Starts a summer_sale broadcast, waits until it is done; the sends the simulator took.
fn summer_sale_sent(w: &World, id: i64) -> Vec<wabox::sim::SentRecord> {
    w.home.ok(&["broadcast", "start", &id.to_string()]);
    wait_for(w, id, "done", |s| s["state"] == "done" && s["queued"] == 0);
    w.sim
        .sent()
        .into_iter()
        .filter(|s| s.kind == "template" && s.text == "template:summer_sale")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_file_is_uploaded_to_meta_once_for_everyone_and_kept_thirty_days() {
    let w = broadcast_world(|_| {}, "").await;
    labelled(&w, 110, 3, "summer").await;
    let promo = w.home.file("promo.jpg", JPEG_HEAD, 4_000);
    let sale = |extra: &[&str]| {
        summer_sale(
            &w,
            "label:summer",
            &[&["--header-file", &promo], extra].concat(),
        )
    };
    // A dry run checks the file and uploads nothing; a create refused for another reason (a
    // parameter missing) uploads nothing either.
    let plan = json_of(&sale(&["--param", "1=contact.name", "--dry-run", "--json"]));
    assert_eq!(plan["recipients"], 3, "{plan}");
    assert_eq!(plan["header"], "[IMAGE header: promo.jpg]", "{plan}");
    let out = sale(&[]);
    assert!(!out.status.success());
    assert!(w.sim.uploads().is_empty(), "{:?}", w.sim.uploads());
    // The bytes, not the name, say what a file is.
    let fake = w.home.dir.path().join("fake.jpg");
    std::fs::write(&fake, b"not a picture at all").unwrap();
    let fake = fake.to_str().unwrap();
    let out = summer_sale(
        &w,
        "label:summer",
        &["--param", "1=contact.name", "--header-file", fake],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && said.contains("fake.jpg"), "{said}");
    assert!(w.sim.uploads().is_empty(), "{:?}", w.sim.uploads());

    // Created: the file goes to Meta once, from the sending number, before the create answers.
    let out = sale(&["--param", "1=contact.name", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created = json_of(&out);
    assert_eq!(created["header"], "[IMAGE header: promo.jpg]", "{created}");
    let id = created["id"].as_i64().unwrap();
    let uploads = w.sim.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(uploads[0].mime_type, "image/jpeg");
    assert_eq!(uploads[0].bytes, 4_000);
    let media_id = uploads[0].media_id.clone();
    // Nothing of the file is left in the engine's uploads.
    let staged: Vec<_> = std::fs::read_dir(w.home.data.join("uploads"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(staged.is_empty(), "{staged:?}");

    // Its status says which file, and until when Meta keeps it.
    let said = w.home.ok(&["broadcast", "status", &id.to_string()]);
    assert!(
        said.contains("header: promo.jpg, uploaded to Meta ")
            && said.contains("(Meta keeps it until "),
        "{said}"
    );
    // And the list, which file each broadcast carries.
    let list = w.home.ok(&["broadcast", "list"]);
    let mut lines = list.lines();
    let head = lines.next().unwrap_or_default();
    assert!(head.contains("HEADER"), "{list}");
    assert!(
        lines.any(|l| l.starts_with(&format!("{id} ")) && l.contains("promo.jpg")),
        "{list}"
    );
    let sent = summer_sale_sent(&w, id);
    assert_eq!(sent.len(), 3, "{sent:?}");
    for s in &sent {
        let header = &s.body["template"]["components"][0];
        assert_eq!(
            header["parameters"][0]["image"],
            serde_json::json!({"id": media_id}),
            "{}",
            s.body
        );
    }
    assert_eq!(
        w.sim.uploads().len(),
        1,
        "uploaded once for three customers"
    );
    let shown = w
        .home
        .all_messages()
        .into_iter()
        .filter_map(|m| m["text"].as_str().map(str::to_string))
        .filter(|t| t.starts_with("[IMAGE header: promo.jpg]"))
        .count();
    assert_eq!(shown, 3);

    // Thirty days on, Meta no longer has the file: a broadcast still running stops, saying so.
    labelled(&w, 120, 1, "late").await;
    let out = summer_sale(
        &w,
        "label:late",
        &[
            "--param",
            "1=contact.name",
            "--header-file",
            &promo,
            "--json",
        ],
    );
    let late = json_of(&out)["id"].as_i64().unwrap();
    w.home.ok(&["clock", "advance", "30d"]);
    w.sim.advance_clock(30 * 86_400);
    w.home.ok(&["broadcast", "start", &late.to_string()]);
    let s = wait_for(&w, late, "stopped", |s| s["state"] == "stopped");
    let reason = s["stop_reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("30 days") && reason.contains("promo.jpg"),
        "{s}"
    );
    assert_eq!(received(&w, &wa_id(120)), 0);
}
