//! Sequences end to end: sequence files in the config dir, the real engine with a clock the test
//! moves (the simulator's moves with it), customers writing through signed webhooks, and what the
//! simulated Cloud API received.

use crate::common::world::{World, customer};
use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant};
use wabox::sim::customers::text as sim_text;

/// The seed's example: welcome, pause 2 hours, a question, a reply containing "precio" jumps to
/// the price message.
const BIENVENIDA: &str = r#"
name = "Bienvenida"
tenant = "Acme"

[trigger]
first_message = true

[[step]]
id = "welcome"
text = "¡Hola {first_name|}! Gracias por escribir a Acme."

[[step]]
wait = "2h"

[[step]]
id = "question"
text = "¿Qué te interesa: precio o envíos?"

[[step]]
wait_reply = "1d"
on_timeout = "stop"

[[step]]
branch = [{ any = ["precio", "cuánto cuesta"], goto = "price" }]
else = "human"

[[step]]
id = "price"
text = "La caja cuesta 120 Bs."
[[step]]
stop = true

[[step]]
id = "human"
assign = { queue = "Ventas" }
"#;

async fn sequences_world(files: &[(&str, &str)], config_toml: &str) -> World {
    sequences_world_tuned(files, config_toml, |_| {}).await
}

async fn sequences_world_tuned(
    files: &[(&str, &str)],
    config_toml: &str,
    tune: impl FnOnce(&mut wabox::sim::SimOptions),
) -> World {
    crate::common::world::world_started(
        tune,
        config_toml,
        |home| {
            let dir = home.dir.path().join("sequences");
            std::fs::create_dir_all(&dir).unwrap();
            for (name, text) in files {
                std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
            }
        },
        &[("WABOX_MOVABLE_CLOCK", "1")],
    )
    .await
}

/// Moves the engine's and the simulator's clocks together.
fn advance(w: &World, seconds: i64) {
    w.home.ok(&["clock", "advance", &format!("{seconds}s")]);
    w.sim.advance_clock(seconds);
}

/// What the simulated Cloud API accepted for this customer, in order: text bodies, or
/// `template:NAME` (as the simulator records them).
fn received(w: &World, wa_id: &str) -> Vec<String> {
    w.sim
        .sent()
        .into_iter()
        .filter(|s| s.to == wa_id)
        .map(|s| s.text)
        .collect()
}

/// Waits until the customer has received `n` messages (and gives the engine a moment more, so
/// a duplicate would show), or fails with what did arrive.
fn wait_received(w: &World, wa_id: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = received(w, wa_id);
        if got.len() >= n {
            std::thread::sleep(Duration::from_millis(300));
            return received(w, wa_id);
        }
        assert!(
            Instant::now() < deadline,
            "{wa_id} received {got:?}, expected {n} messages"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn enrollments(w: &World, conversation: i64) -> Vec<Value> {
    w.home
        .json(&[
            "sequences",
            "status",
            "--conversation",
            &conversation.to_string(),
            "--all",
        ])
        .as_array()
        .unwrap()
        .clone()
}

/// Waits until the conversation's only enrollment is in `state`.
fn wait_state(w: &World, conversation: i64, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = enrollments(w, conversation);
        if let Some(e) = all.iter().find(|e| e["state"] == state) {
            return e.clone();
        }
        assert!(
            Instant::now() < deadline,
            "conversation {conversation}: no enrollment became {state}: {all:#?}"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// Waits until the enrollment's log has `n` entries starting with `prefix`.
fn wait_log(w: &World, id: &str, prefix: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let e = w.home.json(&["sequences", "show", id]);
        let count = e["log"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["what"].as_str().unwrap().starts_with(prefix))
            .count();
        if count >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{prefix} {count} times: {e:#}");
        std::thread::sleep(Duration::from_millis(30));
    }
}

async fn writes(w: &World, who: &wabox::sim::customers::SimCustomer, body: &str) {
    w.sim
        .customer_message(PNID, who, sim_text(&w.sim, body, 0))
        .await
        .unwrap();
    w.home.wait_processed();
}

fn no_window_errors(w: &World) {
    assert!(
        w.sim.refused().iter().all(|(_, code)| *code != 131047),
        "a sequence met a closed window: {:?}",
        w.sim.refused()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_example_welcomes_waits_asks_and_answers_the_price() {
    let w = sequences_world(&[("bienvenida", BIENVENIDA)], "").await;
    let ana = customer(1);
    let conversation = w.customer_writes(&ana, 0).await;
    let wa = ana.wa_id.clone().unwrap();

    let got = wait_received(&w, &wa, 1);
    assert_eq!(got, ["¡Hola Customer! Gracias por escribir a Acme."]);
    let e = wait_state(&w, conversation, "active");
    assert_eq!(e["step_name"], "step 2");
    assert_eq!(e["enrolled_by"], "first message");

    // An hour later nothing more; two hours after the welcome, the question.
    advance(&w, 3_600);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(received(&w, &wa).len(), 1);
    advance(&w, 3_600);
    let got = wait_received(&w, &wa, 2);
    assert_eq!(got[1], "¿Qué te interesa: precio o envíos?");
    wait_state(&w, conversation, "waiting_reply");

    writes(&w, &ana, "Hola, ¿y el PRECIÓ de la caja?").await;
    let got = wait_received(&w, &wa, 3);
    assert_eq!(
        got,
        [
            "¡Hola Customer! Gracias por escribir a Acme.",
            "¿Qué te interesa: precio o envíos?",
            "La caja cuesta 120 Bs."
        ]
    );
    let done = wait_state(&w, conversation, "stopped");
    assert!(done["reason"].as_str().unwrap().contains("stopped at"));
    let log = w.home.json(&["sequences", "show", &done["id"].to_string()]);
    let what: Vec<&str> = log["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        what.iter().filter(|w| w.starts_with("sent a text")).count(),
        3,
        "{what:?}"
    );
    // The messages show as the sequence's in the conversation.
    let ours: Vec<Value> = w
        .home
        .messages(conversation)
        .into_iter()
        .filter(|m| m["direction"] == "out")
        .collect();
    assert_eq!(ours.len(), 3);
    assert!(ours.iter().all(|m| m["origin"] == "sequence"));
    no_window_errors(&w);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_closing_in_the_middle_sends_the_fallback_template_or_pauses() {
    let file = r#"
tenant = "Acme"
[trigger]
keyword = { any = ["hola"], match = "exact" }
[[step]]
text = "Hola, te escribimos mañana."
[[step]]
wait = "25h"
[[step]]
id = "followup"
text = "¿Seguimos con tu consulta?"
fallback_template = { name = "bienvenida", language = "es", params = ["customer_name={first_name|cliente}"] }
[[step]]
wait = "1h"
[[step]]
id = "no_fallback"
text = "Esto solo va con la ventana abierta."
"#;
    let w = sequences_world(&[("seguimiento", file)], "").await;
    let ana = customer(2);
    writes(&w, &ana, "¡HOLA!").await;
    let conversation =
        conversation_of(&w.home.conversations(), ana.wa_id.as_deref().unwrap())["id"]
            .as_i64()
            .unwrap();
    let wa = ana.wa_id.clone().unwrap();
    wait_received(&w, &wa, 1);

    // A day and an hour later the window has closed: the approved template goes instead.
    advance(&w, 25 * 3_600);
    let got = wait_received(&w, &wa, 2);
    assert_eq!(got[1], "template:bienvenida");
    let sent = w.sim.sent();
    let template = sent.iter().find(|s| s.kind == "template").unwrap();
    assert_eq!(template.to, wa);

    // The next text has no fallback: the enrollment pauses on it, with why.
    advance(&w, 3_600);
    let paused = wait_state(&w, conversation, "paused");
    let why = paused["reason"].as_str().unwrap();
    assert!(
        why.contains("no_fallback") && why.contains("window is closed"),
        "{why}"
    );
    assert_eq!(received(&w, &wa).len(), 2);
    no_window_errors(&w);

    // Resumed while the window is still closed, it pauses again; once the customer writes,
    // resuming sends it.
    let id = paused["id"].to_string();
    w.home.ok(&["sequences", "resume", &id]);
    wait_log(&w, &id, "paused:", 2);
    assert_eq!(received(&w, &wa).len(), 2);
    writes(&w, &ana, "sigo aquí").await;
    w.home.ok(&["sequences", "resume", &id]);
    let got = wait_received(&w, &wa, 3);
    assert_eq!(got[2], "Esto solo va con la ventana abierta.");
    wait_state(&w, conversation, "done");
    no_window_errors(&w);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_in_the_middle_runs_every_step_exactly_once() {
    let steps = r#"
[trigger]
first_message = true
[[step]]
text = "uno"
[[step]]
wait = "1h"
[[step]]
text = "dos"
[[step]]
wait = "1h"
[[step]]
text = "tres"
"#;
    let runs = format!("tenant = \"Acme\"\nnumbers = [\"{DISPLAY}\"]\n{steps}");
    let skips = format!("tenant = \"Acme\"\nlate = \"skip\"\nnumbers = [\"{DISPLAY}\"]\n{steps}");
    let mut w = sequences_world(&[("runs", &runs)], "").await;
    let ana = customer(3);
    let a = w.customer_writes(&ana, 0).await;
    let wa = ana.wa_id.clone().unwrap();
    wait_received(&w, &wa, 1);

    // The engine dies (no clean stop) with "dos" due in an hour; it comes back three hours
    // later. The late step runs at once, once; the wait after it starts then.
    w.engine.child.kill().unwrap();
    w.engine.child.wait().unwrap();
    // The file now also asks a second sequence to skip late steps; it starts for a new customer.
    std::fs::write(
        w.home.dir.path().join("sequences/skips.toml"),
        skips.replace("first_message = true", "keyword = { any = [\"skip\"] }"),
    )
    .unwrap();
    w.sim.advance_clock(3 * 3_600);
    w.engine = w.home.start_engine_with_env(&[
        ("WABOX_MOVABLE_CLOCK", "1"),
        ("WABOX_CLOCK_OFFSET", "10800"),
    ]);
    w.sim.set_webhook(&w.engine.url());
    let got = wait_received(&w, &wa, 2);
    assert_eq!(got, ["uno", "dos"]);
    let e = wait_state(&w, a, "active");
    assert_eq!(e["step_name"], "step 4");

    // Bob's first message is also the keyword of the sequence that skips late steps: he is in both.
    let bob = customer(4);
    writes(&w, &bob, "skip").await;
    let wb = bob.wa_id.clone().unwrap();
    assert_eq!(wait_received(&w, &wb, 2), ["uno", "uno"]);
    let b = conversation_of(&w.home.conversations(), &wb)["id"]
        .as_i64()
        .unwrap();

    // Everyone waits an hour; the engine dies again and is away two hours.
    w.engine.child.kill().unwrap();
    w.engine.child.wait().unwrap();
    w.sim.advance_clock(2 * 3_600);
    w.engine = w.home.start_engine_with_env(&[
        ("WABOX_MOVABLE_CLOCK", "1"),
        ("WABOX_CLOCK_OFFSET", "18000"),
    ]);
    w.sim.set_webhook(&w.engine.url());

    let got = wait_received(&w, &wa, 3);
    assert_eq!(got, ["uno", "dos", "tres"], "every step once, none twice");
    wait_state(&w, a, "done");
    // Bob's two sequences: `runs` sends its late "dos", `skips` skips it (and goes on).
    let enrolled = enrollments(&w, b);
    let skipper = enrolled.iter().find(|e| e["sequence"] == "skips").unwrap();
    let log = w
        .home
        .json(&["sequences", "show", &skipper["id"].to_string()]);
    assert!(
        log["log"].as_array().unwrap().iter().any(|l| l["what"]
            .as_str()
            .unwrap()
            .starts_with("skipped a late text")),
        "{log:#}"
    );
    let bob_got = wait_received(&w, &wb, 3);
    assert_eq!(
        bob_got,
        ["uno", "uno", "dos"],
        "runs sends its late dos, skips does not"
    );
    no_window_errors(&w);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_taking_over_pauses_the_automation_until_resumed() {
    let file = r#"
tenant = "Acme"
[trigger]
first_message = true
[[step]]
text = "Bienvenido"
[[step]]
wait = "1h"
[[step]]
text = "¿Algo más?"
"#;
    let w = sequences_world(&[("auto", file)], "").await;
    let (ana, bob) = (customer(5), customer(6));
    let a = w.customer_writes(&ana, 0).await;
    let b = w.customer_writes(&bob, 0).await;
    let (wa, wb) = (ana.wa_id.clone().unwrap(), bob.wa_id.clone().unwrap());
    wait_received(&w, &wa, 1);
    wait_received(&w, &wb, 1);

    // An agent answers Ana; another claims Bob's conversation.
    w.home.ok(&[
        "send",
        "--conversation",
        &a.to_string(),
        "--text",
        "Hola, soy Ana de Acme",
    ]);
    w.home.ok(&["claim", &b.to_string()]);
    let pa = wait_state(&w, a, "paused");
    assert!(pa["reason"].as_str().unwrap().contains("replied"), "{pa}");
    let pb = wait_state(&w, b, "paused");
    assert!(
        pb["reason"]
            .as_str()
            .unwrap()
            .contains("took the conversation"),
        "{pb}"
    );

    advance(&w, 2 * 3_600);
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(received(&w, &wa), ["Bienvenido", "Hola, soy Ana de Acme"]);
    assert_eq!(received(&w, &wb), ["Bienvenido"]);

    // Resumed, the wait already passed: the next step goes now. Stopped, nothing more ever.
    w.home.ok(&["sequences", "resume", &pa["id"].to_string()]);
    let got = wait_received(&w, &wa, 3);
    assert_eq!(got[2], "¿Algo más?");
    w.home.ok(&["sequences", "stop", &pb["id"].to_string()]);
    wait_state(&w, b, "stopped");
    let refused = w.home.run(&["sequences", "resume", &pb["id"].to_string()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("has ended"));
}

#[tokio::test(flavor = "multi_thread")]
async fn keywords_reply_by_themselves_and_a_bad_file_is_refused_with_its_line() {
    let precio = r#"
name = "Precio"
tenant = "Acme"
[trigger]
keyword = { any = ["precio", "precios"] }
[[step]]
text = "Nuestros precios: https://acme.example/precios"
"#;
    let bad = "tenant = \"Acme\"\n[[step]]\ntext = \"hola\"\n\n[[step]]\nwait = \"pronto\"\n";
    let other_tenant = "tenant = \"Globex\"\n[trigger]\nkeyword = { any = [\"precio\"] }\n[[step]]\ntext = \"Globex!\"\n";
    let w = sequences_world(
        &[("precio", precio), ("roto", bad), ("globex", other_tenant)],
        "",
    )
    .await;

    let listed = w.home.run(&["sequences", "list", "--json"]);
    assert_eq!(
        listed.status.code(),
        Some(3),
        "a refused file needs an admin"
    );
    let v: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let ids: Vec<&str> = v["sequences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["globex", "precio"]);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0]["file"].as_str().unwrap().ends_with("roto.toml"));
    assert_eq!(errors[0]["line"], 5);
    assert!(errors[0]["message"].as_str().unwrap().contains("duration"));
    let human = String::from_utf8(w.home.run(&["sequences", "list"]).stdout).unwrap();
    assert!(
        human.contains("REFUSED") && human.contains("roto.toml line 5"),
        "{human}"
    );

    let ana = customer(7);
    writes(&w, &ana, "¿Cuál es el PRECIÓ?").await;
    let wa = ana.wa_id.clone().unwrap();
    let got = wait_received(&w, &wa, 1);
    assert_eq!(got, ["Nuestros precios: https://acme.example/precios"]);
    // The same keyword at once: the sequence has finished, but the answer is not sent twice
    // in a row; ten minutes on, asked again, it is.
    let conversation = conversation_of(&w.home.conversations(), &wa)["id"]
        .as_i64()
        .unwrap();
    wait_state(&w, conversation, "done");
    writes(&w, &ana, "precios otra vez").await;
    let got = wait_received(&w, &wa, 1);
    assert_eq!(got.len(), 1, "{got:?}");
    advance(&w, 11 * 60);
    writes(&w, &ana, "¿y los precios?").await;
    let got = wait_received(&w, &wa, 2);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got.iter().all(|t| t != "Globex!"),
        "another tenant's sequence never runs here"
    );

    // By hand: an unknown sequence, and a sequence of another tenant, are refused.
    let c = conversation.to_string();
    let out = w.home.run(&["sequences", "enroll", "nope", &c]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no sequence \"nope\""));
    let out = w.home.run(&["sequences", "enroll", "globex", &c]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("runs for tenant Globex"));
    let e = w.home.json(&["sequences", "enroll", "precio", &c]);
    assert_eq!(e["state"], "active");
    wait_received(&w, &wa, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_enrollments_advance_together() {
    let file = r#"
tenant = "Acme"
[trigger]
first_message = true
[[step]]
wait = "1h"
[[step]]
text = "¿Seguimos, {first_name|}?"
"#;
    // A number allowed 1,000 messages a second by both ends: what is measured is the scheduler
    // advancing them all, not Meta's pacing (the outbox's own tests cover that).
    let w = sequences_world_tuned(
        &[("mil", file)],
        "[outbox]\nrate_per_second = 1000.0\ncustomer_burst = 10\n",
        |o| o.rate_per_second = 1_000.0,
    )
    .await;
    let people: Vec<_> = (0..1_000).map(|n| customer(1_000 + n)).collect();
    for chunk in people.chunks(50) {
        let sends = chunk
            .iter()
            .map(|p| w.sim.customer_message(PNID, p, sim_text(&w.sim, "hola", 0)));
        for r in futures_util::future::join_all(sends).await {
            r.unwrap();
        }
    }
    w.home.wait_processed();
    // All enrolled and waiting.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let live = w.home.json(&["sequences", "status"]);
        if live.as_array().unwrap().len() == 1_000 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} enrolled",
            live.as_array().unwrap().len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(w.sim.sent().is_empty());

    advance(&w, 3_600);
    let deadline = Instant::now() + Duration::from_secs(90);
    while w.sim.sent().len() < 1_000 {
        assert!(
            Instant::now() < deadline,
            "{} of 1000 sent",
            w.sim.sent().len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let sent = w.sim.sent();
    assert_eq!(sent.len(), 1_000, "each once");
    let mut to: Vec<&str> = sent.iter().map(|s| s.to.as_str()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 1_000, "one each, to every one of them");
    assert!(sent.iter().all(|s| s.text == "¿Seguimos, Customer?"));
    let live = w.home.json(&["sequences", "status"]);
    assert!(live.as_array().unwrap().is_empty(), "all finished");
}
