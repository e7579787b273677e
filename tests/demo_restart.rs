//! A kept demo (`wabox demo --data-dir DIR`) started a second time works like the first: its
//! numbers still send (the simulator accepts the tokens the store kept), a message queued while
//! it was stopped goes out, its moved clock is where it was left, and the doctor finds the
//! tokens valid.

mod common;

use common::*;
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
    let home = Home::new();
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
