//! `[journal] keep_days`: the engine deletes the raw deliveries it applied longer ago, when it
//! starts and every hour; the messages they brought stay, and so does a delivery not applied.

use crate::common::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn deliveries_applied_longer_ago_than_keep_days_go_and_what_they_brought_stays() {
    let home = Home::new();
    home.with_acme();
    let engine = home.start_engine();
    let t = now();
    // First a delivery for a number nobody connected: unrouted, for an admin to see.
    let stranger = inbound(
        "999000111222333",
        Some("59171000001"),
        None,
        "Nobody's",
        vec![text("59171000001", "wamid.KEEP.UNROUTED", t, "hola?")],
    );
    assert_eq!(engine.deliver(&stranger).await, 200);
    for i in 0..3 {
        let body = inbound(
            PNID,
            Some("59171000002"),
            None,
            "Ana",
            vec![text("59171000002", &format!("wamid.KEEP.{i}"), t + i, "hi")],
        );
        assert_eq!(engine.deliver(&body).await, 200);
    }
    home.wait_processed();
    let before = home.journal("--all");
    assert_eq!(before.len(), 4, "{before:#?}");
    drop(engine);

    // The default keeps 30 days; 31 days on, the engine prunes as it starts.
    let month = (31 * 86_400).to_string();
    let _engine =
        home.start_engine_with_env(&[("WABOX_MOVABLE_CLOCK", "1"), ("WABOX_CLOCK_OFFSET", &month)]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let left = loop {
        let left = home.journal("--all");
        if left.len() < 4 || Instant::now() > deadline {
            break left;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let states: Vec<(&str, i64)> = left
        .iter()
        .map(|e| (e["state"].as_str().unwrap(), e["id"].as_i64().unwrap()))
        .collect();
    let newest = before
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .max()
        .unwrap();
    // Newest first: the last applied stays (the newest entry always does: its id must not be
    // given again), and the unrouted one, whatever its age.
    assert_eq!(states.len(), 2, "{left:#?}");
    assert_eq!(states[0], ("processed", newest), "{left:#?}");
    assert_eq!(states[1].0, "unrouted", "{left:#?}");
    // What the pruned deliveries said is in the store as before.
    for i in 0..3 {
        assert_eq!(home.message(&format!("wamid.KEEP.{i}"))["text"], "hi");
    }
    assert!(
        home.everything_printed()
            .contains("pruned applied deliveries"),
        "the engine says what it pruned"
    );
}
