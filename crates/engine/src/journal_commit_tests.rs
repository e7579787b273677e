//! The writer's ingest transactions, driven without the thread: deliveries applied in the
//! commit that journals them, a group with one that cannot be applied, and arrivals behind a
//! backlog waiting their turn.

use super::journal_commit::{self, Append, Arrival};
use super::writer::{WriterCtx, WriterStats};
use bytes::Bytes;
use serde_json::Value;
use std::sync::atomic::Ordering;
use tokio::sync::oneshot;
use wabox_store::journal::{self, JournalState};
use wabox_store::test_fixtures::{self as fx, Fixture};
use wabox_store::{self as store, StoreEvent};

fn writer_on(f: Fixture) -> (WriterCtx, wabox_store::testing::StoreGuard) {
    let ctx = WriterCtx::new(f.conn, None, wabox_store::cluster::Lane::ALL);
    (ctx, f._dir)
}

type Answer = oneshot::Receiver<store::Result<i64>>;

fn arrival(body: &Value) -> (Append, Answer) {
    let (reply, answer) = oneshot::channel();
    let bytes = Bytes::from(serde_json::to_vec(body).unwrap());
    ((Arrival::new(bytes), reply), answer)
}

fn answered(mut answer: Answer) -> i64 {
    answer
        .try_recv()
        .expect("answered once committed")
        .expect("acknowledged")
}

fn assert_processed(conn: &wabox_store::db::Connection, ids: impl IntoIterator<Item = i64>) {
    for id in ids {
        assert_eq!(journal::state(conn, id).unwrap(), JournalState::Processed);
    }
}

fn message_added(events: &[StoreEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, StoreEvent::MessageAdded { .. }))
        .count()
}

/// The next event the writer publishes (within `seconds`) is a message added.
async fn assert_message_added_next(
    seen: &mut tokio::sync::broadcast::Receiver<StoreEvent>,
    seconds: u64,
) {
    let event = tokio::time::timeout(std::time::Duration::from_secs(seconds), seen.recv())
        .await
        .expect("an event")
        .unwrap();
    assert!(
        matches!(event, StoreEvent::MessageAdded { .. }),
        "{event:?}"
    );
}

#[wabox_store::testing::both_stores]
fn a_delivery_with_nothing_before_it_is_applied_in_the_commit_that_journals_it() {
    let (mut ctx, _dir) = writer_on(fx::store());
    let stats = WriterStats::default();
    let (a, answer) = arrival(&fx::messages(vec![fx::text("wamid.A", 1_000, "hola")]));
    let (b, repeat) = arrival(&fx::messages(vec![fx::text("wamid.A", 1_000, "hola")]));
    let done = journal_commit::commit_appends(&mut ctx, vec![a, b], None, &stats, None);
    assert!(done.committed && !done.left_pending);
    let id = answered(answer);
    assert_eq!(answered(repeat), id, "the same bytes are the same delivery");
    assert_processed(&ctx.conn, [id]);
    assert!(fx::row(&ctx.conn, "wamid.A").is_some());
    assert!(!journal::any_pending(&ctx.conn).unwrap());
    assert_eq!(message_added(&ctx.events), 1, "applied once, not twice");
    assert_eq!(stats.journaled.load(Ordering::Relaxed), 1);
    assert_eq!(stats.processed.load(Ordering::Relaxed), 1);
}

#[wabox_store::testing::both_stores]
fn one_delivery_that_cannot_be_applied_costs_only_itself() {
    let (mut ctx, _dir) = writer_on(fx::store());
    // A store that refuses one message, as a bug or a full disk would.
    let refuse = match ctx.conn.dialect() {
        store::db::Dialect::Sqlite => {
            "CREATE TEMP TRIGGER refuse_bad BEFORE INSERT ON messages
             WHEN new.wamid = 'wamid.BAD' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
        }
        store::db::Dialect::Postgres => {
            "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
             CREATE TRIGGER refuse_bad BEFORE INSERT ON messages
             FOR EACH ROW WHEN (new.wamid = 'wamid.BAD') EXECUTE FUNCTION refuse_bad();"
        }
    };
    ctx.conn.execute_batch(refuse).unwrap();
    let stats = WriterStats::default();
    let (good, good_answer) = arrival(&fx::messages(vec![fx::text("wamid.OK", 1_000, "a")]));
    let (bad, bad_answer) = arrival(&fx::messages(vec![fx::text("wamid.BAD", 1_001, "b")]));
    let (junk, junk_answer) = arrival(&Value::String("not a delivery".into()));
    let done = journal_commit::commit_appends(&mut ctx, vec![good, bad, junk], None, &stats, None);
    // Every delivery is on disk and acknowledged, though the group could not be applied.
    assert!(done.committed && done.left_pending);
    let (good, bad, junk) = (
        answered(good_answer),
        answered(bad_answer),
        answered(junk_answer),
    );
    assert!(ctx.events.is_empty(), "nothing of the group was applied");
    assert!(fx::row(&ctx.conn, "wamid.OK").is_none());
    assert_eq!(
        journal::state(&ctx.conn, good).unwrap(),
        JournalState::Pending
    );
    // One by one, the bad one alone is kept as invalid.
    let open = journal_commit::begin(&mut ctx, 64)
        .unwrap()
        .expect("pending entries");
    assert!(journal_commit::commit(&mut ctx, open, &stats));
    assert_processed(&ctx.conn, [good]);
    assert!(fx::row(&ctx.conn, "wamid.OK").is_some());
    assert_eq!(
        journal::state(&ctx.conn, bad).unwrap(),
        JournalState::Invalid
    );
    assert_eq!(
        journal::state(&ctx.conn, junk).unwrap(),
        JournalState::Invalid
    );
    let details: Vec<String> =
        journal::list(&ctx.conn, journal::JournalFilter::NotProcessed, 10, None)
            .unwrap()
            .into_iter()
            .filter_map(|e| e.detail)
            .collect();
    assert!(
        details.iter().any(|d| d.contains("could not be applied")),
        "{details:?}"
    );
    assert_eq!(stats.processed.load(Ordering::Relaxed), 1);
    assert_eq!(stats.invalid.load(Ordering::Relaxed), 2);
}

#[wabox_store::testing::both_stores]
fn behind_a_backlog_arrivals_wait_their_turn_and_are_applied_in_order() {
    let (mut ctx, _dir) = writer_on(fx::store());
    let stats = WriterStats::default();
    // Left pending by an engine that stopped before applying it: the customer's first words.
    let first =
        serde_json::to_vec(&fx::messages(vec![fx::text("wamid.1", 1_000, "first")])).unwrap();
    let (older, _) = journal::append(
        &ctx.conn,
        &first,
        &journal::digest(&first),
        JournalState::Pending,
        1_000,
    )
    .unwrap();
    let (next, answer) = arrival(&fx::messages(vec![fx::text("wamid.2", 1_001, "second")]));
    let done = journal_commit::commit_appends(&mut ctx, vec![next], None, &stats, None);
    assert!(done.committed && done.left_pending);
    let newer = answered(answer);
    assert!(
        fx::row(&ctx.conn, "wamid.2").is_none(),
        "not before the older one"
    );
    let open = journal_commit::begin(&mut ctx, 64)
        .unwrap()
        .expect("pending entries");
    assert!(journal_commit::commit(&mut ctx, open, &stats));
    assert_processed(&ctx.conn, [older, newer]);
    let (one, two) = (
        fx::row(&ctx.conn, "wamid.1").unwrap(),
        fx::row(&ctx.conn, "wamid.2").unwrap(),
    );
    assert!(one.id < two.id, "applied in the order they came");
    // With the backlog gone, the next arrival is applied as it is journaled.
    let (third, answer) = arrival(&fx::messages(vec![fx::text("wamid.3", 1_002, "third")]));
    let done = journal_commit::commit_appends(&mut ctx, vec![third], None, &stats, None);
    assert!(!done.left_pending);
    answered(answer);
    assert!(fx::row(&ctx.conn, "wamid.3").is_some());
}

#[wabox_store::testing::both_stores]
fn a_burst_is_acknowledged_first_and_applied_after_in_order() {
    let (mut ctx, _dir) = writer_on(fx::store());
    let stats = WriterStats::default();
    let burst: Vec<(Append, Answer)> = (0..65)
        .map(|i| {
            arrival(&fx::messages(vec![fx::text(
                &format!("wamid.B{i}"),
                1_000 + i,
                "x",
            )]))
        })
        .collect();
    let (appends, answers): (Vec<Append>, Vec<Answer>) = burst.into_iter().unzip();
    let done = journal_commit::commit_appends(&mut ctx, appends, None, &stats, None);
    assert!(
        done.committed && done.left_pending,
        "journaled, to be applied after"
    );
    let ids: Vec<i64> = answers.into_iter().map(answered).collect();
    assert!(fx::row(&ctx.conn, "wamid.B0").is_none());
    // The writer applies the backlog between commits, oldest first.
    let mut applied = 0;
    while let Some(open) = journal_commit::begin(&mut ctx, 64).unwrap() {
        applied += open.applied();
        assert!(journal_commit::commit(&mut ctx, open, &stats));
    }
    assert_eq!(applied, 65);
    assert_processed(&ctx.conn, ids);
    let (first, last) = (
        fx::row(&ctx.conn, "wamid.B0").unwrap(),
        fx::row(&ctx.conn, "wamid.B64").unwrap(),
    );
    assert!(first.id < last.id);
}

#[tokio::test]
async fn the_engine_writer_answers_once_the_delivery_is_stored_and_tells_subscribers_then() {
    let f = fx::store();
    let path = std::path::PathBuf::from(f.conn.as_sqlite().unwrap().path().unwrap());
    drop(f.conn);
    let (writer, thread) =
        super::writer::start(&crate::store_at::StoreAt::Sqlite(path.clone()), true, None).unwrap();
    let mut seen = writer.events.subscribe();
    let body = fx::messages(vec![fx::text("wamid.S", 1_000, "hola")]);
    let id = writer
        .journal(Bytes::from(serde_json::to_vec(&body).unwrap()))
        .await
        .unwrap();
    // Once answered, any connection finds the delivery applied.
    let reader = store::open_reader(&path).unwrap();
    assert_processed(&reader, [id]);
    assert!(fx::row(&reader, "wamid.S").is_some());
    assert_message_added_next(&mut seen, 5).await;
    // Stopping syncs and answers what waits before the store closes (it used to be able to
    // find the log already removed).
    let mut late = Box::pin(writer.journal(Bytes::from_static(b"{\"entry\":[]}")));
    // Polled once, the delivery is handed over; then the writer is told to stop. (On a busy
    // machine the writer's thread may commit and answer within that one poll: answered too.)
    let early = tokio::select! {
        biased;
        answered = &mut late => Some(answered),
        _ = std::future::ready(()) => None,
    };
    writer.stop();
    let answered = match early {
        Some(answered) => answered,
        None => late.await,
    };
    assert!(answered.is_ok(), "handed over before the stop: answered");
    thread.join().unwrap();
    drop(f._dir);
}

/// A stream of deliveries with no quiet moment (one every 10 ms) still gets its messages into
/// the search index while it lasts: the index takes a batch every couple of seconds anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_without_pauses_is_still_indexed_for_search_while_it_lasts() {
    let f = fx::store();
    let path = std::path::PathBuf::from(f.conn.as_sqlite().unwrap().path().unwrap());
    drop(f.conn);
    let (writer, thread) =
        super::writer::start(&crate::store_at::StoreAt::Sqlite(path.clone()), true, None).unwrap();
    let reader = store::open_reader(&path).unwrap();
    let indexed = || -> i64 {
        reader
            .query_row("SELECT indexed_upto FROM search_progress", [], |r| r.get(0))
            .unwrap()
    };
    let started = std::time::Instant::now();
    let mut k = 0;
    while indexed() == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "nothing indexed after {k} deliveries"
        );
        let body = fx::messages(vec![fx::text(
            &format!("wamid.stream.{k}"),
            1_000 + k,
            "hola",
        )]);
        writer
            .journal(Bytes::from(serde_json::to_vec(&body).unwrap()))
            .await
            .unwrap();
        k += 1;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    writer.stop();
    thread.join().unwrap();
    drop(f._dir);
}

/// On PostgreSQL a serving engine answers once the delivery is journaled (`appender`), and the
/// lane of its partition applies it after (`apply_lanes`; which lane takes which partitions is
/// `store::cluster`'s test).
#[tokio::test(flavor = "multi_thread")]
async fn on_postgres_a_delivery_is_answered_once_journaled_and_applied_by_its_lane_after() {
    use wabox_store::cluster as lease;
    let Some(database) = wabox_store::testing::postgres_database() else {
        return;
    };
    let (conn, tenant_id, writer, thread) = serving_on_postgres(&database.url);
    let mut seen = writer.events.subscribe();
    let body = fx::messages(vec![fx::text("wamid.PG", 1_000, "hola")]);
    let id = writer
        .journal(Bytes::from(serde_json::to_vec(&body).unwrap()))
        .await
        .unwrap();
    // Journaled under its tenant's partition, whatever became of it since.
    let partition: i64 = conn
        .query_row("SELECT partition FROM journal WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(partition, lease::partition_of_tenant(tenant_id));
    // Applied after, and the subscribers told then.
    assert_message_added_next(&mut seen, 10).await;
    assert_processed(&conn, [id]);
    assert!(fx::row(&conn, "wamid.PG").is_some());
    // The same bytes again are the same delivery, answered with the same id.
    let again = writer
        .journal(Bytes::from(serde_json::to_vec(&body).unwrap()))
        .await
        .unwrap();
    assert_eq!(again, id);
    writer.stop();
    thread.join().unwrap();
}

/// A serving engine's writer on a PostgreSQL store with one number, holding every partition as
/// its keeper would have claimed them: the store, the number's tenant, the writer.
fn serving_on_postgres(
    url: &str,
) -> (
    wabox_store::db::Connection,
    i64,
    super::writer::WriterHandle,
    std::thread::JoinHandle<()>,
) {
    use wabox_store::cluster::{self as lease, EngineRow};
    let conn = store::open_postgres(url).unwrap();
    let (tenant_id, _) = fx::add_number(&conn, None).unwrap();
    let cluster = std::sync::Arc::new(crate::cluster::Cluster::new(true));
    let row = EngineRow {
        id: cluster.me.clone(),
        host: "test".into(),
        pid: 1,
        listen: None,
        started_at: 0,
    };
    lease::heartbeat(&conn, &row).unwrap();
    assert_eq!(lease::claim(&conn, &cluster.me, 60, 64).unwrap().len(), 64);
    let at = crate::store_at::StoreAt::Postgres(wabox_secret::Secret::new(url.to_owned()));
    let (writer, thread) = super::writer::start(&at, true, Some(cluster)).unwrap();
    (conn, tenant_id, writer, thread)
}

/// The journal commits on several connections at once (`appender`): deliveries sent together
/// are each answered once, with an id of their own, all stored; and a stop ends every one of
/// its threads, the idle ones too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_the_journals_connections_answer_each_delivery_once_and_stop_together() {
    let Some(database) = wabox_store::testing::postgres_database() else {
        return;
    };
    let (conn, _, writer, thread) = serving_on_postgres(&database.url);
    const SENT: i64 = 300;
    let sends: Vec<_> = (0..SENT)
        .map(|k| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let body = fx::messages(vec![fx::text(&format!("wamid.J{k}"), 1_000 + k, "hola")]);
                writer
                    .journal(Bytes::from(serde_json::to_vec(&body).unwrap()))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for send in sends {
        assert!(ids.insert(send.await.unwrap()), "an id answered twice");
    }
    assert_eq!(ids.len() as i64, SENT);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, SENT, "one journal row each");
    // Stopped while idle: one thread waits on the queue, the other for its turn at it.
    writer.stop();
    let joined = tokio::task::spawn_blocking(move || thread.join().is_ok());
    let joined = tokio::time::timeout(std::time::Duration::from_secs(30), joined).await;
    assert!(
        matches!(joined, Ok(Ok(true))),
        "the writer and its journal ended"
    );
}
