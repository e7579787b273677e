//! The inbox's panes at 80x24, 60x20 and 120x40 (issue 15): the sidebar's views and counts, the
//! conversation's number and id on its row, the messages keeping a usable width when narrow, the
//! queues pane scrolling with "more" hints, quotes and placeholders wrapped whole.

use super::layout::{MESSAGES_MIN, pane_widths};
use super::sidebar::scroll_window;
use crate::protocol::Response;
use crate::protocol::directory::ConversationCounts;
use crate::tui::app::{App, Focus, Tag};
use crate::tui::fixtures;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| super::draw(f, app))
        .expect("draw into the test terminal");
    terminal
}

fn screen(app: &App, width: u16, height: u16) -> String {
    render(app, width, height).backend().to_string()
}

fn press(app: &mut App, code: KeyCode) {
    let _ = app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

/// The inbox with the engine's counts for the views.
fn counted(lang: &str) -> App {
    let mut app = fixtures::inbox(lang);
    let _ = app.on_reply(
        Tag::Counts,
        Ok(Response::ConversationCounts(ConversationCounts {
            open: 12,
            mine: 3,
            unassigned: 4,
            snoozed: 2,
            closed: 40,
        })),
    );
    app
}

fn open_sheena() -> App {
    fixtures::open(counted("en"), 0, fixtures::sheena_messages())
}

#[test]
fn the_sidebar_has_open_snoozed_and_closed_views_with_counts_80x24() {
    let app = counted("en");
    let terminal = render(&app, 80, 24);
    let text = terminal.backend().to_string();
    for (view, n) in [
        ("All open", "12"),
        ("Mine", "3"),
        ("Unassigned", "4"),
        ("Snoozed", "2"),
        ("Closed", "40"),
    ] {
        let line = text
            .lines()
            .find(|l| l.contains(view))
            .unwrap_or_else(|| panic!("no {view} in\n{text}"));
        assert!(line.contains(n), "{view} without its count: {line}");
    }
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn the_views_in_spanish() {
    let text = screen(&counted("es"), 80, 24);
    for view in ["Abiertas", "Mías", "Sin asignar", "Pospuestas", "Cerradas"] {
        assert!(text.contains(view), "no {view} in\n{text}");
    }
}

#[test]
fn rows_show_the_conversations_number_and_id_where_the_width_allows_120x40() {
    let app = open_sheena();
    let terminal = render(&app, 120, 40);
    let text = terminal.backend().to_string();
    // Two numbers to tell apart: the id and the number the conversation is on, or its end.
    assert!(text.contains("Sheena Nelson #1 +15550783881"), "{text}");
    assert!(text.contains("Carlos Mamani #4 …3881"), "{text}");
    insta::assert_snapshot!(terminal.backend());
    // At 80 columns the name keeps the room.
    let narrow = screen(&app, 80, 24);
    assert!(narrow.contains("Sheena Nelson"), "{narrow}");
}

#[test]
fn at_60x20_the_sidebar_gives_way_and_the_messages_keep_a_usable_width() {
    let app = open_sheena();
    let terminal = render(&app, 60, 20);
    let text = terminal.backend().to_string();
    // The list's title says which view it is, the sidebar being hidden.
    assert!(text.contains("All open"), "{text}");
    assert!(!text.contains("Queues"), "{text}");
    assert!(text.contains("My address is Calle 8 #12"), "{text}");
    insta::assert_snapshot!(terminal.backend());
    // Focusing the sidebar brings it back.
    let mut app = app;
    app.focus = Focus::Sidebar;
    let text = screen(&app, 60, 20);
    assert!(text.contains("Queues"), "{text}");
}

#[test]
fn the_panes_share_the_width_messages_first() {
    assert_eq!(pane_widths(120, false), [24, 38, 58]);
    assert_eq!(pane_widths(80, false), [16, 25, 39], "80 columns as before");
    let [side, _, messages] = pane_widths(60, false);
    assert_eq!(side, 0);
    assert!(messages >= MESSAGES_MIN, "{messages}");
    // While the agent picks a view, the sidebar is shown, narrower.
    let [side, list, messages] = pane_widths(60, true);
    assert_eq!((side, list, messages), (14, 22, 24));
    for w in 0..200 {
        for focused in [false, true] {
            let [a, b, c] = pane_widths(w, focused);
            assert_eq!(a + b + c, w, "width {w}");
        }
    }
}

#[test]
fn a_long_queues_pane_scrolls_with_the_cursor_and_says_there_is_more() {
    let mut app = counted("en");
    let queues: Vec<_> = (1..=16)
        .map(|i| crate::protocol::directory::QueueView {
            id: i,
            tenant: "Demo Shop".into(),
            name: format!("Queue {i:02}"),
            auto_assign: false,
            numbers: Vec::new(),
            agents: Vec::new(),
            conversations: 0,
            waiting: 0,
            hours: None,
            sla_minutes: None,
        })
        .collect();
    let _ = app.on_reply(Tag::Queues, Ok(Response::Queues(queues)));
    app.focus = Focus::Sidebar;
    let top = screen(&app, 80, 24);
    assert!(top.contains("↓ more"), "{top}");
    assert!(!top.contains("↑ more"), "{top}");
    // Down to the last: it shows, under "↑ more".
    for _ in 0..40 {
        press(&mut app, KeyCode::Char('j'));
    }
    let terminal = render(&app, 80, 24);
    let bottom = terminal.backend().to_string();
    assert!(bottom.contains("↑ more"), "{bottom}");
    assert!(
        bottom.contains("Queue 16"),
        "the last queue shows: {bottom}"
    );
    insta::assert_snapshot!(terminal.backend());
    // One up from the last: both.
    press(&mut app, KeyCode::Char('k'));
    let middle = screen(&app, 80, 24);
    assert!(
        middle.contains("↑ more") && middle.contains("↓ more"),
        "{middle}"
    );
}

#[test]
fn the_scroll_window_keeps_the_cursor_between_the_hints() {
    assert_eq!(scroll_window(5, 4, 10), (0, 5, false, false));
    assert_eq!(scroll_window(30, 0, 10), (0, 9, false, true));
    assert_eq!(scroll_window(30, 8, 10), (0, 9, false, true));
    assert_eq!(scroll_window(30, 9, 10), (2, 8, true, true));
    assert_eq!(scroll_window(30, 29, 10), (21, 9, true, false));
    for len in 0..40 {
        for height in 1..15 {
            for selected in 0..len {
                let (start, count, above, below) = scroll_window(len, selected, height);
                assert!(
                    start <= selected && selected < start + count,
                    "{len} {height} {selected}"
                );
                assert!(count + usize::from(above) + usize::from(below) <= height);
                assert_eq!(above, start > 0 && height >= 3);
                assert_eq!(below, start + count < len && height >= 3);
            }
        }
    }
}

#[test]
fn a_quote_keeps_its_bar_on_every_line() {
    let mut messages = fixtures::sheena_messages();
    messages.truncate(3);
    messages[0].view.text =
        "Hi! Is my order #4471 shipped yet? I paid on Monday with a card".into();
    let app = fixtures::open(counted("en"), 0, messages);
    let text = screen(&app, 60, 30);
    let quote: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("│ reply to"))
        .take_while(|l| !l.contains("Also, can I change"))
        .collect();
    assert!(quote.len() >= 2, "the quote wraps here:\n{text}");
    for line in &quote {
        assert!(
            line.contains("│ "),
            "a quote line without its bar: {line}\n{text}"
        );
    }
}

#[test]
fn placeholders_are_wrapped_whole_not_cut() {
    let mut app = counted("en");
    app.focus = Focus::Conversations;
    let text = screen(&app, 60, 20);
    assert!(text.contains("Choose a conversation and"), "{text}");
    assert!(text.contains("Enter."), "{text}");
    assert!(!text.contains("Ente…"), "{text}");
    app.list.rows.clear();
    let text = screen(&app, 80, 24);
    assert!(text.contains("No conversations here"), "{text}");
    assert!(text.contains("yet."), "{text}");
}

#[test]
fn an_open_conversation_outside_the_list_is_shown_above_it() {
    let mut app = counted("en");
    let mut marta = fixtures::conversation(
        99,
        Some("Marta"),
        Some("59170099999"),
        Some(600),
        0,
        "gracias",
        600,
    );
    marta.view.state = crate::protocol::ConversationState::Closed;
    app.open = Some(crate::tui::app::OpenConversation {
        row: marta,
        messages: Vec::new(),
        selected: 0,
        has_older: false,
        loading: false,
        seek: None,
        automation: Vec::new(),
    });
    app.list.outside_list = true;
    app.focus = Focus::Conversations;
    let terminal = render(&app, 80, 24);
    let text = terminal.backend().to_string();
    assert!(text.contains("›Marta #99"), "{text}");
    assert!(text.contains("not in this view"), "{text}");
    // No row looks selected while the actions act on Marta.
    assert!(!text.contains("›Sheena"), "{text}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn the_save_prompt_shows_the_end_of_the_path() {
    let mut app = open_sheena();
    app.popup = Some(crate::tui::app::Popup::SaveAs(
        crate::tui::save::SavePrompt {
            message_id: 2,
            mime_type: Some("image/jpeg".into()),
            path: "/home/agent/Downloads/a/very/long/folder/name/wabox-2.jpg".into(),
        },
    ));
    let text = screen(&app, 80, 24);
    let footer = text
        .lines()
        .last()
        .unwrap_or_default()
        .trim_matches('"')
        .to_string();
    assert!(footer.starts_with("Save to: "), "{footer}");
    assert!(footer.contains("wabox-2.jpg▏"), "{footer}");
    assert!(footer.contains("Esc cancel"), "{footer}");
}

/// Sales keeps La Paz's hours, 13:00 to 18:00 on weekdays: at the fixtures' now (Thursday
/// 12:00 there) it is closed, and opens at one.
fn sales_outside_hours(lang: &str) -> App {
    let mut app = fixtures::open(counted(lang), 0, fixtures::sheena_messages());
    for q in &mut app.sidebar.queues {
        if q.name == "Sales" {
            q.hours = Some(crate::protocol::directory::QueueHours {
                zone: "America/La_Paz".into(),
                week: "mon-fri 13:00-18:00".into(),
                holidays: vec!["2026-12-25".into()],
            });
        }
    }
    app
}

#[test]
fn a_queue_outside_its_hours_says_when_it_opens_in_the_sidebar_and_the_composer_80x24() {
    for lang in ["en", "es"] {
        let app = sales_outside_hours(lang);
        let text = screen(&app, 80, 24);
        // The sidebar has room for the moon alone; the composer says when, in words.
        let (moon, words) = match lang {
            "en" => ("Sales ☾ ", "outside hours, opens Thu 13:00"),
            _ => ("Sales ☾ ", "fuera de horario, abre jue 13:00"),
        };
        assert!(
            text.contains(moon) && text.contains(words),
            "{lang}:\n{text}"
        );
        insta::assert_snapshot!(format!("outside_hours_{lang}"), text);
    }
    // Wider, the sidebar says when too.
    let wide = screen(&sales_outside_hours("es"), 120, 30);
    assert!(wide.contains("Sales ☾jue 13:00"), "{wide}");
    // At one o'clock it is open: neither says anything.
    let mut app = sales_outside_hours("en");
    app.now = fixtures::NOW + 3600;
    let text = screen(&app, 80, 24);
    assert!(
        !text.contains('☾') && !text.contains("outside hours"),
        "{text}"
    );
}
