//! Reading a conversation end to end: `wabox read` against the simulated Cloud API.

use crate::common::world::*;
use crate::common::*;
use serde_json::Value;
use wabox::sim::customers::text as sim_text;

/// The customer's messages of a conversation, oldest first.
fn inbound_wamids(w: &World, conversation_id: i64) -> Vec<String> {
    w.home
        .messages(conversation_id)
        .iter()
        .filter(|m| m["direction"] == "in")
        .map(|m| m["wamid"].as_str().unwrap().to_string())
        .collect()
}

fn unread(w: &World, conversation_id: i64) -> i64 {
    w.home
        .conversations()
        .iter()
        .find(|c| c["id"] == conversation_id)
        .map(|c: &Value| c["unread"].as_i64().unwrap())
        .unwrap()
}

/// A customer writes twice, and the business answers once (an outgoing message is never the one
/// marked read). Returns the conversation id.
async fn two_unread_and_a_reply(w: &World) -> i64 {
    let who = customer(21);
    for (text, ago) in [("is it in stock?", 40), ("the blue one", 30)] {
        w.sim
            .customer_message(PNID, &who, sim_text(&w.sim, text, ago))
            .await
            .unwrap();
    }
    w.home.wait_processed();
    let conversations = w.home.conversations();
    let c = conversation_of(&conversations, who.wa_id.as_deref().unwrap())["id"]
        .as_i64()
        .unwrap();
    let reply = json_of(&w.send(&[
        "--conversation",
        &c.to_string(),
        "--text",
        "Let me check",
        "--json",
    ]));
    w.wait_status(reply["id"].as_i64().unwrap(), "read");
    assert_eq!(unread(w, c), 2);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_conversation_marks_the_customers_last_message_read_on_whatsapp() {
    let w = world().await;
    let c = two_unread_and_a_reply(&w).await;
    let wamids = inbound_wamids(&w, c);
    assert_eq!(wamids.len(), 2);
    assert!(w.sim.marked_read().is_empty());
    w.home.ok(&["read", &c.to_string()]);
    // One call, for the newest message the customer wrote (Meta marks the earlier ones too).
    assert_eq!(w.sim.marked_read(), [wamids[1].clone()]);
    assert_eq!(unread(&w, c), 0);
    // A second inbox reading it too: Meta already knows, and is not asked again.
    w.home.ok(&["read", &c.to_string()]);
    assert_eq!(w.sim.marked_read(), [wamids[1].clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mark_read_on_open_off_reading_stays_local() {
    let w = world_configured(|_| {}, "\n[outbox]\nmark_read_on_open = false\n").await;
    let c = two_unread_and_a_reply(&w).await;
    w.home.ok(&["read", &c.to_string()]);
    assert_eq!(unread(&w, c), 0);
    assert!(w.sim.marked_read().is_empty(), "{:?}", w.sim.marked_read());
    let unknown = w.home.run(&["read", "999999"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no conversation 999999"));
}

/// `wabox conversations | head -1`: the reader goes before the output ends, and the command
/// ends quietly with success (it panicked, with a backtrace, at its next line).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_into_a_reader_that_has_gone_ends_quietly() {
    let w = world().await;
    w.customer_writes(&customer(31), 0).await;
    for args in [
        &["conversations"][..],
        &["conversations", "--json"][..],
        &["report", "--csv"][..],
    ] {
        let mut child = w
            .home
            .command(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Gone before the first line: every write meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {said}", out.status);
        assert!(!said.contains("panicked"), "{args:?}: {said}");
    }
}
