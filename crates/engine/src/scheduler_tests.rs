//! One test per rule of the sequence scheduler: what a new message starts, pauses or wakes, and
//! what a due enrollment does, against a migrated store in a temp dir. Times are passed in (runs)
//! or stamped from the engine's clock (scans), so nothing sleeps.

use super::*;
use std::collections::BTreeMap;
use wabox_store::db::Connection;
use wabox_store::test_fixtures::{self as fx, Fixture};

const WELCOME: &str = r#"
tenant = "Acme"
[trigger]
first_message = true
[[step]]
id = "hello"
text = "Hi {name|there}!"
[[step]]
id = "pause"
wait = "2h"
[[step]]
id = "again"
text = "Still there?"
"#;

fn loaded(files: &[(&str, &str)]) -> Loaded {
    let mut sequences = BTreeMap::new();
    for (id, source) in files {
        let seq = wabox_domain::sequence::parse(id, source).unwrap();
        sequences.insert(id.to_string(), Arc::new(seq));
    }
    Loaded {
        sequences,
        ..Loaded::default()
    }
}

/// The store as the writer holds it, with the temp dir kept alive beside it.
fn ctx(f: Fixture) -> (wabox_store::testing::StoreGuard, WriterCtx) {
    let Fixture { conn, _dir, .. } = f;
    (
        _dir,
        WriterCtx::new(conn, None, wabox_store::cluster::Lane::ALL),
    )
}

/// The customer writes `body` at `at`; returns their conversation.
fn customer_writes(conn: &Connection, wamid: &str, at: i64, body: &str) -> i64 {
    fx::apply(conn, 1, &fx::messages(vec![fx::text(wamid, at, body)]));
    fx::conversation(conn).unwrap()
}

fn enrollment(conn: &Connection, id: i64) -> (String, i64, Option<i64>, Option<String>) {
    conn.query_row(
        "SELECT state, step, due_at, reason FROM enrollments WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap()
}

fn outbox_texts(conn: &Connection) -> Vec<(String, String)> {
    conn.prepare(
        "SELECT m.text, o.requested_by FROM outbox o JOIN messages m ON m.id = o.message_id
         ORDER BY o.id",
    )
    .unwrap()
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
    .unwrap()
    .collect::<wabox_store::db::Result<_>>()
    .unwrap()
}

/// Enrolls the conversation in `sequence` by hand and returns it as the scheduler sees it, due.
fn due_enrollment(
    conn: &Connection,
    conversation: i64,
    sequence: &str,
    now: i64,
) -> store::Enrollment {
    let first = Some("hello");
    let id = store::enroll(conn, conversation, sequence, first, "hand", now)
        .unwrap()
        .unwrap();
    store::due_one(conn, id, now).unwrap().unwrap()
}

/// Runs it as `run_due` does: due at `now`, read again from the store.
fn run_at(ctx: &mut WriterCtx, seq: Option<&Sequence>, id: i64, now: i64) -> bool {
    let e = store::due_one(&ctx.conn, id, now).unwrap().expect("due");
    run_one(ctx, seq, &e, now).unwrap()
}

// --- Scanning new messages ---

#[wabox_store::testing::both_stores]
fn a_customers_first_message_enrolls_them_in_a_first_message_sequence_due_now() {
    let (_d, mut ctx) = ctx(fx::store());
    let now = wabox_domain::time::now_unix();
    let conversation = customer_writes(&ctx.conn, "wamid.A", now, "hola");
    let looked = scan_batch(&mut ctx, &loaded(&[("welcome", WELCOME)])).unwrap();
    assert_eq!((looked.messages, looked.enrolled), (1, 1));
    let (id, state, step_id, due, by): (i64, String, String, i64, String) = ctx
        .conn
        .query_row(
            "SELECT id, state, step_id, due_at, enrolled_by FROM enrollments WHERE conversation_id = ?1",
            [conversation],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!((state.as_str(), step_id.as_str()), ("active", "hello"));
    assert!(due <= wabox_domain::time::now_unix(), "due at once");
    assert_eq!(by, "first message");
    // Due at the clock's now, not the `now` read before the scan: the scan may have run in the
    // next second (it failed so once in CI, on PostgreSQL).
    let now = wabox_domain::time::now_unix();
    assert!(store::due_one(&ctx.conn, id, now).unwrap().is_some());
}

#[wabox_store::testing::both_stores]
fn a_keyword_enrolls_on_a_later_message_and_a_trigger_firing_twice_enrolls_once() {
    let (_d, mut ctx) = ctx(fx::store());
    let prices = r#"
tenant = "Acme"
[trigger]
keyword = { any = ["price"] }
[[step]]
text = "Our prices: …"
"#;
    let sequences = loaded(&[("prices", prices)]);
    let now = wabox_domain::time::now_unix();
    customer_writes(&ctx.conn, "wamid.A", now, "hello");
    assert_eq!(scan_batch(&mut ctx, &sequences).unwrap().enrolled, 0);
    customer_writes(&ctx.conn, "wamid.B", now, "what is the price?");
    customer_writes(&ctx.conn, "wamid.C", now, "price please");
    assert_eq!(scan_batch(&mut ctx, &sequences).unwrap().enrolled, 1);
    assert_eq!(fx::count(&ctx.conn, "SELECT count(*) FROM enrollments"), 1);
    // Its one step sent, it ends; the customer asks again at once: the answer does not go twice.
    let id: i64 = ctx
        .conn
        .query_row("SELECT id FROM enrollments", [], |r| r.get(0))
        .unwrap();
    let seq = sequences.sequences.get("prices").cloned();
    let now = wabox_domain::time::now_unix();
    run_at(&mut ctx, seq.as_deref(), id, now);
    assert_eq!(enrollment(&ctx.conn, id).0, "done");
    customer_writes(&ctx.conn, "wamid.D", now, "and the price of shipping?");
    assert_eq!(scan_batch(&mut ctx, &sequences).unwrap().enrolled, 0);
    assert_eq!(outbox_texts(&ctx.conn).len(), 1);
    // Asked again later, it is answered again.
    ctx.conn
        .execute(
            "UPDATE enrollments SET created_at = created_at - ?1",
            [RETRIGGER_AFTER_SECONDS + 1],
        )
        .unwrap();
    customer_writes(&ctx.conn, "wamid.E", now, "price?");
    assert_eq!(scan_batch(&mut ctx, &sequences).unwrap().enrolled, 1);
}

#[wabox_store::testing::both_stores]
fn a_message_first_seen_more_than_a_day_late_starts_nothing_but_is_looked_at() {
    let (_d, mut ctx) = ctx(fx::store());
    let old = wabox_domain::time::now_unix() - TRIGGER_MAX_AGE_SECONDS - 60;
    customer_writes(&ctx.conn, "wamid.A", old, "hola");
    let looked = scan_batch(&mut ctx, &loaded(&[("welcome", WELCOME)])).unwrap();
    assert_eq!((looked.messages, looked.enrolled), (1, 0));
    let newest: i64 = ctx
        .conn
        .query_row("SELECT max(id) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(store::cursor(&ctx.conn).unwrap(), newest);
}

#[wabox_store::testing::both_stores]
fn a_sequence_of_another_tenant_or_another_number_does_not_enroll() {
    let (_d, mut ctx) = ctx(fx::store());
    let other_tenant = WELCOME.replace("tenant = \"Acme\"", "tenant = \"Globex\"");
    let other_number = WELCOME.replace(
        "tenant = \"Acme\"",
        "tenant = \"Acme\"\nnumbers = [\"+1 555 000 9999\"]",
    );
    let now = wabox_domain::time::now_unix();
    customer_writes(&ctx.conn, "wamid.A", now, "hola");
    let sequences = loaded(&[("globex", &other_tenant), ("elsewhere", &other_number)]);
    assert_eq!(scan_batch(&mut ctx, &sequences).unwrap().enrolled, 0);
}

#[wabox_store::testing::both_stores]
fn each_message_is_looked_at_once_the_cursor_moves_past_it() {
    let (_d, mut ctx) = ctx(fx::store());
    let now = wabox_domain::time::now_unix();
    customer_writes(&ctx.conn, "wamid.A", now, "hola");
    let sequences = loaded(&[("welcome", WELCOME)]);
    scan_batch(&mut ctx, &sequences).unwrap();
    // Stopped: were the message looked at again, it would enroll once more.
    ctx.conn
        .execute("UPDATE enrollments SET state = 'stopped'", [])
        .unwrap();
    let again = scan_batch(&mut ctx, &sequences).unwrap();
    assert_eq!((again.messages, again.enrolled), (0, 0));
}

#[wabox_store::testing::both_stores]
fn without_sequences_the_cursor_steps_over_every_new_message_at_once() {
    let (_d, mut ctx) = ctx(fx::store());
    let now = wabox_domain::time::now_unix();
    customer_writes(&ctx.conn, "wamid.A", now, "one");
    customer_writes(&ctx.conn, "wamid.B", now, "two");
    scan_batch(&mut ctx, &Loaded::default()).unwrap();
    let newest: i64 = ctx
        .conn
        .query_row("SELECT max(id) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(store::cursor(&ctx.conn).unwrap(), newest);
}

#[wabox_store::testing::both_stores]
fn a_customers_reply_makes_an_enrollment_waiting_for_it_due_now() {
    let (_d, mut ctx) = ctx(fx::store());
    let asks = r#"
tenant = "Acme"
[[step]]
id = "hello"
wait_reply = "1d"
[[step]]
text = "Thanks!"
"#;
    let now = wabox_domain::time::now_unix();
    let conversation = customer_writes(&ctx.conn, "wamid.A", now - 100, "hola");
    let sequences = loaded(&[("asks", asks)]);
    scan_batch(&mut ctx, &sequences).unwrap();
    let e = due_enrollment(&ctx.conn, conversation, "asks", now - 50);
    run_one(&mut ctx, Some(&sequences.sequences["asks"]), &e, now - 50).unwrap();
    assert_eq!(
        enrollment(&ctx.conn, e.id).0,
        "waiting_reply",
        "waits for the customer"
    );
    assert_eq!(enrollment(&ctx.conn, e.id).2, Some(now - 50 + 86_400));
    customer_writes(&ctx.conn, "wamid.B", now, "here I am");
    scan_batch(&mut ctx, &sequences).unwrap();
    let due = enrollment(&ctx.conn, e.id).2.unwrap();
    assert!(
        due <= wabox_domain::time::now_unix(),
        "due at once, not in a day"
    );
}

#[wabox_store::testing::both_stores]
fn the_business_answering_from_the_phone_app_pauses_the_conversations_sequence() {
    let (_d, mut ctx) = ctx(fx::store());
    let now = wabox_domain::time::now_unix();
    let conversation = customer_writes(&ctx.conn, "wamid.A", now, "hola");
    let sequences = loaded(&[("welcome", WELCOME)]);
    scan_batch(&mut ctx, &sequences).unwrap();
    fx::apply(
        &ctx.conn,
        2,
        &fx::echoes(vec![fx::echo("wamid.E", now, "I'll take it")]),
    );
    scan_batch(&mut ctx, &sequences).unwrap();
    let (state, reason): (String, String) = ctx
        .conn
        .query_row(
            "SELECT state, reason FROM enrollments WHERE conversation_id = ?1",
            [conversation],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(state, "paused");
    assert!(reason.contains("phone app"), "{reason}");
}

// --- Running due enrollments ---

#[wabox_store::testing::both_stores]
fn a_due_text_step_queues_the_text_once_and_the_wait_after_it_sets_a_timer() {
    let (_d, mut ctx) = ctx(fx::store());
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    let sequences = loaded(&[("welcome", WELCOME)]);
    let seq = &sequences.sequences["welcome"];
    let e = due_enrollment(&ctx.conn, conversation, "welcome", 1_060);
    assert!(
        run_at(&mut ctx, Some(seq), e.id, 1_060),
        "it queued a message"
    );
    assert_eq!(
        outbox_texts(&ctx.conn),
        [("Hi Wara!".to_string(), "sequence welcome".to_string())]
    );
    let (state, step, due, _) = enrollment(&ctx.conn, e.id);
    assert_eq!(
        (state.as_str(), step, due),
        ("active", 1, Some(1_060 + 7_200))
    );
    assert!(
        store::due_one(&ctx.conn, e.id, 1_061).unwrap().is_none(),
        "not due again before its timer"
    );
    let origin: String = ctx
        .conn
        .query_row(
            "SELECT origin FROM messages WHERE direction = 'out'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(origin, "sequence");
}

#[wabox_store::testing::both_stores]
fn a_due_timer_runs_the_step_after_the_wait_and_a_finished_sequence_is_done() {
    let (_d, mut ctx) = ctx(fx::store());
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    let sequences = loaded(&[("welcome", WELCOME)]);
    let seq = &sequences.sequences["welcome"];
    let e = due_enrollment(&ctx.conn, conversation, "welcome", 1_060);
    run_at(&mut ctx, Some(seq), e.id, 1_060);
    // The customer wrote again inside the wait, so the window is open when the timer fires.
    customer_writes(&ctx.conn, "wamid.B", 8_000, "ok");
    assert!(run_at(&mut ctx, Some(seq), e.id, 1_060 + 7_200));
    let texts: Vec<String> = outbox_texts(&ctx.conn).into_iter().map(|t| t.0).collect();
    assert_eq!(texts, ["Hi Wara!", "Still there?"]);
    let (state, _, due, reason) = enrollment(&ctx.conn, e.id);
    assert_eq!(
        (state.as_str(), due, reason.as_deref()),
        ("done", None, Some("completed"))
    );
}

#[wabox_store::testing::both_stores]
fn a_text_step_with_the_window_closed_and_no_fallback_pauses_and_sends_nothing() {
    let (_d, mut ctx) = ctx(fx::store());
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    let sequences = loaded(&[("welcome", WELCOME)]);
    let e = due_enrollment(&ctx.conn, conversation, "welcome", 1_000 + 25 * 3_600);
    assert!(!run_at(
        &mut ctx,
        Some(&sequences.sequences["welcome"]),
        e.id,
        1_000 + 25 * 3_600
    ));
    assert!(outbox_texts(&ctx.conn).is_empty());
    let (state, _, due, reason) = enrollment(&ctx.conn, e.id);
    assert_eq!((state.as_str(), due), ("paused", None));
    assert!(reason.unwrap().contains("24-hour window is closed"));
}

#[wabox_store::testing::both_stores]
fn a_window_closing_within_the_margin_counts_as_closed() {
    let (_d, mut ctx) = ctx(fx::store());
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    let sequences = loaded(&[("welcome", WELCOME)]);
    // Still open, but for less than the margin: the outbox might meet Meta's 131047.
    let now = 1_000 + 24 * 3_600 - WINDOW_MARGIN_SECONDS + 1;
    let e = due_enrollment(&ctx.conn, conversation, "welcome", now);
    run_at(&mut ctx, Some(&sequences.sequences["welcome"]), e.id, now);
    assert!(outbox_texts(&ctx.conn).is_empty());
    assert_eq!(enrollment(&ctx.conn, e.id).0, "paused");
}

#[wabox_store::testing::both_stores]
fn an_enrollment_whose_sequence_file_is_gone_pauses_and_says_so() {
    let (_d, mut ctx) = ctx(fx::store());
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    let e = due_enrollment(&ctx.conn, conversation, "welcome", 1_060);
    assert!(!run_at(&mut ctx, None, e.id, 1_060));
    let (state, step, due, reason) = enrollment(&ctx.conn, e.id);
    assert_eq!((state.as_str(), step, due), ("paused", 0, None));
    assert!(reason.unwrap().contains("welcome.toml is gone"));
}

#[wabox_store::testing::both_stores]
fn a_step_moved_by_an_edit_is_found_by_its_id_and_a_removed_one_pauses() {
    let (_d, mut ctx) = ctx(fx::store());
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    let e = due_enrollment(&ctx.conn, conversation, "welcome", 1_060);
    // The file gained a step before `hello`: the enrollment still runs `hello`.
    let moved = WELCOME.replacen(
        "[[step]]\nid = \"hello\"",
        "[[step]]\nid = \"new\"\ntext = \"Inserted\"\n[[step]]\nid = \"hello\"",
        1,
    );
    let seq = wabox_domain::sequence::parse("welcome", &moved).unwrap();
    assert_eq!(
        locate(&seq, &e).map(|p| p.step),
        Some(1),
        "hello is now the second step"
    );
    let removed = WELCOME.replace("id = \"hello\"\n", "id = \"renamed\"\n");
    let seq = wabox_domain::sequence::parse("welcome", &removed).unwrap();
    assert!(!run_at(&mut ctx, Some(&seq), e.id, 1_060));
    let (state, _, _, reason) = enrollment(&ctx.conn, e.id);
    assert_eq!(state, "paused");
    assert!(reason.unwrap().contains("\"hello\" is gone"));
    assert!(outbox_texts(&ctx.conn).is_empty());
}

#[wabox_store::testing::both_stores]
fn a_step_that_cannot_be_done_keeps_nothing_of_the_run_and_pauses_where_it_stood() {
    let (_d, mut ctx) = ctx(fx::store_with_token(None));
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    // An assignment that is done, then a text the number cannot send (no token).
    let assign_then_text = r#"
tenant = "Acme"
[[step]]
id = "hello"
close = true
[[step]]
text = "Hi"
"#;
    let seq = wabox_domain::sequence::parse("welcome", assign_then_text).unwrap();
    let e = due_enrollment(&ctx.conn, conversation, "welcome", 1_060);
    assert!(!run_at(&mut ctx, Some(&seq), e.id, 1_060));
    let conversation_state: String = ctx
        .conn
        .query_row(
            "SELECT state FROM conversations WHERE id = ?1",
            [conversation],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(conversation_state, "open", "the close was rolled back");
    assert!(outbox_texts(&ctx.conn).is_empty());
    let (state, step, _, reason) = enrollment(&ctx.conn, e.id);
    assert_eq!((state.as_str(), step), ("paused", 0), "where the run began");
    assert!(reason.unwrap().contains("no access token"));
}

#[wabox_store::testing::both_stores]
fn every_run_is_logged_with_the_message_it_queued() {
    let (_d, mut ctx) = ctx(fx::store());
    let conversation = customer_writes(&ctx.conn, "wamid.A", 1_000, "hola");
    let sequences = loaded(&[("welcome", WELCOME)]);
    let e = due_enrollment(&ctx.conn, conversation, "welcome", 1_060);
    run_at(&mut ctx, Some(&sequences.sequences["welcome"]), e.id, 1_060);
    let log = store::log_of(&ctx.conn, e.id).unwrap();
    let queued_message: i64 = ctx
        .conn
        .query_row("SELECT message_id FROM outbox", [], |r| r.get(0))
        .unwrap();
    let sent = log
        .iter()
        .find(|l| l.what == "sent a text")
        .expect("the send is in the log");
    assert_eq!(
        (sent.step, sent.message_id),
        (Some(0), Some(queued_message))
    );
    assert!(ctx.events.contains(&StoreEvent::ConversationChanged {
        conversation_id: conversation
    }));
}
