//! The automatic answers looking again at the customers' recent messages: what was applied
//! before they started (a crash between a commit and its answer) is answered once, and a stop
//! word too old, or older than the customer's opt-in, is left alone. Both stores.

use super::*;
use crate::EngineMode;
use crate::test_stores::on_each_store;
use std::time::{Duration, Instant};
use wabox_config::Config;
use wabox_domain::time::now_unix;
use wabox_store::test_fixtures as fx;

/// An engine whose number has a token, with `FX::CUSTOMER`'s messages stored (journaled and
/// applied) at `stored_at` (nothing answered: no answering task runs in-process).
async fn engine_with(
    store_url: Option<String>,
    messages: Vec<serde_json::Value>,
    stored_at: i64,
) -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::loopback(&dir.path().join("data"), None, None, "http://127.0.0.1:9");
    config.store_url = store_url.map(wabox_secret::Secret::new);
    let engine = Engine::start(config, EngineMode::InProcess).unwrap();
    let token = engine.sealer.seal("EAAG-test-token");
    engine
        .writer
        .run(move |ctx| -> wabox_store::Result<()> {
            fx::add_number(&ctx.conn, Some(token))?;
            fx::journaled(&ctx.conn, &fx::messages(messages), stored_at);
            Ok(())
        })
        .await
        .unwrap();
    (dir, engine)
}

/// The opt-out answers queued, and whether the customer is opted out.
async fn opt_out_state(engine: &Arc<Engine>) -> (i64, bool) {
    engine
        .read(|c| {
            let answers: i64 = c.query_row(
                "SELECT count(*) FROM messages WHERE origin = 'opt_out'",
                [],
                |r| r.get(0),
            )?;
            let out: Option<i64> =
                c.query_row("SELECT opted_out_at FROM contacts", [], |r| r.get(0))?;
            Ok((answers, out.is_some()))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stop_word_applied_before_the_answers_started_is_answered_once_when_they_start() {
    on_each_store(|url| async move {
        let now = now_unix();
        let stop = fx::text("wamid.STOP", now - 30, "STOP");
        let (_d, engine) = engine_with(url, vec![stop], now - 20).await;
        assert_eq!(opt_out_state(&engine).await, (0, false));
        let task = tokio::spawn(run(engine.clone()));
        let deadline = Instant::now() + Duration::from_secs(10);
        while opt_out_state(&engine).await != (1, true) {
            assert!(Instant::now() < deadline, "never answered");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Looking again (a second start, or after falling behind) answers nothing twice.
        look_again(&engine).await;
        assert_eq!(opt_out_state(&engine).await, (1, true));
        task.abort();
    })
    .await;
}

/// The opt-out state after looking again at a STOP the customer sent at `sent_at`, stored at
/// `stored_at`.
async fn looked_again_at_a_stop(url: Option<String>, sent_at: i64, stored_at: i64) -> (i64, bool) {
    let stop = fx::text("wamid.STOP", sent_at, "STOP");
    let (_d, engine) = engine_with(url, vec![stop], stored_at).await;
    look_again(&engine).await;
    opt_out_state(&engine).await
}

#[tokio::test]
async fn a_stop_word_stored_longer_ago_than_is_looked_at_again_is_left_alone() {
    on_each_store(|url| async move {
        let stored_at = now_unix() - LOOK_AGAIN_SECONDS - 60;
        let state = looked_again_at_a_stop(url, stored_at - 5, stored_at).await;
        assert_eq!(state, (0, false));
    })
    .await;
}

#[tokio::test]
async fn a_stop_word_meta_delivered_hours_late_is_answered_when_looked_at_again() {
    on_each_store(|url| async move {
        let now = now_unix();
        // Sent by the customer three hours ago, delivered after an outage, stored just now:
        // the live answers take it (it is within the day), so looking again does too.
        let state = looked_again_at_a_stop(url, now - 3 * 3_600, now - 5).await;
        assert_eq!(state, (1, true));
    })
    .await;
}

#[tokio::test]
async fn a_stop_word_from_before_the_customer_was_opted_back_in_leaves_them_in() {
    on_each_store(|url| async move {
        let now = now_unix();
        let stop = fx::text("wamid.S", now - 60, "STOP");
        let (_d, engine) = engine_with(url, vec![stop], now - 55).await;
        engine
            .writer
            .run(move |ctx| -> wabox_store::Result<()> {
                let c = fx::conversation(&ctx.conn).unwrap();
                wabox_store::contacts::set_opted_out(&ctx.conn, c, Some("customer"), now - 50)?;
                wabox_store::contacts::set_opted_out(&ctx.conn, c, None, now - 10)?;
                Ok(())
            })
            .await
            .unwrap();
        look_again(&engine).await;
        assert_eq!(opt_out_state(&engine).await, (0, false));
    })
    .await;
}
