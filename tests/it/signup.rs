//! Meta's Embedded Signup through the real binary: `wabox connect meta` prints a link, the test
//! follows it like the business's browser (the simulator's login dialog redirects to the engine's
//! /oauth/callback), and the number ends stored with its own token in its own tenant. A callback
//! with a forged, reused or expired state attaches nothing.

use crate::common::browser::{self, Running, event, open};
use crate::common::*;
use serde_json::Value;
use wabox::sim::customers::{SimCustomer, text as sim_text};
use wabox::sim::{SimNumber, SimOptions, Simulator};

const COEX_PNID: &str = "301000000000001";
const COEX_WABA: &str = "401000000000001";
const COEX_TOKEN: &str = "EAA-TEST-TOKEN-acme-coexistence-Kq3Zp";
const DED_PNID: &str = "301000000000002";
const DED_WABA: &str = "401000000000002";
const DED_TOKEN: &str = "EAA-TEST-TOKEN-globex-dedicated-Vb7Wn";

async fn simulator() -> std::sync::Arc<Simulator> {
    let numbers = vec![
        SimNumber {
            phone_number_id: COEX_PNID.into(),
            waba_id: COEX_WABA.into(),
            display_phone: "5215500000001".into(),
            token: COEX_TOKEN.into(),
            coexistence: true,
            verified_name: "Acme Tacos".into(),
        },
        SimNumber {
            phone_number_id: DED_PNID.into(),
            waba_id: DED_WABA.into(),
            display_phone: "15550000002".into(),
            token: DED_TOKEN.into(),
            coexistence: false,
            verified_name: "Globex".into(),
        },
    ];
    let mut options = SimOptions::new(APP_SECRET, numbers);
    options.history_pause = std::time::Duration::from_millis(30);
    Simulator::start(options, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A `wabox connect meta --json` running: its first event (the link) read, the rest collected.
fn start_meta(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut all = vec!["connect", "meta", "--timeout", "30s"];
    if !args.contains(&"--history-wait") {
        all.extend_from_slice(&["--history-wait", "0s"]);
    }
    all.extend_from_slice(args);
    browser::start(home, &all, env)
}

async fn callback_of(url: &str) -> String {
    browser::callback_of(url, "/oauth/callback").await
}

fn numbers(home: &Home) -> Vec<Value> {
    home.json(&["numbers", "list"]).as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenants_through_one_master_app_keep_their_own_tokens_numbers_and_conversations() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    let engine = home.start_engine();
    sim.set_webhook(&engine.url());

    // Acme keeps its number on the WhatsApp Business app: one number, nothing to pick; its
    // history is imported afterwards, with its progress shown.
    let acme = start_meta(
        &home,
        &[
            "--tenant",
            "Acme",
            "--queue",
            "Ventas",
            "--history-wait",
            "30s",
        ],
        &[],
    );
    let url = acme.link["signup"]["url"].as_str().unwrap().to_string();
    for part in [
        "client_id=100000000000042",
        "config_id=555000111",
        "response_type=code",
        "whatsapp_business_app_onboarding",
        "%2Foauth%2Fcallback",
    ] {
        assert!(url.contains(part), "{part} in {url}");
    }
    let (status, page) = open(&acme.short_url()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("is connected to wabox"), "{page}");
    let (ok, events, err) = acme.end();
    assert!(ok, "{err}");
    let connected = event(&events, "connected");
    assert_eq!(connected["number"]["number"]["tenant"], "Acme");
    assert_eq!(connected["number"]["queue"], "Ventas");
    assert_eq!(connected["number"]["number"]["connection"], "coexistence");
    assert!(event(&events, "history_sync")["requests"][1]["request_id"].is_string());
    let progress: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "history_progress")
        .collect();
    let last = progress.last().expect("progress shown");
    assert_eq!(last["percent"], 100, "{progress:?}");
    // Five texts and a photo: its placeholder in the thread, filled by the file's own post.
    assert_eq!(last["progress"]["messages"], 6, "{last}");
    assert_eq!(last["progress"]["media"]["total"], 1, "{last}");

    // Globex, a dedicated number: registered with its PIN (given through WABOX_PIN).
    sim.set_pin(DED_PNID, "482913");
    let globex = start_meta(
        &home,
        &["--tenant", "Globex", "--dedicated"],
        &[("WABOX_PIN", "000000")],
    );
    let (status, page) = open(&globex.short_url()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Go back to the terminal"), "{page}");
    let id = globex.link["signup"]["id"].as_i64().unwrap();
    let (ok, _, err) = globex.end();
    assert!(!ok, "a wrong PIN fails");
    assert!(
        err.contains("133005") && err.contains("connect finish"),
        "{err}"
    );
    assert!(sim.registered().is_empty());
    // The signup waits: the right PIN connects it.
    let out = home.finish(home.spawn(
        &["connect", "finish", &id.to_string(), "--json"],
        &[("WABOX_PIN", "482913")],
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sim.registered(), [DED_PNID]);

    let all = numbers(&home);
    assert_eq!(all.len(), 2);
    let tenant_of = |pnid: &str| {
        all.iter()
            .find(|n| n["phone_number_id"] == pnid)
            .map(|n| n["tenant"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(tenant_of(COEX_PNID), "Acme");
    assert_eq!(tenant_of(DED_PNID), "Globex");
    for n in &all {
        assert_eq!(n["connected_via"], "meta");
        assert!(unix(&n["token_expires_at"]) > now());
    }
    assert!(sim.subscribed().contains(&COEX_WABA.to_string()));
    assert!(sim.subscribed().contains(&DED_WABA.to_string()));

    // A customer writes to each; each tenant's admin sees only their own.
    home.ok(&[
        "agents", "add", "gina", "--role", "admin", "--tenant", "Globex",
    ]);
    let ana = SimCustomer::new("Ana", Some("5215511110000"), None);
    let bob = SimCustomer::new("Bob", Some("15551110000"), None);
    sim.customer_message(COEX_PNID, &ana, sim_text(&sim, "hola acme", 5))
        .await
        .unwrap();
    sim.customer_message(DED_PNID, &bob, sim_text(&sim, "hi globex", 5))
        .await
        .unwrap();
    home.wait_processed();
    let seen = home.json(&["--as", "gina", "conversations"]);
    let seen = seen.as_array().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["display_phone"], "+15550000002");
    let gina_numbers = home.json(&["--as", "gina", "numbers", "list"]);
    assert_eq!(gina_numbers.as_array().unwrap().len(), 1);

    // Each number sends with its own token (the simulator checks it per number).
    let conversations = home.conversations();
    for customer in ["5215511110000", "15551110000"] {
        let id = conversation_of(&conversations, customer)["id"]
            .as_i64()
            .unwrap()
            .to_string();
        home.ok(&["send", "--conversation", &id, "--text", "gracias", "--wait"]);
    }
    assert_eq!(sim.sent().len(), 2);
    assert!(sim.refused().is_empty(), "{:?}", sim.refused());

    let printed = home.everything_printed();
    for token in [COEX_TOKEN, DED_TOKEN, APP_SECRET, "482913"] {
        assert!(!printed.contains(token), "{token} was printed or logged");
    }
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_reused_expired_or_cancelled_callback_attaches_nothing() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    let engine = home.start_engine();
    let base = format!("http://{}", engine.addr);

    // Forged: a state this engine never handed out.
    let (status, page) = open(&format!("{base}/oauth/callback?code=AQx&state=forged")).await;
    assert_eq!(status, 400);
    assert!(page.contains("not started here"), "{page}");

    // The business cancels in Meta's dialog: the command says so and fails.
    sim.deny_next_signup();
    let cancelled = start_meta(&home, &["--tenant", "Acme"], &[]);
    let (status, page) = open(&cancelled.short_url()).await;
    assert_eq!(status, 400);
    assert!(page.contains("cancelled the Facebook login"), "{page}");
    let (ok, events, err) = cancelled.end();
    assert!(!ok);
    assert!(err.contains("cancelled the Facebook login"), "{err}");
    assert_eq!(
        event(&events, "failed")["signup"]["error_code"],
        "user_denied"
    );

    // Reused: the same callback twice; the second is refused and changes nothing.
    let reused = start_meta(&home, &["--tenant", "Acme"], &[]);
    let callback = callback_of(&reused.short_url()).await;
    assert_eq!(open(&callback).await.0, 200);
    let (status, page) = open(&callback).await;
    assert_eq!(status, 400);
    assert!(page.contains("already used"), "{page}");
    assert!(reused.end().0);
    assert_eq!(numbers(&home).len(), 1);
    // The short link of a finished signup no longer leads anywhere.
    let (status, _) = open(&format!("{base}/c/{}", "nonexistent00")).await;
    assert_eq!(status, 400);

    // Expired: a signup whose time has passed refuses its callback.
    let late = start_meta(&home, &["--tenant", "Globex", "--dedicated"], &[]);
    let id = late.link["signup"]["id"].as_i64().unwrap();
    let callback = callback_of(&late.short_url()).await;
    {
        let db = home.open_store();
        db.execute("UPDATE signups SET expires_at = 1 WHERE id = ?1", [id])
            .unwrap();
    }
    let (status, page) = open(&callback).await;
    assert_eq!(status, 400);
    assert!(page.contains("expired"), "{page}");
    let (ok, _, err) = late.end();
    assert!(!ok);
    assert!(err.contains("expired"), "{err}");
    assert_eq!(numbers(&home).len(), 1, "nothing attached");
    let status = home.json(&["connect", "status", &id.to_string()]);
    assert_eq!(status["status"], "expired");

    // Revoked: its link is dead at once.
    let revoked = start_meta(&home, &["--tenant", "Globex", "--dedicated"], &[]);
    let id = revoked.link["signup"]["id"].as_i64().unwrap();
    let short = revoked.short_url();
    home.ok(&["connect", "revoke", &id.to_string()]);
    let (status, page) = open(&short).await;
    assert_eq!(status, 400, "{page}");
    let (ok, _, err) = revoked.end();
    assert!(!ok && err.contains("revoked"), "{err}");
    assert_eq!(numbers(&home).len(), 1);

    let audit = home.ok(&["audit"]);
    assert!(
        audit.contains("signup") && audit.contains("revoked"),
        "{audit}"
    );
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_says_what_to_enter_in_meta_and_tests_the_handshake() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    let engine = home.start_engine();
    let d = home.json(&["connect", "dashboard", "--test"]);
    assert_eq!(d["callback_url"], format!("http://{}/webhook", engine.addr));
    assert_eq!(
        d["oauth_redirect_uri"],
        format!("http://{}/oauth/callback", engine.addr)
    );
    assert_eq!(d["handshake"]["ok"], true, "{d}");
    assert!(d["verify_token"].is_null(), "hidden unless revealed");
    assert_eq!(d["public_url_is_loopback"], true);
    let shown = home.json(&["connect", "dashboard", "--reveal"]);
    assert_eq!(shown["verify_token"], VERIFY_TOKEN);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_checks_each_number_with_meta_and_warns_before_its_token_expires() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    let engine = home.start_engine();
    let acme = start_meta(&home, &["--tenant", "Acme", "--queue", "Ventas"], &[]);
    assert_eq!(open(&acme.short_url()).await.0, 200);
    assert!(acme.end().0);

    let checks = |report: &Value| -> Vec<(String, String)> {
        report["numbers"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["what"].as_str().unwrap().to_string(),
                    c["level"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let level = |report: &Value, what: &str| {
        checks(report)
            .into_iter()
            .find(|(w, _)| w == what)
            .map(|(_, l)| l)
            .unwrap()
    };
    let out = home.run(&["doctor", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for what in [
        "token",
        "subscription",
        "status",
        "quality",
        "coexistence",
        "templates",
        "queue",
    ] {
        assert_eq!(level(&report, what), "ok", "{what}: {report}");
    }
    assert_eq!(out.status.code(), Some(0), "{report}");

    // Three days left on the token: a warning with the way to re-authorize, exit 3, and the
    // expiry stored for the inbox.
    let soon = now() + 3 * 86_400;
    sim.set_token_expiry(COEX_TOKEN, soon);
    let out = home.run(&["doctor"]);
    assert_eq!(out.status.code(), Some(3));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("WARN token        expires in 3 days"),
        "{said}"
    );
    assert!(said.contains("connect meta --tenant \"Acme\""), "{said}");
    assert_eq!(unix(&numbers(&home)[0]["token_expires_at"]), soon);

    // Expired: a failure.
    sim.set_token_expiry(COEX_TOKEN, now() - 10);
    let report: Value = serde_json::from_slice(&home.run(&["doctor", "--json"]).stdout).unwrap();
    assert_eq!(level(&report, "token"), "fail", "{report}");
    assert!(!home.everything_printed().contains(COEX_TOKEN));
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_authorizing_keeps_the_number_and_its_conversations_and_another_tenant_cannot_take_it() {
    let sim = simulator().await;
    let home = Home::with_graph(&sim.base_url());
    let engine = home.start_engine();
    sim.set_webhook(&engine.url());
    let first = start_meta(&home, &["--tenant", "Acme"], &[]);
    assert_eq!(open(&first.short_url()).await.0, 200);
    assert!(first.end().0);
    let ana = SimCustomer::new("Ana", Some("5215511110000"), None);
    sim.customer_message(COEX_PNID, &ana, sim_text(&sim, "hola", 5))
        .await
        .unwrap();
    home.wait_processed();
    let before = numbers(&home);

    // The token nears its end; the business logs in again through the same path.
    sim.set_token_expiry(COEX_TOKEN, now() + 86_400);
    sim.reauthorize_next(COEX_WABA);
    let again = start_meta(&home, &["--tenant", "Acme"], &[]);
    assert_eq!(open(&again.short_url()).await.0, 200);
    let (ok, events, err) = again.end();
    assert!(ok, "{err}");
    assert_eq!(event(&events, "connected")["number"]["renewed"], true);
    let after = numbers(&home);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["id"], before[0]["id"]);
    assert!(after[0]["conversations"].as_i64() >= before[0]["conversations"].as_i64());
    conversation_of(&home.conversations(), "5215511110000");
    assert!(unix(&after[0]["token_expires_at"]) > now() + 30 * 86_400);

    // Another tenant logging in with Acme's account attaches nothing.
    sim.reauthorize_next(COEX_WABA);
    let thief = start_meta(&home, &["--tenant", "Globex"], &[]);
    let (status, page) = open(&thief.short_url()).await;
    assert_eq!(status, 400);
    assert!(page.contains("belongs to another tenant"), "{page}");
    let (ok, _, err) = thief.end();
    assert!(!ok && err.contains("another tenant"), "{err}");
    let after = numbers(&home);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["tenant"], "Acme");
    drop(engine);
}

/// An RFC 3339 time of `--json` output in unix seconds.
fn unix(v: &Value) -> i64 {
    wabox::domain::time::parse_rfc3339(v.as_str().unwrap_or_else(|| panic!("no time: {v}")))
        .unwrap_or_else(|| panic!("not RFC 3339: {v}"))
}
