//! The broadcasts popup (`:broadcasts`): listed with their progress, its keys sending the
//! engine the right control for each row's state, and drawn in 80x24 in English and Spanish.

use super::app::{App, Effect, Popup, Tag};
use super::fixtures;
use crate::protocol::Request;
use crate::protocol::Response;
use crate::protocol::broadcasts::{BroadcastControl, BroadcastView, FailureCount, SkippedCount};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn command(app: &mut App, line: &str) -> Vec<Effect> {
    press(app, KeyCode::Char(':'));
    for c in line.chars() {
        press(app, KeyCode::Char(c));
    }
    press(app, KeyCode::Enter)
}

fn render(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
    terminal
        .draw(|f| super::view::draw(f, app))
        .expect("draw into the test terminal");
    terminal.backend().to_string()
}

fn broadcast(id: i64, state: &str, done: u64, recipients: u64) -> BroadcastView {
    BroadcastView {
        id,
        tenant: "Demo Shop".into(),
        number: "15550783881".into(),
        phone_number_id: "106540352242922".into(),
        template: "welcome_back".into(),
        language: "en_US".into(),
        category: "MARKETING".into(),
        segment: "label:vip".into(),
        state: state.into(),
        stop_reason: (state == "stopped").then(|| "131049 x3".to_string()),
        created_by: "root".into(),
        created_at: fixtures::NOW - 3_600,
        started_at: None,
        finished_at: None,
        recipients,
        pending: recipients - done,
        queued: 0,
        sent: done,
        delivered: 0,
        read: 0,
        failed: 0,
        uncertain: 0,
        skipped: vec![SkippedCount {
            reason: "opted_out".into(),
            count: 1,
            examples: vec!["Ana (+59171000001)".into()],
        }],
        failures: Vec::<FailureCount>::new(),
        header: None,
        header_name: None,
    }
}

/// The inbox with `:broadcasts` open and these broadcasts answered.
fn opened(lang: &str) -> App {
    let mut app = fixtures::inbox(lang);
    let effects = command(&mut app, "broadcasts");
    assert!(
        matches!(
            &effects[..],
            [Effect::Call(Tag::Broadcasts, Request::ListBroadcasts)]
        ),
        "{effects:?}"
    );
    app.on_reply(
        Tag::Broadcasts,
        Ok(Response::Broadcasts(vec![
            broadcast(3, "running", 40, 100),
            BroadcastView {
                header_name: Some("promo.jpg".into()),
                ..broadcast(2, "draft", 0, 12)
            },
            broadcast(1, "stopped", 5, 20),
        ])),
    );
    app
}

fn control_of(effects: &[Effect]) -> Option<(i64, BroadcastControl)> {
    match effects {
        [Effect::Call(Tag::BroadcastChange, Request::ControlBroadcast { id, control })] => {
            Some((*id, *control))
        }
        _ => None,
    }
}

#[test]
fn each_rows_key_asks_the_control_its_state_allows() {
    let mut app = opened("en");
    assert_eq!(
        control_of(&press(&mut app, KeyCode::Char('p'))),
        Some((3, BroadcastControl::Pause))
    );
    // Enter starts only a draft.
    assert!(control_of(&press(&mut app, KeyCode::Enter)).is_none());
    press(&mut app, KeyCode::Down);
    // A start is asked first, with what it will do; the same key again does it.
    assert!(control_of(&press(&mut app, KeyCode::Enter)).is_none());
    let asked = render(&app);
    assert!(
        asked.contains("Send #2 (") && asked.contains("to 12 customers now?"),
        "{asked}"
    );
    assert_eq!(
        control_of(&press(&mut app, KeyCode::Enter)),
        Some((2, BroadcastControl::Start))
    );
    // Any other key in between keeps it a draft.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('p'));
    assert!(control_of(&press(&mut app, KeyCode::Enter)).is_none());
    press(&mut app, KeyCode::Down);
    assert_eq!(
        control_of(&press(&mut app, KeyCode::Char('p'))),
        Some((1, BroadcastControl::Resume))
    );
    assert!(control_of(&press(&mut app, KeyCode::Char('x'))).is_none());
    assert_eq!(
        control_of(&press(&mut app, KeyCode::Char('x'))),
        Some((1, BroadcastControl::Cancel))
    );
    // The answer shows on its row.
    app.on_reply(
        Tag::BroadcastChange,
        Ok(Response::Broadcast(Box::new(broadcast(
            1,
            "cancelled",
            5,
            20,
        )))),
    );
    match &app.popup {
        Some(Popup::Broadcasts(p)) => {
            assert_eq!(p.list.as_ref().unwrap()[2].state, "cancelled")
        }
        other => panic!("the popup closed: {other:?}"),
    }
    press(&mut app, KeyCode::Esc);
    assert!(app.popup.is_none());
    assert!(
        app.broadcasts_tick().is_empty(),
        "nothing asked once closed"
    );
}

#[test]
fn the_list_is_asked_again_each_second_one_request_at_a_time() {
    let mut app = opened("en");
    let asked = app.broadcasts_tick();
    assert!(
        matches!(
            &asked[..],
            [Effect::Call(Tag::Broadcasts, Request::ListBroadcasts)]
        ),
        "{asked:?}"
    );
    assert!(
        app.broadcasts_tick().is_empty(),
        "not again before the answer"
    );
    app.on_reply(
        Tag::Broadcasts,
        Ok(Response::Broadcasts(vec![broadcast(3, "done", 100, 100)])),
    );
    assert_eq!(app.broadcasts_tick().len(), 1);
}

#[test]
fn the_broadcasts_popup_shows_each_ones_progress_in_both_languages() {
    for lang in ["en", "es"] {
        let app = opened(lang);
        insta::assert_snapshot!(format!("broadcasts_popup_{lang}"), render(&app));
    }
}
