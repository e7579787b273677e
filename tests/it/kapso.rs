//! Kapso setup links through the real binary: `wabox connect kapso` prints a link, the test
//! opens it like the business's browser (the simulated Kapso's page connects a number on the
//! simulated Cloud API and redirects to the engine's /kapso/success), and the number ends stored
//! with its tenant, reached through Kapso's Meta proxy with the API key. A failure redirect
//! explains itself; a forged, reused or tampered callback attaches nothing; regenerating revokes
//! the old link at Kapso; a wrong key is a clear error; the key is never printed or logged.

use crate::common::browser::{self, Running, event, open};
use crate::common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wabox::sim::customers::{SimCustomer, text as sim_text};
use wabox::sim::{SimOptions, Simulator};

/// Shaped so that a leak is easy to find and no secret scanner takes it for a real key.
const KEY: &str = "kapso-test-key-Qw7Zr2xP";
const HOOK_SECRET: &str = "kapso-hook-secret-Lm4Tq8";

async fn simulator() -> Arc<Simulator> {
    let mut options = SimOptions::new(APP_SECRET, vec![]);
    options.kapso_api_key = KEY.into();
    options.status_delay_ms = (5, 30);
    Simulator::start(options, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A home whose engine talks to the simulated Cloud API and the simulated Kapso with `key`.
fn home(sim: &Simulator, key: &str) -> Home {
    let home = Home::with_graph(&sim.base_url());
    let mut config = std::fs::read_to_string(&home.config).unwrap();
    config.push_str(&format!(
        "\n[kapso]\napi_key = \"{key}\"\nbase_url = \"{base}/platform/v1\"\n\
         meta_base_url = \"{base}/meta/whatsapp\"\nwebhook_secret = \"{HOOK_SECRET}\"\n",
        base = sim.base_url()
    ));
    std::fs::write(&home.config, config).unwrap();
    home
}

fn start_kapso(home: &Home, args: &[&str]) -> Running {
    let mut all = vec!["connect", "kapso", "--timeout", "30s"];
    all.extend_from_slice(args);
    browser::start(home, &all, &[])
}

async fn callback_of(url: &str) -> String {
    browser::callback_of(url, "/kapso/").await
}

fn param(url: &str, key: &str) -> String {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn with_param(url: &str, key: &str, value: &str) -> String {
    let mut u = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == key {
                value.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

fn numbers(home: &Home) -> Vec<Value> {
    home.json(&["numbers", "list"]).as_array().unwrap().clone()
}

/// The secrets of a test, none of which may appear in anything printed or logged.
fn assert_never_printed(home: &Home, sim: &Simulator) {
    let printed = home.everything_printed();
    let mut secrets = vec![KEY.to_string(), HOOK_SECRET.to_string()];
    secrets.extend(sim.kapso_numbers().iter().map(|n| {
        sim.all_numbers()
            .into_iter()
            .find(|s| s.phone_number_id == n.phone_number_id)
            .unwrap()
            .token
    }));
    for secret in secrets {
        assert!(!printed.contains(&secret), "{secret} was printed or logged");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kapso_link_connects_a_number_that_sends_and_receives_through_kapso_for_its_tenant_only()
{
    let sim = simulator().await;
    let home = home(&sim, KEY);
    let engine = home.start_engine();
    sim.set_webhook(&engine.url());

    // Acme keeps its number on the WhatsApp Business app; the page is in Spanish, in its colour.
    let acme = start_kapso(
        &home,
        &[
            "--tenant",
            "Acme",
            "--queue",
            "Ventas",
            "--language",
            "es",
            "--color",
            "#10B981",
            "--coexistence",
        ],
    );
    let url = acme.link["signup"]["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/whatsapp/setup/", sim.base_url())),
        "{url}"
    );
    assert_eq!(acme.link["signup"]["path"], "kapso");
    let made = &sim.kapso_links()[0];
    assert_eq!(made.language, "es");
    assert_eq!(made.primary_color.as_deref(), Some("#10b981"));
    assert_eq!(made.allowed_connection_types, ["coexistence"]);
    for (redirect, path) in [
        (&made.success_redirect_url, "/kapso/success?state="),
        (&made.failure_redirect_url, "/kapso/failed?state="),
    ] {
        assert!(
            redirect.starts_with(&format!("http://{}{path}", engine.addr)),
            "{redirect}"
        );
    }
    let (status, page) = open(&acme.short_url()).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("connected to wabox through Kapso"), "{page}");
    let (ok, events, err) = acme.end();
    assert!(ok, "{err}");
    let report = &event(&events, "connected")["number"];
    assert_eq!(report["number"]["tenant"], "Acme");
    assert_eq!(report["queue"], "Ventas");
    assert_eq!(report["number"]["connection"], "coexistence");
    assert!(report["templates"].as_u64().unwrap() > 0, "{report}");

    // Globex asks Kapso for a new Mexican number (dedicated).
    let globex = start_kapso(
        &home,
        &[
            "--tenant",
            "Globex",
            "--provision-number",
            "--country",
            "MX",
        ],
    );
    assert_eq!(open(&globex.short_url()).await.0, 200);
    let (ok, _, err) = globex.end();
    assert!(ok, "{err}");
    let made = &sim.kapso_links()[1];
    assert!(made.provision_phone_number);
    assert_eq!(made.phone_number_country_isos, ["MX"]);
    assert_eq!(made.allowed_connection_types, ["coexistence", "dedicated"]);

    let all = numbers(&home);
    assert_eq!(all.len(), 2);
    let kapso = sim.kapso_numbers();
    let pnid_of = |tenant: &str| {
        all.iter()
            .find(|n| n["tenant"] == tenant)
            .map(|n| n["phone_number_id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let (acme_pnid, globex_pnid) = (pnid_of("Acme"), pnid_of("Globex"));
    for n in &all {
        assert_eq!(n["connected_via"], "kapso");
        assert!(
            kapso
                .iter()
                .any(|k| k.phone_number_id == n["phone_number_id"])
        );
    }
    let globex_number = all.iter().find(|n| n["tenant"] == "Globex").unwrap();
    assert_eq!(globex_number["connection"], "dedicated");
    assert!(
        globex_number["display_phone"]
            .as_str()
            .unwrap()
            .starts_with("+52")
    );
    // Templates were synced through the proxy, with the key and no Meta token.
    let proxied = sim.kapso_proxied();
    assert!(
        proxied
            .iter()
            .any(|(m, p)| m == "GET" && p.ends_with("/message_templates")),
        "{proxied:?}"
    );

    // Customers write to each; Kapso forwards Meta's webhooks, signed with the Kapso secret;
    // each tenant's admin sees only their own.
    home.ok(&[
        "agents", "add", "alba", "--role", "admin", "--tenant", "Acme",
    ]);
    home.ok(&[
        "agents", "add", "gina", "--role", "admin", "--tenant", "Globex",
    ]);
    let ana = SimCustomer::new("Ana", Some("5215511110000"), None);
    let bob = SimCustomer::new("Bob", Some("15551110000"), None);
    sim.customer_message(&acme_pnid, &ana, sim_text(&sim, "hola acme", 5))
        .await
        .unwrap();
    sim.customer_message(&globex_pnid, &bob, sim_text(&sim, "hi globex", 5))
        .await
        .unwrap();
    home.wait_processed();
    assert!(sim.kapso_forwarded() >= 2);
    for (agent, customer) in [("alba", "5215511110000"), ("gina", "15551110000")] {
        let seen = home.json(&["--as", agent, "conversations"]);
        let seen = seen.as_array().unwrap();
        assert_eq!(seen.len(), 1, "{agent}: {seen:?}");
        assert_eq!(seen[0]["contact"]["wa_id"], customer);
    }

    // A reply goes out through Kapso's proxy and reaches the simulated Cloud API.
    let conversation = conversation_of(&home.conversations(), "5215511110000")["id"]
        .as_i64()
        .unwrap()
        .to_string();
    home.ok(&[
        "send",
        "--conversation",
        &conversation,
        "--text",
        "gracias",
        "--wait",
    ]);
    let sent = sim.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].phone_number_id, acme_pnid);
    assert_eq!(sent[0].text, "gracias");
    assert!(
        sim.kapso_proxied()
            .iter()
            .any(|(m, p)| m == "POST" && *p == format!("v24.0/{acme_pnid}/messages"))
    );
    assert!(sim.refused().is_empty(), "{:?}", sim.refused());

    // A customer's photo is fetched through the proxy and Kapso's signed download link.
    use base64::Engine as _;
    use sha2::Digest;
    let photo = b"\xff\xd8\xff\xe0 a photo through kapso".to_vec();
    sim.media_put("7001", photo.clone(), "image/jpeg");
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&photo));
    let image = wabox::sim::customers::message(
        &sim,
        "image",
        serde_json::json!({"id": "7001", "mime_type": "image/jpeg", "sha256": sha}),
        3,
    );
    sim.customer_message(&acme_pnid, &ana, image).await.unwrap();
    home.wait_processed();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let img = home
            .all_messages()
            .into_iter()
            .find(|m| m["type"] == "image")
            .unwrap();
        if img["media"]["state"] == "downloaded" {
            assert_eq!(img["media"]["bytes"], photo.len());
            break;
        }
        assert!(Instant::now() < deadline, "{img:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The doctor checks the Kapso numbers without asking Meta about a token they do not have.
    let out = home.run(&["doctor", "--json"]);
    let doctor: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{doctor:#}");
    for n in doctor["numbers"].as_array().unwrap() {
        let token = n["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["what"] == "token")
            .unwrap();
        assert!(token["detail"].as_str().unwrap().contains("Kapso"), "{n}");
    }
    let asked = sim.debug_token_inputs();
    for n in sim.all_numbers() {
        assert!(
            !asked.contains(&n.token),
            "debug_token asked about a Kapso number"
        );
    }
    assert!(
        !asked.iter().any(|t| t.contains("kapso")),
        "the Kapso marker went to Meta: {asked:?}"
    );
    assert_never_printed(&home, &sim);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_redirect_explains_itself_and_attaches_nothing() {
    let sim = simulator().await;
    let home = home(&sim, KEY);
    let engine = home.start_engine();
    sim.kapso_fail_next("phone_verification_failed");
    let failing = start_kapso(&home, &["--tenant", "Acme"]);
    let id = failing.id();
    let (status, page) = open(&failing.short_url()).await;
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("Meta could not verify the phone number"),
        "{page}"
    );
    let (ok, events, err) = failing.end();
    assert!(!ok, "a failure exits non-zero");
    assert!(
        err.contains("Meta could not verify the phone number")
            && err.contains(&format!("signup {id} failed")),
        "{err}"
    );
    let failed = &event(&events, "failed")["signup"];
    assert_eq!(failed["error_code"], "phone_verification_failed");
    assert_eq!(failed["status"], "failed");
    assert!(numbers(&home).is_empty());
    let status = home.json(&["connect", "status", &id.to_string()]);
    assert!(
        status["error"]
            .as_str()
            .unwrap()
            .contains("Meta could not verify"),
        "{status}"
    );

    // An admin whose inbox speaks Spanish reads Kapso's code in Spanish, with the signup to
    // regenerate named; the engine keeps the English words, naming it too.
    let mut config = std::fs::read_to_string(&home.config).unwrap();
    config.push_str("\n[ui]\nlanguage = \"es\"\n");
    std::fs::write(&home.config, config).unwrap();
    sim.kapso_fail_next("facebook_auth_failed");
    let failing = start_kapso(&home, &["--tenant", "Acme"]);
    let id = failing.id();
    assert_eq!(open(&failing.short_url()).await.0, 400);
    let (ok, _, err) = failing.end();
    assert!(!ok);
    assert!(
        err.contains("La empresa no terminó de iniciar sesión con Facebook")
            && err.contains(&format!("wabox connect regenerate {id}")),
        "{err}"
    );
    let status = home.json(&["connect", "status", &id.to_string()]);
    let stored = status["error"].as_str().unwrap();
    assert!(
        stored.starts_with("The business did not finish logging in")
            && stored.contains(&format!("regenerate {id}")),
        "{stored}"
    );
    assert!(numbers(&home).is_empty());
    assert_never_printed(&home, &sim);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_reused_or_tampered_callback_attaches_nothing() {
    let sim = simulator().await;
    let home = home(&sim, KEY);
    let engine = home.start_engine();
    let base = format!("http://{}", engine.addr);

    // Forged: a state this engine never handed out.
    let (status, page) = open(&format!(
        "{base}/kapso/success?state=forged&status=completed&phone_number_id=500000000000001&business_account_id=600000000000001"
    ))
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("not started here"), "{page}");

    // Reused: the same success callback twice; the second is refused and changes nothing.
    let acme = start_kapso(&home, &["--tenant", "Acme"]);
    let callback = callback_of(&acme.short_url()).await;
    assert!(callback.contains("/kapso/success"), "{callback}");
    assert_eq!(open(&callback).await.0, 200);
    let (status, page) = open(&callback).await;
    assert_eq!(status, 400);
    assert!(page.contains("already used"), "{page}");
    assert!(acme.end().0);
    assert_eq!(numbers(&home).len(), 1);
    let acme_pnid = param(&callback, "phone_number_id");

    // Tampered: Globex's own live callback, pointed at Acme's number: Kapso does not list that
    // number for Globex's customer, so nothing is attached and Acme keeps it.
    let globex = start_kapso(&home, &["--tenant", "Globex"]);
    let theirs = callback_of(&globex.short_url()).await;
    let (status, page) = open(&with_param(&theirs, "phone_number_id", &acme_pnid)).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("Kapso does not list"), "{page}");
    let (ok, _, err) = globex.end();
    assert!(!ok && err.contains("Kapso does not list"), "{err}");
    let all = numbers(&home);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["tenant"], "Acme");
    // Nor does its state work a second time with the honest number.
    assert_eq!(open(&theirs).await.0, 400);
    assert_eq!(numbers(&home).len(), 1);
    assert_never_printed(&home, &sim);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regenerating_revokes_the_old_link_at_kapso_and_only_the_new_one_connects() {
    let sim = simulator().await;
    let home = home(&sim, KEY);
    let engine = home.start_engine();
    let first = start_kapso(&home, &["--tenant", "Acme", "--dedicated"]);
    let old_id = first.id();
    let old_url = first.link["signup"]["url"].as_str().unwrap().to_string();
    let old_short = first.short_url();
    let again = home.json(&["connect", "regenerate", &old_id.to_string()]);
    let new_id = again["id"].as_i64().unwrap();
    let new_url = again["url"].as_str().unwrap().to_string();
    assert_ne!(new_id, old_id);
    assert_ne!(new_url, old_url);
    // The command waiting on the old signup learns it was revoked.
    let (ok, _, err) = first.end();
    assert!(!ok && err.contains("revoked"), "{err}");
    let links = sim.kapso_links();
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].status, "revoked", "revoked at Kapso too");
    assert_eq!(links[1].status, "active");
    assert_eq!(links[1].allowed_connection_types, ["dedicated"]);

    // The old link leads nowhere: Kapso sends the browser to the failure URL with the old
    // state, which the engine refuses; the old short link is dead.
    let (status, page) = open(&old_url).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("cancelled in wabox"), "{page}");
    assert_eq!(open(&old_short).await.0, 400);
    assert!(numbers(&home).is_empty());
    assert!(sim.kapso_numbers().is_empty());

    // The new one connects.
    let (status, page) = open(&new_url).await;
    assert_eq!(status, 200, "{page}");
    let status = home.json(&["connect", "status", &new_id.to_string()]);
    assert_eq!(status["status"], "connected", "{status}");
    assert_eq!(status["number"]["connection"], "dedicated");
    assert_eq!(numbers(&home).len(), 1);

    // Revoking a waiting link revokes it at Kapso as well.
    let third = home.json(&["connect", "regenerate", &new_id.to_string()]);
    let third_id = third["id"].as_i64().unwrap().to_string();
    home.ok(&["connect", "revoke", &third_id]);
    assert_eq!(sim.kapso_links()[2].status, "revoked");
    let audit = home.ok(&["audit"]);
    assert!(
        audit.contains(&format!("signup {third_id} revoked")),
        "{audit}"
    );
    assert_never_printed(&home, &sim);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_api_key_is_a_clear_error_that_never_shows_the_key() {
    let sim = simulator().await;
    let wrong = "kapso-wrong-key-Zt5Vb9";
    let home = home(&sim, wrong);
    let engine = home.start_engine();
    let out = home.run(&["connect", "kapso", "--tenant", "Acme", "--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Kapso refused the API key") && err.contains("[kapso] api_key"),
        "{err}"
    );
    assert!(sim.kapso_links().is_empty());
    assert!(
        home.json(&["connect", "signups"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let printed = home.everything_printed();
    assert!(!printed.contains(wrong), "the key was printed or logged");
    assert!(!printed.contains(KEY));
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kapsos_forwarded_webhooks_are_stored_only_with_the_kapso_secrets_signature() {
    let sim = simulator().await;
    let home = home(&sim, KEY);
    let engine = home.start_engine();
    let url = format!("http://{}/kapso/webhook", engine.addr);
    let body = fixture("01_inbound_text.json");
    let post = |signature: Option<String>| {
        let mut req = engine
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(s) = signature {
            req = req.header("x-webhook-signature", s);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post(None).await, 401);
    assert_eq!(
        post(Some(sign(&body))).await,
        401,
        "Meta's signature is not Kapso's"
    );
    let forged = wabox::webhook::signature::sign_kapso(b"not-the-secret", &body);
    assert_eq!(post(Some(forged)).await, 401);
    assert!(home.journal("--all").is_empty());
    let signed = wabox::webhook::signature::sign_kapso(HOOK_SECRET.as_bytes(), &body);
    assert_eq!(post(Some(signed)).await, 200);
    let journal = home.json(&["journal", "--all"]);
    assert_eq!(journal.as_array().unwrap().len(), 1, "{journal}");
    assert_never_printed(&home, &sim);
    drop(engine);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_connects_through_kapso_and_its_doctor_is_clean() {
    let home = Home::new();
    let mut demo = home.spawn(&["demo", "--headless", "--traffic", "0"], &[]);
    let mut out = BufReader::new(demo.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("Press Ctrl-C") {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the demo stopped: {seen}"
        );
        seen.push_str(&line);
    }
    assert!(seen.contains("connect kapso"), "{seen}");
    std::thread::spawn(move || for _ in out.lines() {});

    // The demo's own numbers are subscribed on the simulator: the doctor finds nothing wrong.
    let report = home.run(&["doctor", "--json"]);
    let doctor: Value = serde_json::from_slice(&report.stdout).unwrap();
    let bad: Vec<&Value> = doctor["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["checks"].as_array().unwrap())
        .filter(|c| c["level"] != "ok")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert_eq!(report.status.code(), Some(0));

    let panaderia = start_kapso(&home, &["--tenant", "Panadería Sol"]);
    let (status, page) = open(&panaderia.short_url()).await;
    assert_eq!(status, 200, "{page}");
    let (ok, events, err) = panaderia.end();
    assert!(ok, "{err}");
    assert_eq!(
        event(&events, "connected")["number"]["number"]["connected_via"],
        "kapso"
    );

    let pid = nix::unistd::Pid::from_raw(demo.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(10);
    while demo.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = demo.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
