//! Issue 14: see main.rs.
//! Items 9 and 10: replying to a message with its context (`context.message_id`) and reacting to
//! a customer's message, through the real binary against the simulated Cloud API.

use crate::common::world::*;
use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant};
use wabox::sim::{Injected, SentRecord};

/// Waits until the simulator has accepted `n` sends; returns them.
fn wait_sent(w: &World, n: usize) -> Vec<SentRecord> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let sent = w.sim.sent();
        if sent.len() >= n {
            return sent;
        }
        assert!(
            Instant::now() < deadline,
            "the simulator got {} sends, not {n}",
            sent.len()
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// The customer's first message in a conversation.
fn first_inbound(w: &World, conversation: i64) -> Value {
    w.home
        .messages(conversation)
        .into_iter()
        .find(|m| m["direction"] == "in")
        .expect("the customer's message")
}

/// Our reaction on a message as `messages --json` shows it, waiting for `expected`.
fn wait_our_reaction(w: &World, conversation: i64, wamid: &str, expected: Option<&str>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let m = w
            .home
            .messages(conversation)
            .into_iter()
            .find(|m| m["wamid"] == wamid)
            .unwrap();
        let ours: Vec<&str> = m["reactions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["by"] == "business")
            .map(|r| r["emoji"].as_str().unwrap())
            .collect();
        if ours.first().copied() == expected && ours.len() <= 1 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "our reaction on {wamid} is {ours:?}, not {expected:?}"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn stderr(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "expected a refusal");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_quotes_the_message_it_answers_by_id_or_wamid_for_text_and_templates() {
    let w = world().await;
    let c = w.customer_writes(&customer(41), 60).await;
    let asked = first_inbound(&w, c);
    let asked_wamid = asked["wamid"].as_str().unwrap();
    let sent = json_of(&w.send(&[
        "--conversation",
        &c.to_string(),
        "--text",
        "Yes, we have it in M",
        "--reply-to",
        &asked["id"].to_string(),
        "--wait",
        "--json",
    ]));
    assert_eq!(sent["reply_to"], asked_wamid, "{sent}");
    let got = wait_sent(&w, 1);
    assert_eq!(got[0].body["context"]["message_id"], asked_wamid);
    assert_eq!(got[0].body["text"]["body"], "Yes, we have it in M");
    assert_eq!(got[0].quoted.as_deref(), Some(asked_wamid));
    assert_eq!(got[0].dropped_context, None);

    // By wamid, a template answers our own sent message.
    let ours = sent["wamid"].as_str().unwrap();
    let t = json_of(&w.send(&[
        "--conversation",
        &c.to_string(),
        "--template",
        "order_update",
        "--lang",
        "en_US",
        "--param",
        "#88",
        "--param",
        "Ana",
        "--param",
        "#88",
        "--param",
        "Friday",
        "--param",
        "88",
        "--reply-to",
        ours,
        "--json",
    ]));
    assert_eq!(t["reply_to"], ours);
    let got = wait_sent(&w, 2);
    assert_eq!(got[1].kind, "template");
    assert_eq!(got[1].body["context"]["message_id"], ours);
    assert_eq!(got[1].quoted.as_deref(), Some(ours));
    // The timeline keeps what each answers.
    let listed = w.home.messages(c);
    let reply = listed.iter().find(|m| m["id"] == sent["id"]).unwrap();
    assert_eq!(reply["reply_to"], asked_wamid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_to_an_unknown_foreign_or_unsent_message_is_refused_before_queueing() {
    let w = world().await;
    let a = w.customer_writes(&customer(42), 60).await;
    let b = w.customer_writes(&customer(43), 60).await;
    let theirs = first_inbound(&w, b);
    let reply = |to: &str| {
        w.send(&[
            "--conversation",
            &a.to_string(),
            "--text",
            "hello",
            "--reply-to",
            to,
        ])
    };
    let err = stderr(&reply("999999"));
    assert!(err.contains("no message 999999"), "{err}");
    let err = stderr(&reply("wamid.NOT-HERE"));
    assert!(err.contains("no message wamid.NOT-HERE"), "{err}");
    let err = stderr(&reply(&theirs["id"].to_string()));
    assert!(
        err.contains(&format!(
            "belongs to conversation {b}, not to conversation {a}"
        )),
        "{err}"
    );
    // A message still waiting in the outbox has no wamid yet.
    w.sim.inject(&[Injected::ServerError; 30]);
    let waiting = json_of(&w.send(&[
        "--conversation",
        &a.to_string(),
        "--text",
        "one moment",
        "--json",
    ]));
    assert!(
        waiting["wamid"]
            .as_str()
            .unwrap()
            .starts_with("wabox.outbox.")
    );
    let err = stderr(&reply(&waiting["id"].to_string()));
    assert!(err.contains("has not reached WhatsApp yet"), "{err}");
    assert!(w.sim.sent().is_empty(), "nothing refused was sent");
    let texts: Vec<Value> = w
        .home
        .messages(a)
        .into_iter()
        .map(|m| m["text"].clone())
        .collect();
    assert_eq!(
        texts,
        ["hello?", "one moment"],
        "nothing refused was queued"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_reaction_shows_on_the_message_is_replaced_by_a_later_one_and_removed() {
    let w = world().await;
    let c = w.customer_writes(&customer(44), 60).await;
    let m = first_inbound(&w, c);
    let id = m["id"].to_string();
    let wamid = m["wamid"].as_str().unwrap().to_string();
    let before = w.home.messages(c).len();

    w.home.ok(&["react", &id, "👍"]);
    wait_sent(&w, 1);
    wait_our_reaction(&w, c, &wamid, Some("👍"));
    w.home.ok(&["react", &wamid, "❤"]);
    wait_sent(&w, 2);
    wait_our_reaction(&w, c, &wamid, Some("❤️"));
    w.home.ok(&["react", &id, "--remove"]);
    let sent = wait_sent(&w, 3);
    wait_our_reaction(&w, c, &wamid, None);

    let bodies: Vec<&Value> = sent.iter().map(|s| &s.body).collect();
    for (b, emoji) in bodies.iter().zip(["👍", "❤️", ""]) {
        assert_eq!(b["type"], "reaction");
        assert_eq!(b["reaction"]["message_id"], wamid.as_str());
        assert_eq!(b["reaction"]["emoji"], emoji);
        assert!(b.get("context").is_none());
    }
    // Reactions are not messages of the timeline, nor the conversation's last message.
    assert_eq!(w.home.messages(c).len(), before);
    let conversations = w.home.conversations();
    let conv = conversation_of(&conversations, "59171000044");
    assert_eq!(conv["last_message"]["text"], "hello?");
    assert_eq!(w.sim.sent().len(), 3, "each reached Meta once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_that_is_not_one_emoji_or_not_on_a_customers_message_is_refused() {
    let w = world().await;
    let c = w.customer_writes(&customer(45), 60).await;
    let m = first_inbound(&w, c);
    let id = m["id"].to_string();
    for bad in ["ok", "👍👍", "thanks 👍"] {
        let err = stderr(&w.home.run(&["react", &id, bad]));
        assert!(err.contains("is not one emoji"), "{bad}: {err}");
    }
    let ours = json_of(&w.send(&[
        "--conversation",
        &c.to_string(),
        "--text",
        "Anything else?",
        "--wait",
        "--json",
    ]));
    let err = stderr(&w.home.run(&["react", &ours["id"].to_string(), "👍"]));
    assert!(
        err.contains("react only to the customer's messages"),
        "{err}"
    );
    let err = stderr(&w.home.run(&["react", "wamid.UNKNOWN", "👍"]));
    assert!(err.contains("no message wamid.UNKNOWN"), "{err}");
    assert_eq!(w.sim.sent().len(), 1, "only the text went out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_is_refused_while_the_window_is_closed() {
    let w = world().await;
    let c = w.customer_writes(&customer(46), 2 * 86_400).await;
    let m = first_inbound(&w, c);
    let err = stderr(&w.home.run(&["react", &m["id"].to_string(), "👍"]));
    assert!(err.contains("24-hour window"), "{err}");
    assert!(err.contains("template"), "{err}");
    assert!(w.sim.sent().is_empty());
    wait_our_reaction(&w, c, m["wamid"].as_str().unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_fails_a_reaction_to_a_message_it_does_not_know_and_drops_an_unknown_quote() {
    // A message the engine has but the simulated WhatsApp never saw (as for a message Meta no
    // longer keeps): the send goes, Meta's answer comes in the statuses.
    let w = world().await;
    let who = customer(47);
    let c = w.customer_writes(&who, 60).await;
    let unknown = "wamid.ONLY-IN-WABOX-0001";
    let wa_id = who.wa_id.as_deref().unwrap();
    let body = inbound(
        PNID,
        Some(wa_id),
        None,
        "Customer 47",
        vec![text(wa_id, unknown, now() - 30, "Is it in stock?")],
    );
    assert_eq!(w.engine.deliver(&body).await, 200);
    w.home.wait_processed();
    let stored = w.home.message(unknown);
    assert_eq!(stored["conversation_id"], c);

    let reply = json_of(&w.send(&[
        "--conversation",
        &c.to_string(),
        "--text",
        "It is",
        "--reply-to",
        unknown,
        "--wait",
        "--json",
    ]));
    assert!(
        ["delivered", "read"].contains(&reply["status"].as_str().unwrap()),
        "{reply}"
    );
    let got = wait_sent(&w, 1);
    assert_eq!(got[0].dropped_context.as_deref(), Some(unknown));
    assert_eq!(got[0].quoted, None);

    w.home.ok(&["react", unknown, "👍"]);
    // Meta answers 131009 in a status: the reaction shows as failed in the timeline, and no
    // longer on the message.
    let deadline = Instant::now() + Duration::from_secs(60);
    let failed = loop {
        let found = w
            .home
            .messages(c)
            .into_iter()
            .find(|m| m["type"] == "reaction" && m["status"] == "failed");
        if let Some(f) = found {
            break f;
        }
        assert!(Instant::now() < deadline, "the reaction never failed");
        std::thread::sleep(Duration::from_millis(30));
    };
    assert_eq!(failed["error"]["code"], 131009);
    wait_our_reaction(&w, c, unknown, None);
}
