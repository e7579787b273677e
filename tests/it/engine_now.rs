//! Rows are the same for every reader: a conversation's window travels as `open` and
//! `closes_at`, and each client words it at the engine's now, which a test or demo engine may
//! have moved ahead of the client's own clock.

use crate::common::world::{customer, world_started};

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_words_a_window_at_the_engines_moved_clock() {
    let w = world_started(|_| {}, "", |_| {}, &[("WABOX_MOVABLE_CLOCK", "1")]).await;
    let ana = customer(7);
    let id = w.customer_writes(&ana, 0).await;
    let window = |w: &crate::common::world::World| {
        w.home
            .conversations()
            .into_iter()
            .find(|c| c["id"] == id)
            .unwrap()["window"]
            .clone()
    };
    let before = window(&w);
    assert_eq!(before["open"], true, "{before}");
    let label = before["label"].as_str().unwrap();
    assert!(label == "24h 0m" || label.starts_with("23h 5"), "{before}");
    // Only the engine's clock moves: the CLI's own stays at the system's.
    w.home.ok(&["clock", "advance", "25h"]);
    let after = window(&w);
    assert_eq!(after["open"], false, "{after}");
    assert!(
        after["label"].as_str().unwrap().starts_with("closed 1h"),
        "{after}"
    );
    // The time still reads as RFC 3339 for scripts, and is the same instant.
    assert_eq!(after["closes_at"], before["closes_at"]);
    assert!(
        after["closes_at"].as_str().unwrap().ends_with('Z'),
        "{after}"
    );
}
