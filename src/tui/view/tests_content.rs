//! The timeline of a WhatsApp group (each message by its participant), a call and a completed
//! Flow, as an agent sees them.

use crate::domain::forms::FormField;
use crate::protocol::views::{ContactView, GroupView};
use crate::tui::fixtures;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn participant(name: &str, wa_id: &str) -> Option<ContactView> {
    Some(ContactView {
        wa_id: Some(wa_id.into()),
        user_id: None,
        name: Some(name.into()),
        username: None,
    })
}

#[test]
fn a_group_shows_each_author_and_calls_and_forms_read_as_what_happened() {
    let mut app = fixtures::inbox("en");
    let mut group = fixtures::conversation(
        9,
        None,
        None,
        Some(5 * 60),
        2,
        "And can we bring kids?",
        5 * 60,
    );
    group.view.contact.user_id = None;
    group.view.group = Some(GroupView {
        group_id: "Q0FQSV9HUk9VUDo1OTE3MTIzMDAwMToxNzY3MjMzMDAwOjQ0".into(),
        subject: None,
    });
    app.list.rows.insert(0, group);

    let mut first = fixtures::message(
        1,
        "in",
        "customer",
        "Does the trip still leave at 7?",
        9 * 60,
    );
    first.view.author = participant("Wara Mamani", "59171230003");
    let mut second = fixtures::message(2, "in", "customer", "And can we bring kids?", 8 * 60);
    second.view.author = participant("Iver Choque", "59171230004");
    let mut call = fixtures::message(3, "in", "call", "[call] Missed call", 7 * 60);
    call.view.kind = "call".into();
    let mut form = fixtures::message(
        4,
        "in",
        "customer",
        "[form] nights: 3 · breakfast: true",
        6 * 60,
    );
    form.view.kind = "interactive".into();
    form.view.author = participant("Wara Mamani", "59171230003");
    form.view.form = Some(vec![
        FormField {
            name: "nights".into(),
            value: "3".into(),
        },
        FormField {
            name: "breakfast".into(),
            value: "true".into(),
        },
    ]);
    let app = fixtures::open(app, 0, vec![first, second, call, form]);
    let mut terminal = Terminal::new(TestBackend::new(110, 26)).expect("test terminal");
    terminal
        .draw(|f| super::draw(f, &app))
        .expect("draw into the test terminal");
    insta::assert_snapshot!(terminal.backend());
}
