//! Moving through the wizard: the first requests, Esc and leaving, stale answers, tenants, and
//! the wizard opened from the inbox.

use super::*;
use crate::tui::wizard::state::PathChoice;

#[test]
fn the_first_screen_asks_who_the_engine_is_and_which_tenants_there_are() {
    let (_, effects) = Wizard::start(WizardStrings::for_code("en"), NOW, false);
    let asked: Vec<Ask> = calls(&effects).into_iter().map(|(a, _)| a).collect();
    assert_eq!(asked, [Ask::Hello, Ask::PublicUrl, Ask::Tenants]);
}

#[test]
fn esc_goes_back_one_screen_as_it_was_left_and_from_the_first_one_leaves() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 1, 2); // Tacos Lupita, Kapso
    assert_eq!(w.tenant.as_deref(), Some("Tacos Lupita"));
    assert_eq!(w.path, Some(PathChoice::Kapso));
    let out = through_queue(&mut w, out);
    assert!(out.is_empty());
    assert_eq!(screen_name(&w), "kapso");
    assert_eq!(w.queue.as_deref(), Some("Sales"));
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "queue");
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "path");
    match &w.screen {
        Screen::Path(p) => assert_eq!(p.selected, 2, "the cursor stays where it was"),
        _ => unreachable!(),
    }
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "tenant");
    match &w.screen {
        Screen::Tenant(t) => assert_eq!(t.selected, 1),
        _ => unreachable!(),
    }
    assert_eq!(key(&mut w, KeyCode::Esc), vec![Effect::Close]);
}

#[test]
fn an_answer_for_a_screen_already_left_is_dropped() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 4); // manual: the queue screen asks for queues
    assert_eq!(screen_name(&w), "queue");
    key(&mut w, KeyCode::Esc);
    let after = reply(
        &mut w,
        &out,
        Ask::Queues,
        Ok(Response::Queues(vec![queue("Demo Shop", "Sales")])),
    );
    assert!(after.is_empty());
    assert_eq!(screen_name(&w), "path");
    assert_eq!(w.in_flight(), 0);
}

#[test]
fn a_new_tenant_is_named_without_being_made_and_a_known_name_is_that_tenant() {
    let mut w = wizard("en");
    key(&mut w, KeyCode::Tab);
    let out = type_text(&mut w, "Globex");
    assert!(out.is_empty());
    let out = key(&mut w, KeyCode::Enter);
    assert!(calls(&out).is_empty(), "made only with its number: {out:?}");
    assert_eq!(screen_name(&w), "path");
    assert_eq!(w.tenant.as_deref(), Some("Globex"));
    assert!(w.new_tenant);

    let mut w = wizard("en");
    key(&mut w, KeyCode::Tab);
    type_text(&mut w, "demo shop");
    let out = key(&mut w, KeyCode::Enter);
    assert!(calls(&out).is_empty());
    assert_eq!(w.tenant.as_deref(), Some("Demo Shop"));
}

#[test]
fn the_engine_refusing_an_agent_is_shown_on_the_first_screen() {
    let (mut w, effects) = Wizard::start(WizardStrings::for_code("en"), NOW, false);
    reply(
        &mut w,
        &effects,
        Ask::Tenants,
        err("alice is an agent: only an admin can do this"),
    );
    assert!(text(&w).contains("alice is an agent: only an admin can do this"));
}

#[test]
fn browser_paths_are_refused_without_a_listening_engine() {
    let (mut w, effects) = Wizard::start(WizardStrings::for_code("en"), NOW, false);
    answer_all(&mut w, effects, |ask| match ask {
        Ask::Hello => Some(Ok(Response::Hello(EngineInfo {
            version: "0".into(),
            mode: crate::protocol::EngineMode::InProcess,
            data_dir: String::new(),
            user: "root".into(),
            protocol: crate::protocol::PROTOCOL_VERSION,
            role: None,
            clock_offset_seconds: 0,
            token_expires_at: None,
        }))),
        Ask::Tenants => Some(Ok(Response::Tenants(tenants()))),
        _ => None,
    });
    let out = to_path(&mut w, 0, 0);
    assert!(out.is_empty());
    assert_eq!(screen_name(&w), "path");
    assert!(text(&w).contains("start `wabox serve`"));
    // Manual entry needs no listener.
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Enter);
    assert_eq!(screen_name(&w), "queue");
}

#[test]
fn leaving_while_the_link_waits_asks_first_and_says_the_link_stays_open() {
    let mut w = meta_link("en", 0);
    assert!(key(&mut w, KeyCode::Char('q')).is_empty());
    assert!(w.confirm_quit);
    assert!(text(&w).contains("wabox connect status 7"));
    key(&mut w, KeyCode::Char('n'));
    assert!(!w.confirm_quit);
    assert!(ctrl(&mut w, 'c').is_empty());
    assert_eq!(key(&mut w, KeyCode::Char('y')), vec![Effect::Close]);
    // Esc leaves the link open, and says so.
    let mut w = meta_link("en", 0);
    key(&mut w, KeyCode::Esc);
    assert_eq!(screen_name(&w), "queue");
    assert!(text(&w).contains("signup 7 stays open"));
}

#[test]
fn with_nothing_under_way_q_leaves_at_once() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 0, 6); // the dashboard
    assert_eq!(screen_name(&w), "dashboard");
    reply(
        &mut w,
        &out,
        Ask::Dashboard,
        Ok(Response::Dashboard(Box::new(dashboard_view()))),
    );
    assert_eq!(w.in_flight(), 0);
    assert_eq!(key(&mut w, KeyCode::Char('q')), vec![Effect::Close]);
}

#[test]
fn the_inbox_opens_the_wizard_with_its_key_and_by_name_and_gets_it_back_on_leaving() {
    use crate::tui::app::{Effect as AppEffect, Tag as AppTag};
    let mut app = crate::tui::fixtures::inbox("es");
    // An agent is told it is an admin's, and nothing opens.
    let out = app.on_key(KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT));
    assert!(app.wizard.is_none() && out.is_empty());
    let said = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(said.contains("administradores"), "{said}");
    app.admin = true;
    let out = app.on_key(KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT));
    assert!(app.wizard.is_some());
    let asked: Vec<&Request> = out
        .iter()
        .filter_map(|e| match e {
            AppEffect::Call(AppTag::Wizard(_), r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(
        asked,
        [
            &Request::Hello,
            &Request::Dashboard {
                test: false,
                reveal: false
            },
            &Request::ListTenants
        ]
    );
    // The wizard speaks the inbox's language and takes the whole screen.
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| crate::tui::view::draw(f, &app)).unwrap();
    let shown = crate::tui::wizard::runner::buffer_text(terminal.backend().buffer());
    assert!(shown.contains("Conectar un número"), "{shown}");
    // Its answers reach it through the inbox's link; letters are its text, not inbox keys.
    for e in out {
        match e {
            AppEffect::Call(tag @ AppTag::Wizard(_), Request::ListTenants) => {
                app.on_reply(tag, Ok(Response::Tenants(tenants())));
            }
            AppEffect::Call(tag @ AppTag::Wizard(_), Request::Dashboard { .. }) => {
                app.on_reply(tag, Ok(Response::Dashboard(Box::new(dashboard_view()))));
            }
            AppEffect::Call(tag @ AppTag::Wizard(_), Request::Hello) => {
                app.on_reply(
                    tag,
                    Ok(Response::Hello(EngineInfo {
                        version: "0".into(),
                        mode: crate::protocol::EngineMode::Engine,
                        data_dir: String::new(),
                        user: "root".into(),
                        protocol: crate::protocol::PROTOCOL_VERSION,
                        role: None,
                        clock_offset_seconds: 0,
                        token_expires_at: None,
                    })),
                );
            }
            _ => {}
        }
    }
    // On the name's row (Tab goes there), q is a letter of the name.
    app.on_key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE));
    app.on_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert!(
        app.wizard.is_some(),
        "q is typed into the new tenant's name"
    );
    app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    let out = app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(
        app.wizard.is_none(),
        "Esc on the first screen goes back to the inbox"
    );
    assert!(
        out.iter()
            .any(|e| matches!(e, AppEffect::Call(AppTag::Numbers, Request::ListNumbers))),
        "the inbox reads its numbers again: {out:?}"
    );
    app.run_command("connect");
    assert!(app.wizard.is_some());
}

#[test]
fn a_broken_kapso_number_is_reconnected_from_the_kapso_screen_not_added_again() {
    let mut w = wizard("en");
    let out = to_path(&mut w, 1, 2); // Tacos Lupita, Kapso
    through_queue(&mut w, out);
    // The last row takes the number doctor named; a new number is then not provisioned.
    key(&mut w, KeyCode::Down);
    key(&mut w, KeyCode::Char(' ')); // provision a new number: yes
    for _ in 0..4 {
        key(&mut w, KeyCode::Down);
    }
    type_text(&mut w, "+591 70012345");
    let effects = key(&mut w, KeyCode::Enter);
    let begun = calls(&effects)
        .into_iter()
        .find(|(a, _)| *a == Ask::Begin)
        .map(|(_, r)| r)
        .expect("the link is asked for");
    match begun {
        Request::BeginSignup {
            path: crate::protocol::SignupPath::Kapso(options),
            ..
        } => {
            assert_eq!(options.reconnect.as_deref(), Some("+591 70012345"));
            assert!(!options.provision_number && options.countries.is_empty());
        }
        other => panic!("{other:?}"),
    }
}
