//! One test per rule of the outbox worker: what a refused send becomes (retry, with what backoff,
//! or failed), and what one network attempt records, against an engine on a temp dir and a
//! stand-in Graph API on 127.0.0.1. The attempts run on both stores (`on_each_store`).

use super::*;
use crate::EngineMode;
use serde_json::{Value, json};
use wabox_cloud::ErrorAction;
use wabox_config::Config;
use wabox_store::test_fixtures as fx;

fn due(attempts: i64) -> DueSend {
    DueSend {
        id: 1,
        message_id: 1,
        conversation_id: 1,
        number_id: 1,
        phone_number_id: fx::PNID.into(),
        connection: ConnectionKind::Dedicated,
        token_sealed: None,
        request: json!({}),
        attempts,
        next_attempt_at: 0,
        kind: "text".into(),
        file: None,
    }
}

fn api_error(code: i64, action: ErrorAction) -> GraphError {
    GraphError::Api {
        http_status: 400,
        code,
        subcode: None,
        message: format!("Meta's words for {code}"),
        action,
    }
}

/// The wait a retry asks for, from now.
fn retry_wait(outcome: Outcome) -> i64 {
    match outcome {
        Outcome::Retry(at, ..) => at - now_ms(),
        _ => panic!("expected a retry"),
    }
}

// --- Retry or fail ---

#[test]
fn an_unreachable_graph_is_retried_soon_and_later_attempts_wait_longer() {
    let unreachable = || GraphError::Unreachable("connection refused".into());
    let first = retry_wait(retry_or_fail(&due(0), unreachable()));
    assert!((700..=1_300).contains(&first), "{first} ms");
    let fifth = retry_wait(retry_or_fail(&due(4), unreachable()));
    assert!(
        fifth >= 12_000 - 50,
        "the wait doubles per attempt: {fifth} ms"
    );
}

#[test]
fn a_pair_rate_limit_waits_at_least_the_customers_interval() {
    let wait = retry_wait(retry_or_fail(
        &due(0),
        api_error(131056, ErrorAction::Throttled),
    ));
    assert!(wait >= 4_500 - 50, "{wait} ms");
}

#[test]
fn a_retryable_failure_is_given_up_after_the_last_attempt() {
    let outcome = retry_or_fail(
        &due(MAX_ATTEMPTS - 1),
        GraphError::Unreachable("refused".into()),
    );
    assert!(matches!(outcome, Outcome::Failed(None, _)));
    assert!(matches!(
        retry_or_fail(
            &due(MAX_ATTEMPTS - 2),
            GraphError::Unreachable("refused".into())
        ),
        Outcome::Retry(..)
    ));
}

#[test]
fn a_refusal_for_good_fails_at_once_with_metas_code_and_words() {
    let outcome = retry_or_fail(&due(0), api_error(131026, ErrorAction::Recipient));
    let Outcome::Failed(code, words) = outcome else {
        panic!("a recipient refusal is not retried");
    };
    assert_eq!(
        (code, words.as_str()),
        (Some(131026), "Meta's words for 131026")
    );
}

// --- One attempt, recorded ---

/// A stand-in for the Graph API that answers every request with `status` and `body`.
async fn graph_answering(status: u16, body: Value) -> String {
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move {
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                axum::Json(body),
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A Graph API that takes the request and hangs up without answering.
async fn graph_hanging_up() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            use tokio::io::AsyncReadExt as _;
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            drop(socket);
        }
    });
    url
}

use crate::test_stores::on_each_store;

/// An engine on a temp dir (its store there, or at `store_url`) whose number has a token (or
/// not), and one text queued to the customer; returns the engine and the send as the worker
/// reads it.
async fn engine_with_a_queued_text(
    graph: &str,
    with_token: bool,
    store_url: Option<String>,
) -> (tempfile::TempDir, Arc<Engine>, DueSend) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::loopback(&dir.path().join("data"), None, None, graph);
    config.store_url = store_url.map(wabox_secret::Secret::new);
    let engine = Engine::start(config, EngineMode::InProcess).unwrap();
    let token = with_token.then(|| engine.sealer.seal("EAAG-test-token"));
    engine
        .writer
        .run(move |ctx| -> wabox_store::Result<()> {
            fx::add_number(&ctx.conn, token)?;
            fx::apply(
                &ctx.conn,
                1,
                &fx::messages(vec![fx::text("wamid.IN", 100, "hola")]),
            );
            let target = outbox::send_target(&ctx.conn, fx::conversation(&ctx.conn).unwrap())?;
            let request = json!({"messaging_product": "whatsapp", "to": fx::CUSTOMER,
                                 "type": "text", "text": {"body": "hi"}});
            let send = outbox::NewSend {
                kind: "text",
                request: &request,
                rendered: "hi",
                requested_by: "ana",
                origin: "agent",
                reply_to: None,
            };
            outbox::queue(&ctx.conn, &target, &send, now_ms(), &mut ctx.events)?;
            Ok(())
        })
        .await
        .unwrap();
    let send = engine
        .writer
        .run(|ctx| -> wabox_store::Result<DueSend> {
            let send = outbox::queued(&ctx.conn, 200)?.remove(0);
            // Claimed, as the worker does before the call.
            outbox::mark_sending(&ctx.conn, send.id, now_ms())?;
            Ok(send)
        })
        .await
        .unwrap();
    (dir, engine, send)
}

/// The lease an outcome is marked under: none on SQLite; on PostgreSQL the number's
/// partition's, which this engine takes first (every claim and mark checks it in the store).
async fn lease_for(engine: &Arc<Engine>, number_id: i64) -> Option<Lease> {
    let cluster = engine.cluster.clone()?;
    engine
        .writer
        .run(move |ctx| {
            let partition = wabox_store::cluster::partition_of_number(&ctx.conn, number_id)?
                .expect("the number is ours");
            let taken = wabox_store::cluster::claim(&ctx.conn, &cluster.me, 60, 64)?;
            Ok(taken.into_iter().find(|l| l.partition == partition))
        })
        .await
        .unwrap()
}

/// The outbox row's state and error text, and the message's status and wamid.
async fn outcome_of(engine: &Arc<Engine>, id: i64) -> (String, Option<String>, String, String) {
    engine
        .writer
        .run(move |ctx| {
            Ok(ctx.conn.query_row(
                "SELECT o.state, o.error_text, m.status, m.wamid FROM outbox o
                 JOIN messages m ON m.id = o.message_id WHERE o.id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn an_accepted_send_is_recorded_sent_with_metas_wamid() {
    on_each_store(|store| async move {
        let graph = graph_answering(
            200,
            json!({"messaging_product": "whatsapp", "contacts": [{"input": fx::CUSTOMER, "wa_id": fx::CUSTOMER}],
                   "messages": [{"id": "wamid.FROM-META"}]}),
        )
        .await;
        let (_d, engine, send) = engine_with_a_queued_text(&graph, true, store.clone()).await;
        let id = send.id;
        let lease = lease_for(&engine, send.number_id).await;
        deliver(&engine, send, lease, &Departures::new(80.0, Instant::now())).await;
        let (state, _, status, wamid) = outcome_of(&engine, id).await;
        assert_eq!(
            (state.as_str(), status.as_str(), wamid.as_str()),
            ("sent", "accepted", "wamid.FROM-META")
        );
        engine.shutdown();
    })
    .await;
}

#[tokio::test]
async fn a_send_without_an_answer_is_uncertain_never_retried_by_itself() {
    on_each_store(|store| async move {
        let graph = graph_hanging_up().await;
        let (_d, engine, send) = engine_with_a_queued_text(&graph, true, store.clone()).await;
        let id = send.id;
        let lease = lease_for(&engine, send.number_id).await;
        deliver(&engine, send, lease, &Departures::new(80.0, Instant::now())).await;
        let (state, why, status, _) = outcome_of(&engine, id).await;
        assert_eq!(
            (state.as_str(), status.as_str()),
            ("uncertain", "uncertain")
        );
        assert!(
            why.unwrap()
                .contains("may or may not have reached the customer")
        );
        engine.shutdown();
    })
    .await;
}

#[tokio::test]
async fn a_throttled_send_goes_back_in_the_queue_for_later() {
    on_each_store(|store| async move {
        let graph = graph_answering(
            429,
            json!({"error": {"message": "Rate limit hit", "type": "OAuthException", "code": 130429}}),
        )
        .await;
        let (_d, engine, send) = engine_with_a_queued_text(&graph, true, store.clone()).await;
        let (id, before) = (send.id, now_ms());
        let lease = lease_for(&engine, send.number_id).await;
        deliver(&engine, send, lease, &Departures::new(80.0, Instant::now())).await;
        let (state, ..) = outcome_of(&engine, id).await;
        assert_eq!(state, "queued");
        let next: i64 = engine
            .writer
            .run(move |ctx| {
                Ok(ctx.conn.query_row(
                    "SELECT next_attempt_at FROM outbox WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        assert!(
            next >= before + 500,
            "not due again at once: {next} vs {before}"
        );
        engine.shutdown();
    })
    .await;
}

#[tokio::test]
async fn a_number_without_a_token_fails_the_send_and_says_to_connect_it() {
    on_each_store(|store| async move {
        // Nothing listens here: the send must fail before any call.
        let (_d, engine, send) =
            engine_with_a_queued_text("http://127.0.0.1:9", false, store.clone()).await;
        let id = send.id;
        let lease = lease_for(&engine, send.number_id).await;
        deliver(&engine, send, lease, &Departures::new(80.0, Instant::now())).await;
        let (state, why, status, _) = outcome_of(&engine, id).await;
        assert_eq!((state.as_str(), status.as_str()), ("failed", "failed"));
        assert_eq!(
            why.unwrap(),
            wabox_i18n::engine::NO_TOKEN_CONNECT_AGAIN.en(&[])
        );
        engine.shutdown();
    })
    .await;
}

#[tokio::test]
async fn sends_held_up_together_leave_no_more_than_the_rate_in_a_second() {
    // A number of 2 a second, four of its sends let go at once (after a stall): two leave now,
    // the other two once the first two are a window's span old.
    let started = Instant::now();
    let departures = Departures::new(2.0, started);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let d = departures.clone();
            tokio::spawn(async move {
                d.take_turn().await;
                started.elapsed()
            })
        })
        .collect();
    let mut left = Vec::new();
    for t in tasks {
        left.push(t.await.unwrap());
    }
    left.sort();
    assert!(left[1] < Duration::from_millis(500), "{left:?}");
    assert!(left[2] >= Duration::from_millis(1030), "{left:?}");
}
