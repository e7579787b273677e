//! Issue 14, items 6 and 7: the files of a coexistence history import are fetched (after
//! customers' live files, with progress an admin sees), and a `media_placeholder` in a history
//! thread is filled by the file Meta sends later under the same wamid, in either order.

use crate::common::world::{World, customer, world};
use crate::common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The business's photo in the thread of `wire_history_thread_with_placeholder.json`, whose file
/// `wire_history_media_of_placeholder.json` sends.
const PHOTO_WAMID: &str = "wamid.HISTWIRE.UExBQ0VIT0xERVIgUEhPVE8";
const PHOTO_MEDIA_ID: &str = "881204417730915";
const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0 a clay pot, 30 cm";
const PLACEHOLDER_TEXT: &str = "[media — arriving from the phone's history]";

async fn deliver(w: &World, fixture_name: &str) {
    assert_eq!(w.engine.deliver(&fixture(fixture_name)).await, 200);
    w.home.wait_processed();
}

/// Waits until `done` holds for what `wabox messages --json` shows of the message.
fn wait_message(home: &Home, wamid: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let m = home.message(wamid);
        if done(&m) {
            return m;
        }
        assert!(Instant::now() < deadline, "{wamid} never {what}: {m:#}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn downloaded(m: &Value) -> bool {
    m["media"]["state"] == "downloaded"
}

fn history_messages(home: &Home) -> Vec<Value> {
    home.all_messages()
        .into_iter()
        .filter(|m| m["origin"] == "history")
        .collect()
}

/// The file, as `wabox media get` saves it.
fn saved_file(home: &Home, message_id: i64) -> Vec<u8> {
    let out = home.dir.path().join(format!("saved-{message_id}"));
    home.ok(&[
        "media",
        "get",
        &message_id.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    std::fs::read(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_placeholder_is_filled_by_its_file_which_is_fetched_once() {
    let w = world().await;
    w.sim
        .media_put(PHOTO_MEDIA_ID, PHOTO.to_vec(), "image/jpeg");
    deliver(&w, "wire_history_thread_with_placeholder.json").await;

    // Before its file arrives, the placeholder says what it is, not "unsupported".
    let waiting = w.home.message(PHOTO_WAMID);
    assert_eq!(waiting["type"], "media_placeholder");
    assert_eq!(waiting["text"], PLACEHOLDER_TEXT);
    assert!(waiting["media"].is_null(), "{waiting}");
    let conversation = waiting["conversation_id"].as_i64().unwrap();
    let shown = w.home.ok(&["messages", &conversation.to_string()]);
    assert!(shown.contains(PLACEHOLDER_TEXT), "{shown}");
    assert!(!shown.contains("unsupported"), "{shown}");

    deliver(&w, "wire_history_media_of_placeholder.json").await;
    let filled = wait_message(&w.home, PHOTO_WAMID, "downloaded", downloaded);
    assert_eq!(filled["type"], "image");
    assert_eq!(filled["text"], "[image] Maceta de barro, 30 cm");
    assert_eq!(filled["direction"], "out", "the thread's direction stays");
    assert_eq!(filled["conversation_id"], conversation);
    assert_eq!(filled["id"], waiting["id"], "the placeholder's own row");
    let id = filled["id"].as_i64().unwrap();
    assert_eq!(saved_file(&w.home, id), PHOTO);

    // Meta repeats the file's post: nothing changes, nothing is fetched again.
    deliver(&w, "wire_history_media_of_placeholder.json").await;
    assert_eq!(w.home.message(PHOTO_WAMID), filled);
    assert_eq!(history_messages(&w.home).len(), 3);
    assert_eq!(w.sim.media_downloads(), vec![PHOTO_MEDIA_ID.to_string()]);
    let progress = w.home.json(&["numbers", "history", PNID]);
    assert_eq!(
        progress["media"],
        json!({"total": 1, "fetched": 1, "failed": 0, "waiting": 0})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_arrives_before_its_placeholder_stays_shown() {
    let w = world().await;
    w.sim
        .media_put(PHOTO_MEDIA_ID, PHOTO.to_vec(), "image/jpeg");
    deliver(&w, "wire_history_media_of_placeholder.json").await;
    let first = wait_message(&w.home, PHOTO_WAMID, "downloaded", downloaded);
    assert_eq!(first["type"], "image");

    deliver(&w, "wire_history_thread_with_placeholder.json").await;
    let after = w.home.message(PHOTO_WAMID);
    assert_eq!(
        after["type"], "image",
        "the placeholder does not overwrite the file"
    );
    assert_eq!(after["text"], "[image] Maceta de barro, 30 cm");
    assert_eq!(after["media"]["state"], "downloaded");
    // One conversation: the file's post named the same customer as the thread.
    let messages = history_messages(&w.home);
    assert_eq!(messages.len(), 3);
    assert!(
        messages
            .iter()
            .all(|m| m["conversation_id"] == after["conversation_id"])
    );
    assert_eq!(saved_file(&w.home, after["id"].as_i64().unwrap()), PHOTO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customers_live_file_is_fetched_before_a_queued_history_import() {
    let w = world().await;
    let batch: Value = serde_json::from_slice(&fixture("wire_history_media_batch.json")).unwrap();
    let files: Vec<(String, String)> = batch["entry"][0]["changes"][0]["value"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let kind = m["type"].as_str().unwrap();
            (
                m["id"].as_str().unwrap().to_string(),
                m[kind]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Six photos the sim serves, and one document whose id no Meta id looks like.
    let (photos, bad) = files.split_at(6);
    for (i, (_, media_id)) in photos.iter().enumerate() {
        w.sim
            .media_put(media_id, format!("photo {i}").into_bytes(), "image/jpeg");
    }
    // The first history file is held in flight while the rest wait behind it.
    w.sim.hold_media_downloads(true);
    deliver(&w, "wire_history_media_batch.json").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while w.sim.media_downloads_waiting() == 0 {
        assert!(Instant::now() < deadline, "no history file was fetched");
        std::thread::sleep(Duration::from_millis(20));
    }
    let waiting = w.home.json(&["numbers", "history", PNID]);
    assert_eq!(
        waiting["media"],
        json!({"total": 7, "fetched": 0, "failed": 1, "waiting": 6})
    );

    // Now a customer sends a photo.
    let live_media = "881399000000777";
    w.sim
        .media_put(live_media, b"live photo".to_vec(), "image/jpeg");
    let image = message(
        "",
        "wamid.LIVEWIRE.Q1VTVE9NRVIgUEhPVE8",
        now(),
        "image",
        json!({"id": live_media, "mime_type": "image/jpeg"}),
    );
    w.sim
        .customer_message(PNID, &customer(1), image)
        .await
        .unwrap();
    w.home.wait_processed();
    w.sim.hold_media_downloads(false);

    wait_message(
        &w.home,
        "wamid.LIVEWIRE.Q1VTVE9NRVIgUEhPVE8",
        "downloaded",
        downloaded,
    );
    for (wamid, _) in photos {
        wait_message(&w.home, wamid, "downloaded", downloaded);
    }
    // The sim's log of downloads: the history file that was in flight, then the customer's,
    // then the rest of the import.
    let order = w.sim.media_downloads();
    assert_eq!(order.len(), 7, "{order:?}");
    assert_eq!(order[0], photos[0].1, "{order:?}");
    assert_eq!(order[1], live_media, "{order:?}");

    // The id that no Meta id looks like was never asked for; its message says why.
    assert!(!order.contains(&bad[0].1));
    let refused = w.home.message(&bad[0].0);
    assert_eq!(refused["media"]["state"], "failed");
    assert!(
        refused["media"]["error"]
            .as_str()
            .unwrap()
            .starts_with("not fetched"),
        "{refused}"
    );

    // Progress, for people and for scripts.
    let done = w.home.json(&["numbers", "history", PNID]);
    assert_eq!(
        done["media"],
        json!({"total": 7, "fetched": 6, "failed": 1, "waiting": 0})
    );
    let shown = w.home.ok(&["numbers", "history", PNID]);
    assert!(
        shown.contains("history media: 6 of 7 fetched, 1 failed"),
        "{shown}"
    );
    let doctor = w.home.run(&["doctor", "--offline", "--json"]);
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let check = report["numbers"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == "history media")
        .cloned()
        .unwrap_or_else(|| panic!("no history media check in {report:#}"));
    assert_eq!(check["detail"], "6 of 7 fetched, 1 failed");
}
