//! What the engine keeps and for how long: `[journal] keep_days` deletes the raw deliveries it
//! applied longer ago (the messages they brought stay, and so does a delivery not applied);
//! `[media] keep_days` deletes customers' files (the message says so). Both at the engine's
//! start and every hour.

use crate::common::world::*;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_file_older_than_media_keep_days_is_deleted_and_its_message_says_so() {
    use base64::Engine as _;
    use sha2::Digest;
    let mut w = world_configured(|_| {}, "\n[media]\nkeep_days = 1\n").await;
    let photo = b"\xff\xd8\xff\xe0 a customer's photo".to_vec();
    w.sim.media_put("9001", photo.clone(), "image/jpeg");
    let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&photo));
    let image = wabox::sim::customers::message(
        &w.sim,
        "image",
        serde_json::json!({"id": "9001", "mime_type": "image/jpeg", "sha256": sha}),
        5,
    );
    w.sim
        .customer_message(PNID, &customer(7), image)
        .await
        .unwrap();
    w.home.wait_processed();
    let image = |w: &World| {
        w.home
            .all_messages()
            .into_iter()
            .find(|m| m["type"] == "image")
            .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let downloaded = loop {
        let m = image(&w);
        if m["media"]["state"] == "downloaded" {
            break m;
        }
        assert!(Instant::now() < deadline, "{m:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let file = w
        .home
        .data
        .join(downloaded["media"]["path"].as_str().unwrap());
    assert_eq!(std::fs::read(&file).unwrap(), photo);
    // Kept within the day: an engine restarted now leaves it.
    w.engine.stop();

    // Two days on, the engine deletes it as it starts.
    let days = (2 * 86_400).to_string();
    w.engine = w
        .home
        .start_engine_with_env(&[("WABOX_MOVABLE_CLOCK", "1"), ("WABOX_CLOCK_OFFSET", &days)]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let gone = loop {
        let m = image(&w);
        if m["media"]["state"] != "downloaded" {
            break m;
        }
        assert!(Instant::now() < deadline, "{m:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(gone["media"]["state"], "failed", "{gone:#}");
    assert_eq!(
        gone["media"]["error"],
        "deleted after 1 day ([media] keep_days)"
    );
    assert_eq!(gone["media"]["expired"], true, "{gone:#}");
    assert!(!file.exists(), "the file is still there");
    let shown = w
        .home
        .ok(&["messages", &gone["conversation_id"].to_string()]);
    assert!(
        shown.contains("[file deleted after 1 day ([media] keep_days)]"),
        "{shown}"
    );
}
