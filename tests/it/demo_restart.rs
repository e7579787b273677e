//! A kept demo (`wabox demo --data-dir DIR`) started a second time works like the first: its
//! numbers still send (the simulator accepts the tokens the store kept), a message queued while
//! it was stopped goes out, its moved clock is where it was left, and the doctor finds the
//! tokens valid. A number connected through a Kapso setup link sends again too: the simulated
//! Kapso knows the tenant's customer and the number once more, and forwards its webhooks.

use crate::common::browser::{self, event, open};
use crate::common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::time::{Duration, Instant};

/// The demo, headless, on the home's data dir: returned once it says it is running.
fn start_demo(home: &Home) -> Child {
    let mut demo = home.spawn(&["demo", "--headless", "--traffic", "0"], &[]);
    let mut out = BufReader::new(demo.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("Press Ctrl-C") {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            let _ = demo.kill();
            let err = demo.wait_with_output().unwrap();
            panic!(
                "the demo stopped: {seen}\n{}",
                String::from_utf8_lossy(&err.stderr)
            );
        }
        seen.push_str(&line);
    }
    std::thread::spawn(move || for _ in out.lines() {});
    demo
}

/// Ctrl-C, as a person stops it, and waits for it to be gone.
fn stop_demo(mut demo: Child) {
    let pid = nix::unistd::Pid::from_raw(demo.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
    let deadline = Instant::now() + Duration::from_secs(20);
    while demo.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the demo did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "waited 60 s for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A conversation of the dedicated number whose customer wrote within 24 hours.
fn open_conversation(home: &Home) -> i64 {
    wait_for("a customer to write to the demo", || {
        home.conversations()
            .iter()
            .find(|c| c["phone_number_id"] == "106540352242922" && c["window"]["open"] == true)
            .and_then(|c| c["id"].as_i64())
    })
}

fn message_with<'a>(messages: &'a [Value], text: &str) -> Option<&'a Value> {
    messages.iter().find(|m| m["text"] == text)
}

#[test]
fn a_kept_demo_sends_again_after_a_restart_and_keeps_its_clock() {
    let home = Home::new().on_sqlite();
    let demo = start_demo(&home);
    let conversation = open_conversation(&home);
    home.ok(&[
        "send",
        "--conversation",
        &conversation.to_string(),
        "--text",
        "before the restart",
        "--wait",
    ]);
    let moved = home.ok(&["clock", "advance", "2h"]);
    assert!(moved.contains("2h"), "{moved}");
    stop_demo(demo);

    // Written while the demo is stopped: queued in the store, sent by the next start.
    home.ok(&[
        "send",
        "--conversation",
        &conversation.to_string(),
        "--text",
        "queued while stopped",
    ]);
    let queued = home.messages(conversation);
    let status = &message_with(&queued, "queued while stopped").unwrap()["status"];
    assert_eq!(status, "queued", "{queued:#?}");

    let demo = start_demo(&home);
    // The clock is where the first run left it (2 hours ahead), not back at the system's.
    let clock = home.ok(&["clock", "advance", "1s"]);
    assert!(clock.contains("2h"), "{clock}");

    let sent = wait_for("the message queued while stopped to go out", || {
        let messages = home.messages(conversation);
        let status = message_with(&messages, "queued while stopped")?["status"]
            .as_str()?
            .to_string();
        // Accepted by the simulator is on its way; the status webhooks tell how it ended.
        (!["queued", "sending", "accepted"].contains(&status.as_str())).then_some(status)
    });
    assert!(
        ["sent", "delivered", "read"].contains(&sent.as_str()),
        "the queued message ended {sent}: {:#?}",
        home.messages(conversation)
    );
    home.ok(&[
        "send",
        "--conversation",
        &conversation.to_string(),
        "--text",
        "after the restart",
        "--wait",
    ]);
    let after = home.messages(conversation);
    let status = message_with(&after, "after the restart").unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        ["accepted", "sent", "delivered", "read"].contains(&status.as_str()),
        "{after:#?}"
    );

    // A reaction to the customer's message of the first run goes through: the simulator knows
    // the chat's messages again, as Meta would (it failed with 131009).
    let theirs = after
        .iter()
        .filter(|m| m["direction"] == "in" && m["type"] == "text")
        .filter_map(|m| m["id"].as_i64())
        .next()
        .expect("a customer's message of the first run");
    home.ok(&["react", &theirs.to_string(), "👍"]);
    wait_for("our reaction on the customer's message", || {
        let messages = home.messages(conversation);
        let m = messages.iter().find(|m| m["id"] == theirs)?;
        m["reactions"]
            .as_array()?
            .iter()
            .any(|r| r["by"] == "business" && r["emoji"] == "👍")
            .then_some(())
    });
    // A reaction that fails shows as a failed message of its own (131009 before): none comes.
    let settle = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while std::time::Instant::now() < settle {
        let failed: Vec<Value> = home
            .messages(conversation)
            .into_iter()
            .filter(|m| m["type"] == "reaction" && m["status"] == "failed")
            .collect();
        assert!(failed.is_empty(), "{failed:#?}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    // The doctor asks the simulator about the kept tokens: valid, and the WABAs subscribed.
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
    stop_demo(demo);
}

/// Sends `template` to the conversation and waits for how it ended: sent, delivered or read
/// once the status webhooks came back, else why not.
fn send_template(home: &Home, conversation: i64, marker: &str) -> String {
    let before = home.messages(conversation).len();
    let out = home.run(&[
        "send",
        "--conversation",
        &conversation.to_string(),
        "--template",
        "follow_up",
        "--lang",
        "en_US",
        "--wait",
    ]);
    assert!(
        out.status.success(),
        "{marker}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for(&format!("the template sent {marker} to end"), || {
        let messages = home.messages(conversation);
        let ours = messages
            .get(before..)?
            .iter()
            .find(|m| m["direction"] == "out")?;
        let status = ours["status"].as_str()?.to_string();
        (!["queued", "sending", "accepted"].contains(&status.as_str())).then_some(status)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_demo_s_kapso_number_sends_again_after_a_restart() {
    let home = Home::new().on_sqlite();
    let demo = start_demo(&home);
    let link = browser::start(
        &home,
        &[
            "connect",
            "kapso",
            "--tenant",
            "Panadería Sol",
            "--coexistence",
            "--timeout",
            "30s",
        ],
        &[],
    );
    let (status, page) = open(&link.short_url()).await;
    assert_eq!(status, 200, "{page}");
    let (ok, events, err) = link.end();
    assert!(ok, "{err}");
    let number = &event(&events, "connected")["number"]["number"];
    assert_eq!(number["connected_via"], "kapso");
    let pnid = number["phone_number_id"].as_str().unwrap().to_string();

    // Its history, asked for as the wizard does, comes through Kapso: a conversation to send on.
    let mut client = wabox::client::Client::dial(&wabox::client::Dial::Socket(home.data.clone()))
        .await
        .unwrap();
    client
        .call(wabox::protocol::Request::RequestHistorySync {
            phone_number_id: pnid.clone(),
        })
        .await
        .unwrap();
    let conversation = wait_for("the Kapso number's history", || {
        home.conversations()
            .iter()
            .find(|c| c["phone_number_id"] == pnid.as_str())
            .and_then(|c| c["id"].as_i64())
    });
    let first = send_template(&home, conversation, "before the restart");
    assert!(
        ["sent", "delivered", "read"].contains(&first.as_str()),
        "{first}"
    );
    drop(client);
    stop_demo(demo);

    let demo = start_demo(&home);
    let again = send_template(&home, conversation, "after the restart");
    assert!(
        ["sent", "delivered", "read"].contains(&again.as_str()),
        "after the restart the Kapso number's template ended {again}: {:#?}",
        home.messages(conversation)
    );
    // The doctor asks Kapso about it: the number is still the tenant's, its WABA subscribed.
    let report = home.run(&["doctor", "--json"]);
    let doctor: Value = serde_json::from_slice(&report.stdout).unwrap();
    let kapso = doctor["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| serde_json::to_string(n).unwrap().contains(&pnid))
        .unwrap_or_else(|| panic!("the doctor did not look at {pnid}: {doctor:#}"));
    let bad: Vec<&Value> = kapso["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["level"] != "ok")
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    stop_demo(demo);
}
