//! Who may make, see and revoke tokens, and what a token's holder is.

use crate::api::Caller;
use crate::{Engine, EngineMode};
use std::sync::Arc;
use wabox_config::Config;
use wabox_protocol::{Request, Response, Role};

fn engine() -> (tempfile::TempDir, Arc<Engine>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::loopback(&dir.path().join("data"), None, None, "http://127.0.0.1:9");
    config.admins = vec!["boss".into()];
    (dir, Engine::start(config, EngineMode::InProcess).unwrap())
}

fn local(name: &str) -> Caller {
    Caller::local(4_000_321, name.into())
}

async fn ok(engine: &Arc<Engine>, caller: &Caller, request: Request) -> Response {
    engine
        .handle(caller, request)
        .await
        .unwrap_or_else(|e| panic!("{}", e.english()))
}

async fn refused(engine: &Arc<Engine>, caller: &Caller, request: Request) -> String {
    match engine.handle(caller, request).await {
        Ok(r) => panic!("allowed: {r:?}"),
        Err(e) => e.english(),
    }
}

fn create(user: &str) -> Request {
    Request::CreateToken {
        user: user.into(),
        name: Some("laptop".into()),
        expires_in: Some(3_600),
    }
}

/// Two tenants, each with a queue, an agent and an admin.
async fn two_tenants(engine: &Arc<Engine>) {
    let me = Caller::current();
    for (tenant, queue, agent, admin) in [
        ("Acme", "Sales", "ana", "acme-admin"),
        ("Globex", "Help", "gil", "globex-admin"),
    ] {
        ok(
            engine,
            &me,
            Request::AddTenant {
                name: tenant.into(),
            },
        )
        .await;
        ok(
            engine,
            &me,
            Request::AddQueue {
                tenant: Some(tenant.into()),
                name: queue.into(),
                auto_assign: false,
            },
        )
        .await;
        for (user, role, queues) in [
            (agent, Role::Agent, vec![queue.to_string()]),
            (admin, Role::Admin, vec![]),
        ] {
            ok(
                engine,
                &me,
                Request::AddAgent {
                    user: user.into(),
                    role,
                    tenant: Some(tenant.into()),
                    queues,
                },
            )
            .await;
        }
    }
}

#[tokio::test]
async fn tokens_are_made_for_users_with_standing_within_the_makers_scope() {
    let (_d, engine) = engine();
    two_tenants(&engine).await;
    let me = Caller::current();
    let Response::TokenCreated(made) = ok(&engine, &me, create("ana")).await else {
        panic!()
    };
    assert!(made.secret.starts_with("wabox_"));
    assert_eq!(made.token.user, "ana");
    assert!(
        format!("{made:?}").find(&made.secret).is_none(),
        "no secret in a debug print"
    );

    ok(&engine, &me, create("boss")).await;
    assert!(
        refused(&engine, &me, create("nobody-here"))
            .await
            .contains("not a wabox user"),
        "a user with no record and not an admin"
    );
    let acme_admin = local("acme-admin");
    ok(&engine, &acme_admin, create("ana")).await;
    assert!(
        refused(&engine, &acme_admin, create("gil"))
            .await
            .contains("not a user of your tenant")
    );
    assert!(
        refused(&engine, &acme_admin, create("boss"))
            .await
            .contains("not a user of your tenant")
    );
    assert!(
        refused(&engine, &local("ana"), create("ana"))
            .await
            .contains("only an admin")
    );

    // Each sees their own scope's: all, Acme's users', their own.
    let count = |r: Response| match r {
        Response::Tokens(ts) => ts.len(),
        other => panic!("{other:?}"),
    };
    assert_eq!(count(ok(&engine, &me, Request::ListTokens).await), 3);
    assert_eq!(
        count(ok(&engine, &acme_admin, Request::ListTokens).await),
        2
    );
    assert_eq!(
        count(ok(&engine, &local("globex-admin"), Request::ListTokens).await),
        0
    );
    assert_eq!(
        count(ok(&engine, &local("ana"), Request::ListTokens).await),
        2
    );
    assert!(
        refused(
            &engine,
            &local("globex-admin"),
            Request::RevokeToken { id: made.token.id }
        )
        .await
        .contains("no token")
    );
    engine.shutdown();
}

#[tokio::test]
async fn revoking_closes_the_tokens_sessions_and_is_audited() {
    let (_d, engine) = engine();
    two_tenants(&engine).await;
    let me = Caller::current();
    let Response::TokenCreated(made) = ok(&engine, &me, create("ana")).await else {
        panic!()
    };
    let id = made.token.id;
    let mut session = engine.remote_sessions.open(id);
    let other = engine.remote_sessions.open(id + 1);
    // The holder may revoke their own (a lost laptop).
    let Response::TokenRevoked(t) = ok(&engine, &local("ana"), Request::RevokeToken { id }).await
    else {
        panic!()
    };
    assert!(t.revoked_at.is_some());
    session.changed().await.unwrap();
    assert!(*session.borrow(), "closed at once");
    assert!(
        !other.has_changed().unwrap(),
        "another token's session stays"
    );
    let Response::AuditLog(log) = ok(&engine, &me, Request::Audit { limit: Some(10) }).await else {
        panic!()
    };
    let actions: Vec<_> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert!(actions.contains(&("ana", "token_revoke")), "{actions:?}");
    assert!(log.iter().all(|e| !e.detail.contains(&made.secret)));
    engine.shutdown();
}

#[tokio::test]
async fn a_tokens_holder_is_no_unix_account_whatever_their_name() {
    let (_d, engine) = engine();
    // Named like root and like this process's user: neither is an admin by that.
    for name in ["root".to_string(), Caller::current().user] {
        let remote = Caller::remote(name.clone(), 1);
        assert!(
            refused(&engine, &remote, Request::ListTenants)
                .await
                .contains("not a wabox user"),
            "{name}"
        );
    }
    // One of the config's admins is, by name.
    ok(
        &engine,
        &Caller::remote("boss".into(), 2),
        Request::ListTenants,
    )
    .await;
    engine.shutdown();
}
