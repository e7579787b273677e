//! What trying a whole day at the inbox showed, after the items of issue 15 were in.

use super::app::Tag;
use super::fixtures;
use crate::protocol::Response;

/// The list as the engine sends it, with one new conversation on top.
fn with_a_newcomer_on_top(app: &super::app::App) -> Vec<crate::protocol::views::ConversationView> {
    let mut list: Vec<_> = app.list.rows.iter().map(|c| c.view.clone()).collect();
    let newcomer =
        fixtures::conversation(77, Some("Newcomer"), Some("5491100"), Some(0), 1, "hola", 0);
    list.insert(0, newcomer.view);
    list
}

#[test]
fn a_conversation_arriving_above_the_cursor_does_not_slide_another_under_it() {
    let mut app = fixtures::inbox("en");
    assert_eq!(app.list.selected, 0);
    let under = app.list.rows[0].view.id;
    // The agent has not moved the cursor yet; a customer writes in a new conversation.
    let list = with_a_newcomer_on_top(&app);
    app.on_reply(
        Tag::Conversations {
            generation: app.list.generation,
        },
        Ok(Response::Conversations(list)),
    );
    assert_eq!(app.list.rows[0].view.id, 77);
    assert_eq!(
        app.list.rows[app.list.selected].view.id, under,
        "Enter or z now would act on the conversation the agent was looking at"
    );
}

/// The list's pane as text, one line per row of the screen.
fn screen(app: &super::app::App, width: u16, height: u16) -> Vec<String> {
    use ratatui::{Terminal, backend::TestBackend};
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|f| super::view::draw(f, app))
        .expect("draw into the test terminal");
    let buffer = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

#[test]
fn two_customers_of_the_same_name_are_told_apart_even_at_80_columns() {
    let mut app = fixtures::inbox("en");
    let mut on_sales = fixtures::conversation(
        40,
        Some("Cliente 1032"),
        Some("59170000001"),
        Some(60),
        1,
        "hola",
        60,
    )
    .view;
    on_sales.display_phone = "15550783881".into();
    let mut on_support = fixtures::conversation(
        41,
        Some("Cliente 1032"),
        Some("59170000002"),
        Some(60),
        1,
        "hola",
        60,
    )
    .view;
    on_support.display_phone = "5215512345678".into();
    let mut same_number = fixtures::conversation(
        42,
        Some("Ana"),
        Some("59170000003"),
        Some(60),
        1,
        "hola",
        60,
    )
    .view;
    same_number.display_phone = "15550783881".into();
    let mut other_ana = same_number.clone();
    other_ana.id = 43;
    app.on_reply(
        Tag::Conversations {
            generation: app.list.generation,
        },
        Ok(Response::Conversations(vec![
            on_sales,
            on_support,
            same_number,
            other_ana,
        ])),
    );
    let lines = screen(&app, 80, 24);
    let text = lines.join("\n");
    // Each twin says which it is: the number's last digits when they are on different
    // numbers, the conversation's id when they are on the same one.
    assert!(text.contains("…3881 hola"), "{text}");
    assert!(text.contains("…5678 hola"), "{text}");
    assert!(
        text.contains("#42 hola") || text.contains("Ana #42"),
        "{text}"
    );
    assert!(
        text.contains("#43 hola") || text.contains("Ana #43"),
        "{text}"
    );
    insta::assert_snapshot!("twins_at_80x24", text);
}

#[test]
fn an_agents_answer_is_shown_as_theirs_and_only_the_inboxs_own_as_you() {
    let mut app = fixtures::inbox("en");
    app.user = Some("root".into());
    let mut by_alice = fixtures::message(1, "out", "agent", "Unos 2 días", 120);
    by_alice.view.sent_by = Some("alice".into());
    let mut by_me = fixtures::message(2, "out", "agent", "Yes, size 42 is in stock", 60);
    by_me.view.sent_by = Some("root".into());
    let app = fixtures::open(app, 0, vec![by_alice, by_me]);
    let screen = screen(&app, 80, 24).join("\n");
    assert!(screen.contains("▸ alice ·"), "{screen}");
    assert!(screen.contains("▸ You ·"), "{screen}");
}

#[test]
fn an_actions_answer_names_the_conversation_it_acted_on() {
    let mut app = fixtures::inbox("en");
    let mut view = app.list.rows[0].view.clone();
    let who = app.list.rows[0].title();
    view.state = crate::protocol::ConversationState::Snoozed;
    view.snoozed_until = Some(fixtures::NOW + 3_600);
    app.on_reply(
        Tag::ConversationState,
        Ok(Response::Conversation(Box::new(view))),
    );
    let said = app.notice.as_ref().unwrap().text.clone();
    assert!(said.starts_with(&format!("{who}: ")), "{said}");
    assert!(said.contains("snoozed"), "{said}");
}
