//! The hub against a real engine and store: what each view is pushed.

use crate::api::Caller;
use crate::{Engine, EngineMode};
use std::sync::Arc;
use std::time::Duration;
use wabox_config::Config;
use wabox_protocol::push::Sidebar;
use wabox_protocol::{Request, Role};
use wabox_store::test_fixtures as fx;

fn engine() -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::loopback(&dir.path().join("data"), None, None, "http://127.0.0.1:9");
    (dir, Engine::start(config, EngineMode::InProcess).unwrap())
}

fn agent(name: &str) -> Caller {
    Caller::local(4_000_200, name.into())
}

/// Pushes to this subscriber until one says `until`; all of them, that one last.
async fn pushes_until(
    pushes: &mut super::Pushes,
    until: impl Fn(&wabox_protocol::push::Push) -> bool,
) -> Vec<Arc<super::Delivery>> {
    let mut seen = Vec::new();
    loop {
        let delivery = tokio::time::timeout(Duration::from_secs(10), pushes.recv())
            .await
            .expect("a push within ten seconds")
            .expect("the hub is running");
        let done = until(&delivery.push);
        seen.push(delivery);
        if done {
            return seen;
        }
    }
}

/// Takes this subscriber's pushes until none has come for half a second.
async fn settle(pushes: &mut super::Pushes) {
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(500), pushes.recv()).await {}
}

/// The first push to this subscriber that carries a sidebar.
async fn with_sidebar(pushes: &mut super::Pushes) -> Arc<super::Delivery> {
    let seen = pushes_until(pushes, |p| p.sidebar.is_some()).await;
    seen.last().expect("the push with a sidebar").clone()
}

/// The first sidebar pushed to this subscriber.
async fn sidebar(pushes: &mut super::Pushes) -> Sidebar {
    let delivery = with_sidebar(pushes).await;
    (**delivery.push.sidebar.as_ref().expect("a sidebar")).clone()
}

/// Ana's and Ben's inboxes, subscribed.
async fn ana_and_ben(engine: &Arc<Engine>) -> (super::Pushes, super::Pushes) {
    let hub = engine.hub();
    let ana = hub.subscribe(&agent("ana"), None).await.unwrap().0;
    let ben = hub.subscribe(&agent("ben"), None).await.unwrap().0;
    (ana, ben)
}

/// Tenant Acme's number and a customer's conversation (its id), the number's conversations
/// waiting in `queues[0]`, and each `(agent, queue)` serving their queue.
async fn team(engine: &Arc<Engine>, queues: &[&str], agents: &[(&str, &str)]) -> i64 {
    let conversation_id = engine
        .write(|ctx| fx::number_and_conversation(&ctx.conn))
        .await
        .unwrap();
    let queue = |name: &str| Request::AddQueue {
        tenant: Some(fx::TENANT.into()),
        name: name.into(),
        auto_assign: false,
    };
    let requests = queues
        .iter()
        .map(|q| queue(q))
        .chain([Request::AssignNumber {
            number: fx::PNID.into(),
            queue: queues[0].into(),
        }])
        .chain(agents.iter().map(|(user, queue)| Request::AddAgent {
            user: (*user).into(),
            role: Role::Agent,
            tenant: Some(fx::TENANT.into()),
            queues: vec![(*queue).into()],
        }));
    for request in requests {
        engine.handle(&Caller::current(), request).await.unwrap();
    }
    conversation_id
}

/// Ana and Ben serving Sales, where the conversation waits, with their inboxes subscribed.
async fn sales_of_ana_and_ben(engine: &Arc<Engine>) -> (i64, super::Pushes, super::Pushes) {
    let conversation_id = team(engine, &["Sales"], &[("ana", "Sales"), ("ben", "Sales")]).await;
    let (ana, ben) = ana_and_ben(engine).await;
    (conversation_id, ana, ben)
}

#[tokio::test]
async fn agents_of_one_queue_share_its_sidebar_and_each_counts_their_own() {
    let (_d, engine) = engine();
    let conversation_id = team(&engine, &["Sales"], &[("ana", "Sales"), ("ben", "Sales")]).await;
    engine
        .handle(&agent("ana"), Request::Claim { conversation_id })
        .await
        .unwrap();

    let (mut ana, mut ben) = ana_and_ben(&engine).await;
    // A change both see: both sidebars are due at once, and read together.
    engine
        .tell(wabox_store::StoreEvent::ConversationChanged { conversation_id })
        .await;
    let (ana, ben) = (sidebar(&mut ana).await, sidebar(&mut ben).await);
    assert_eq!(ana.numbers, ben.numbers);
    assert_eq!(ana.queues, ben.queues);
    assert_eq!((ana.counts.open, ben.counts.open), (1, 1));
    assert_eq!(ana.counts.mine, 1, "Ana claimed it");
    assert_eq!(
        ben.counts.mine, 0,
        "not Ben's, though his sidebar is Ana's read"
    );
    engine.shutdown();
}

#[tokio::test]
async fn an_agent_who_claims_while_watching_counts_it_as_theirs_at_once() {
    let (_d, engine) = engine();
    let (conversation_id, mut ana, mut ben) = sales_of_ana_and_ben(&engine).await;
    // Neither held anything when they subscribed: the hub learns of Ana's from the claim.
    engine
        .handle(&agent("ana"), Request::Claim { conversation_id })
        .await
        .unwrap();
    let mine = |p: &wabox_protocol::push::Push| p.sidebar.as_ref().map(|s| s.counts.mine);
    pushes_until(&mut ana, |p| mine(p) == Some(1)).await;
    let bens = sidebar(&mut ben).await;
    assert_eq!((bens.counts.open, bens.counts.mine), (1, 0));
    engine.shutdown();
}

#[tokio::test]
async fn an_agent_who_held_a_conversation_outside_their_queues_is_told_it_is_gone_alone() {
    let (_d, engine) = engine();
    let conversation_id = team(
        &engine,
        &["Sales", "Support"],
        &[("ana", "Sales"), ("ben", "Sales"), ("cleo", "Support")],
    )
    .await;
    let admin = Caller::current();
    // Ben holds it in a queue he does not serve: he sees more than Ana, of the same queue.
    engine
        .handle(
            &admin,
            Request::Transfer {
                conversation_id,
                queue: Some("Support".into()),
                agent: Some("ben".into()),
                note: None,
            },
        )
        .await
        .unwrap();
    let (mut ana, mut ben) = ana_and_ben(&engine).await;
    // Handed to Cleo: out of Ben's sight, never in Ana's.
    engine
        .handle(
            &admin,
            Request::Transfer {
                conversation_id,
                queue: None,
                agent: Some("cleo".into()),
                note: None,
            },
        )
        .await
        .unwrap();
    pushes_until(&mut ben, |p| p.gone == [conversation_id]).await;
    engine.tell(wabox_store::StoreEvent::DirectoryChanged).await;
    let anas = pushes_until(&mut ana, |p| p.directory).await;
    assert!(
        anas.iter()
            .all(|d| d.push.gone.is_empty() && d.push.conversations.is_empty()),
        "Ana never saw it: {anas:?}"
    );
    engine.shutdown();
}

#[tokio::test]
async fn agents_of_one_queue_with_the_same_sidebar_are_sent_the_same_bytes() {
    let (_d, engine) = engine();
    let (conversation_id, mut ana, mut ben) = sales_of_ana_and_ben(&engine).await;
    // The team's own changes may reach the hub between the two joins, and have each sidebar
    // read on its own: once they are pushed, the next change has both read together.
    settle(&mut ana).await;
    settle(&mut ben).await;
    engine
        .tell(wabox_store::StoreEvent::ConversationChanged { conversation_id })
        .await;
    let (a, b) = (with_sidebar(&mut ana).await, with_sidebar(&mut ben).await);
    assert!(
        Arc::ptr_eq(&a, &b),
        "neither holds one: the same sidebar, serialized once"
    );
    engine.shutdown();
}

/// A subscriber coming back with `since`: its pushes, and how it joined.
async fn subscribe_since(
    engine: &Arc<Engine>,
    caller: &Caller,
    since: Option<wabox_protocol::push::PushCursor>,
) -> (super::Pushes, super::Joined) {
    let (out, pushes) = tokio::sync::mpsc::channel(super::SUBSCRIBER_QUEUE);
    let first = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = first.clone();
    let joined = engine
        .hub()
        .subscribe_to(
            caller,
            None,
            since,
            Box::new(out),
            Box::new(move |j| *seen.lock().unwrap() = Some(j)),
        )
        .await
        .unwrap();
    let told = first.lock().unwrap().expect("told before the first push");
    assert_eq!((told.cursor, told.resumed), (joined.cursor, joined.resumed));
    (pushes, joined)
}

/// A customer's message `wamid` applied, and its events told to the hub.
async fn customer_writes(engine: &Arc<Engine>, journal_id: i64, wamid: &str, at: i64) {
    let body = fx::messages(vec![fx::text(wamid, at, "¿siguen ahí?")]);
    let events = engine
        .write(move |ctx| Ok(fx::apply(&ctx.conn, journal_id, &body).1))
        .await
        .unwrap();
    for event in events {
        engine.tell(event).await;
    }
}

#[tokio::test]
async fn a_subscriber_coming_back_is_pushed_what_it_missed_once_as_it_is_now() {
    let (_d, engine) = engine();
    let conversation_id = team(&engine, &["Sales", "Support"], &[("ana", "Sales")]).await;
    let (mut ana, joined) = subscribe_since(&engine, &agent("ana"), None).await;
    assert!(!joined.resumed, "nothing asked to resume");
    customer_writes(&engine, 2, "wamid.B", 20).await;
    let seen = pushes_until(&mut ana, |p| !p.messages.is_empty()).await;
    let cursor = wabox_protocol::push::PushCursor {
        seq: seen.last().unwrap().push.seq,
        ..joined.cursor
    };
    assert!(cursor.seq > joined.cursor.seq, "a push carries its number");
    drop(ana); // the connection is lost

    // Meanwhile: two messages, the second one read, and a conversation she no longer sees.
    customer_writes(&engine, 3, "wamid.C", 30).await;
    customer_writes(&engine, 4, "wamid.D", 40).await;
    let (mut back, joined) = subscribe_since(&engine, &agent("ana"), Some(cursor)).await;
    assert!(joined.resumed);
    assert!(joined.cursor.seq > cursor.seq);
    let missed = pushes_until(&mut back, |p| p.seq > 0).await;
    let push = &missed.last().unwrap().push;
    assert_eq!(
        push.seq, joined.cursor.seq,
        "it brings her up to the cursor"
    );
    let wamids: Vec<&str> = push.messages.iter().map(|m| m.wamid.as_str()).collect();
    assert_eq!(wamids, ["wamid.C", "wamid.D"], "each missed message once");
    assert_eq!(push.conversations.len(), 1, "the row once, as it is now");
    assert_eq!(push.conversations[0].id, conversation_id);
    assert!(!push.resync && !push.directory, "nothing to read again");
    drop(back);

    // Moved to a queue she does not serve while she was away: told as gone.
    engine
        .handle(
            &Caller::current(),
            Request::Transfer {
                conversation_id,
                queue: Some("Support".into()),
                agent: None,
                note: None,
            },
        )
        .await
        .unwrap();
    let (mut again, rejoined) = subscribe_since(&engine, &agent("ana"), Some(joined.cursor)).await;
    assert!(rejoined.resumed);
    let missed = pushes_until(&mut again, |p| p.seq > 0).await;
    let push = &missed.last().unwrap().push;
    assert_eq!(push.gone, [conversation_id]);
    assert!(push.conversations.is_empty() && push.messages.is_empty());
    engine.shutdown();
}

#[tokio::test]
async fn a_cursor_this_hub_never_gave_is_not_resumed_and_pushes_nothing_first() {
    let (_d, engine) = engine();
    team(&engine, &["Sales"], &[("ana", "Sales")]).await;
    let (_ana, joined) = subscribe_since(&engine, &agent("ana"), None).await;
    let elsewhere = wabox_protocol::push::PushCursor {
        hub: joined.cursor.hub ^ 1,
        seq: 0,
    };
    let (mut other, rejoined) = subscribe_since(&engine, &agent("ana"), Some(elsewhere)).await;
    assert!(!rejoined.resumed, "another engine's, or a restarted one's");
    let ahead = wabox_protocol::push::PushCursor {
        seq: joined.cursor.seq + 5,
        ..joined.cursor
    };
    assert!(
        !subscribe_since(&engine, &agent("ana"), Some(ahead))
            .await
            .1
            .resumed
    );
    // Nothing happened: resumed with nothing to push.
    let (mut same, same_joined) =
        subscribe_since(&engine, &agent("ana"), Some(rejoined.cursor)).await;
    assert!(same_joined.resumed);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // (The team's own changes may still reach them as a directory push; no rows.)
    for pushes in [&mut other, &mut same] {
        while let Ok(d) = pushes.try_recv() {
            assert!(
                d.push.conversations.is_empty() && d.push.messages.is_empty(),
                "{d:?}"
            );
        }
    }
    engine.shutdown();
}
