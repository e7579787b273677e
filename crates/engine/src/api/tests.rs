use super::*;
use crate::EngineMode;
use wabox_config::Config;

fn engine(admins: &[&str]) -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::loopback(&dir.path().join("data"), None, None, "http://127.0.0.1:9");
    config.admins = admins.iter().map(|a| a.to_string()).collect();
    (dir, Engine::start(config, EngineMode::InProcess).unwrap())
}

fn stranger(name: &str) -> Caller {
    Caller::local(4_000_123, name.into())
}

#[tokio::test]
async fn strangers_are_refused_and_told_who_can_add_them() {
    let (_d, engine) = engine(&["alice"]);
    let refused = engine
        .handle(&stranger("mallory"), Request::ListTenants)
        .await
        .unwrap_err();
    assert!(
        refused.english().contains(
            "mallory is not a wabox user: an admin adds them with `wabox agents add mallory`"
        ),
        "{refused}"
    );
    // Hello tells anyone who they are, and nothing else.
    assert!(matches!(
        engine.handle(&stranger("mallory"), Request::Hello).await,
        Ok(Response::Hello(_))
    ));
    assert!(
        engine
            .handle(&stranger("alice"), Request::ListTenants)
            .await
            .is_ok()
    );
    assert!(
        engine
            .handle(&Caller::current(), Request::ListTenants)
            .await
            .is_ok()
    );
    engine.shutdown();
}

#[tokio::test]
async fn only_admins_may_act_as_someone_else_whatever_the_request_says() {
    let (_d, engine) = engine(&["root-like"]);
    let me = Caller::current();
    engine
        .handle(
            &me,
            Request::AddTenant {
                name: "Acme".into(),
            },
        )
        .await
        .unwrap();
    for (user, queue) in [("alice", "Sales"), ("bob", "Support")] {
        engine
            .handle(
                &me,
                Request::AddQueue {
                    tenant: None,
                    name: queue.into(),
                    auto_assign: false,
                },
            )
            .await
            .unwrap();
        engine
            .handle(
                &me,
                Request::AddAgent {
                    user: user.into(),
                    role: wabox_protocol::Role::Agent,
                    tenant: None,
                    queues: vec![queue.into()],
                },
            )
            .await
            .unwrap();
    }
    // alice, an agent, asks to be bob: refused, and nothing of bob's is answered.
    let refused = engine
        .handle_as(&stranger("alice"), Some("bob"), Request::ListQueues)
        .await
        .unwrap_err();
    assert!(
        refused.english().contains("only admins can act as"),
        "{refused}"
    );
    // As herself she sees her own queue only.
    let Ok(Response::Queues(mine)) = engine.handle(&stranger("alice"), Request::ListQueues).await
    else {
        panic!("alice could not list her queues")
    };
    let names: Vec<&str> = mine.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["Sales"]);
    // An admin acting as bob sees bob's, and the audit log says who did it.
    let Ok(Response::Queues(bobs)) = engine
        .handle_as(&stranger("root-like"), Some("bob"), Request::ListQueues)
        .await
    else {
        panic!("an admin could not act as bob")
    };
    assert_eq!(bobs[0].name, "Support");
    let Ok(Response::AuditLog(log)) = engine.handle(&me, Request::Audit { limit: None }).await
    else {
        panic!("no audit log")
    };
    assert!(log.iter().any(|e| e.actor == "root-like"
        && e.as_user.as_deref() == Some("bob")
        && e.action == "act_as"));
    engine.shutdown();
}

#[tokio::test]
async fn a_token_is_sealed_before_it_is_stored() {
    let (d, engine) = engine(&[]);
    let me = Caller::current();
    engine
        .handle(
            &me,
            Request::AddTenant {
                name: "Acme".into(),
            },
        )
        .await
        .unwrap();
    let added = engine
        .handle(
            &me,
            Request::AddNumber {
                tenant: "Acme".into(),
                phone_number_id: "106540352242922".into(),
                waba_id: "104829357711032".into(),
                display_phone: "+15550783881".into(),
                connection: wabox_domain::ConnectionKind::Dedicated,
                access_token: Some(wabox_secret::Secret::new("EAAsealme123")),
                business_id: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(added, Response::Number(ref n) if n.has_token));
    let sealed: Vec<u8> = engine
        .readers
        .with(|c| Ok(c.query_row("SELECT access_token_sealed FROM numbers", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(engine.sealer.open(&sealed).unwrap(), "EAAsealme123");
    engine.shutdown();
    drop(d);
}

#[tokio::test]
async fn marking_read_a_conversation_already_read_changes_and_tells_nothing() {
    use wabox_store::test_fixtures as fx;
    let (_d, engine) = engine(&[]);
    let conversation_id = engine
        .write(|ctx| fx::number_and_conversation(&ctx.conn))
        .await
        .unwrap();
    let mut events = engine.writer.events.subscribe();
    let mark = || Request::MarkRead { conversation_id };
    let unread = || async {
        engine
            .read(move |c| wabox_store::views::conversation(c, conversation_id, 0))
            .await
            .unwrap()
            .unread
    };
    assert_eq!(unread().await, 1);
    engine.handle(&Caller::current(), mark()).await.unwrap();
    assert_eq!(unread().await, 0);
    // Events go out after the caller hears back, so wait for them rather than peek.
    async fn next(
        events: &mut tokio::sync::broadcast::Receiver<wabox_store::StoreEvent>,
    ) -> wabox_store::StoreEvent {
        tokio::time::timeout(std::time::Duration::from_secs(10), events.recv())
            .await
            .expect("an event within ten seconds")
            .unwrap()
    }
    assert!(
        matches!(
            next(&mut events).await,
            wabox_store::StoreEvent::ConversationChanged { conversation_id: c } if c == conversation_id
        ),
        "the change is told"
    );
    // A second inbox with it open asks again: nothing to change, nothing pushed to everyone.
    engine.handle(&Caller::current(), mark()).await.unwrap();
    // A marker written after it: the next event heard must be the marker, not a change.
    engine.tell(wabox_store::StoreEvent::DirectoryChanged).await;
    assert!(
        matches!(
            next(&mut events).await,
            wabox_store::StoreEvent::DirectoryChanged
        ),
        "no event for no change"
    );
    engine.shutdown();
}
