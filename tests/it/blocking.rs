//! Blocking a customer (issue 19): through the real binary against the simulated Block Users
//! API. Meta blocks only a customer who wrote in the last 24 hours; a blocked customer's messages
//! never arrive, a send to them is refused before it is queued, and lifting the block restores
//! both ways.

use crate::common::world::{customer, json_of, world};
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_customer_neither_reaches_the_number_nor_is_written_to_until_unblocked() {
    let w = world().await;
    let who = customer(41);
    let wa_id = who.wa_id.clone().unwrap();
    let c = w.customer_writes(&who, 60).await.to_string();

    let blocked = json_of(&w.home.run(&["block", &c, "--json"]));
    assert_eq!(blocked["id"].to_string(), c);
    assert!(
        blocked["blocked"]["at"].as_str().is_some(),
        "when: {blocked}"
    );
    assert_eq!(blocked["blocked"]["by"], "root", "{blocked}");
    assert!(w.sim.is_blocked(PNID, &wa_id), "Meta was told");
    let listed = w.home.ok(&["conversations"]);
    assert!(listed.contains("(blocked)"), "{listed}");

    // Our side: refused before anything is queued, in words that say how to lift it.
    let sent_before = w.sim.sent().len();
    let refused = w.send(&["--conversation", &c, "--text", "are you there?"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("is blocked") && said.contains(&format!("wabox unblock {c}")),
        "{said}"
    );
    assert_eq!(w.sim.sent().len(), sent_before, "nothing reached Meta");

    // Their side: Meta does not deliver what they write.
    let count = |w: &crate::common::world::World| w.home.messages(c.parse().unwrap()).len();
    let before = count(&w);
    w.sim
        .customer_message(
            PNID,
            &who,
            wabox::sim::customers::text(&w.sim, "hello??", 0),
        )
        .await
        .unwrap();
    assert_eq!(w.sim.messages_from_blocked(), 1);
    w.home.wait_processed();
    assert_eq!(
        count(&w),
        before,
        "a blocked customer's message never arrives"
    );

    let lifted = json_of(&w.home.run(&["unblock", &c, "--json"]));
    assert!(lifted["blocked"].is_null(), "{lifted}");
    assert!(!w.sim.is_blocked(PNID, &wa_id));
    let sent = w.send(&[
        "--conversation",
        &c,
        "--text",
        "sorry, go ahead",
        "--wait",
        "--json",
    ]);
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert_eq!(w.sent_with_text("sorry, go ahead"), 1);

    let audit = w.home.ok(&["audit"]);
    assert!(
        audit.contains("block") && audit.contains("unblock"),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meta_blocks_only_a_customer_who_wrote_in_the_last_day_and_says_why() {
    let w = world().await;
    let who = customer(42);
    let c = w.customer_writes(&who, 25 * 3600).await.to_string();
    let out = w.home.run(&["block", &c]);
    assert!(
        !out.status.success(),
        "blocked a customer silent for 25 hours"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("Meta did not block the customer") && said.contains("131047"),
        "{said}"
    );
    assert!(!w.sim.is_blocked(PNID, who.wa_id.as_deref().unwrap()));
    let row = &w.home.conversations()[0];
    assert!(row["blocked"].is_null(), "nothing stored: {row}");
}
