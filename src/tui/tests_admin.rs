//! The admin's `:` commands in the inbox naming a tenant: `Sales@Acme`, or `@Tenant Name` last.

use super::app::{App, Effect, Tag};
use super::fixtures;
use crate::protocol::Request;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn command(app: &mut App, line: &str) -> Vec<Effect> {
    app.on_key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE));
    for c in line.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

fn admin_change(effects: &[Effect]) -> Option<&Request> {
    effects.iter().find_map(|e| match e {
        Effect::Call(Tag::AdminChange, r) => Some(r),
        _ => None,
    })
}

#[test]
fn agent_add_names_the_queues_tenant_with_an_at() {
    let mut app = fixtures::inbox("en");
    let out = command(&mut app, "agent-add alice Sales@Acme");
    assert_eq!(
        admin_change(&out),
        Some(&Request::AddAgent {
            user: "alice".into(),
            role: crate::protocol::Role::Agent,
            tenant: Some("Acme".into()),
            queues: vec!["Sales".into()],
        })
    );
    // A tenant whose name has spaces goes last, after ` @`.
    let out = command(&mut app, "agent-add alice Sales @Tacos Lupita");
    assert_eq!(
        admin_change(&out),
        Some(&Request::AddAgent {
            user: "alice".into(),
            role: crate::protocol::Role::Agent,
            tenant: Some("Tacos Lupita".into()),
            queues: vec!["Sales".into()],
        })
    );
    // No tenant named: the engine finds the one that has the queue.
    let out = command(&mut app, "agent-add alice Sales");
    assert_eq!(
        admin_change(&out),
        Some(&Request::AddAgent {
            user: "alice".into(),
            role: crate::protocol::Role::Agent,
            tenant: None,
            queues: vec!["Sales".into()],
        })
    );
}

#[test]
fn an_agent_in_two_tenants_is_refused_in_words_before_asking_the_engine() {
    let mut app = fixtures::inbox("es");
    let out = command(&mut app, "agent-add alice Sales@Acme Ventas@Globex");
    assert!(admin_change(&out).is_none());
    let notice = app.notice.as_ref().expect("a notice");
    assert!(notice.error);
    assert!(
        notice.text.contains("Acme") && notice.text.contains("Globex"),
        "{}",
        notice.text
    );
    assert!(notice.text.contains("una sola empresa"), "{}", notice.text);
}
