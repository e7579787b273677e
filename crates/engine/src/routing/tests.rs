use crate::api::Caller;
use crate::{Engine, EngineMode};
use std::sync::Arc;
use wabox_config::Config;
use wabox_protocol::{Request, Response};

fn engine() -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::loopback(&dir.path().join("data"), None, None, "http://127.0.0.1:9");
    (dir, Engine::start(config, EngineMode::InProcess).unwrap())
}

fn add_queue(name: &str) -> Request {
    Request::AddQueue {
        tenant: None,
        name: name.into(),
        auto_assign: false,
    }
}

async fn queue_names(engine: &Arc<Engine>) -> Vec<String> {
    match engine.handle(&Caller::current(), Request::ListQueues).await {
        Ok(Response::Queues(queues)) => queues.into_iter().map(|q| q.name).collect(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_admin_action_and_its_audit_entry_are_stored_together_or_not_at_all() {
    let (_d, engine) = engine();
    let me = Caller::current();
    let tenant = Request::AddTenant {
        name: "Acme".into(),
    };
    engine.handle(&me, tenant).await.unwrap();
    engine.handle(&me, add_queue("Sales")).await.unwrap();
    let log = engine
        .read(|c| wabox_store::queues::audit_log(c, 10))
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "queue_add" && e.detail.contains("Sales")),
        "{log:?}"
    );

    // An audit log that cannot be written refuses the action itself.
    engine
        .write(|ctx| {
            ctx.conn.execute_batch(
                "CREATE TRIGGER no_audit BEFORE INSERT ON audit
                 BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
            )?;
            Ok(())
        })
        .await
        .unwrap();
    assert!(engine.handle(&me, add_queue("Support")).await.is_err());
    assert_eq!(
        queue_names(&engine).await,
        ["Sales"],
        "no queue without its entry"
    );
    engine.shutdown();
}
