//! The inbox's behaviour, driven by the keys an agent presses and the answers an engine gives,
//! without a terminal.

use super::app::{App, Effect, Focus, Popup, Tag};
use super::fixtures::{self, NOW};
use crate::protocol::push::Push;
use crate::protocol::{ApiError, Request, Response, SendContent};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// The requests among a key's effects (shared with the other inbox test modules).
pub(super) fn requests(effects: &[Effect]) -> Vec<&Request> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(_, r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn tab_cycles_the_panes_and_the_composer_only_with_a_conversation_open() {
    let mut app = fixtures::inbox("en");
    assert_eq!(app.focus, Focus::Conversations);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Sidebar, "no conversation open: two panes");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Focus::Messages);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Composer);
    // In the composer, letters are text, not keys.
    chars(&mut app, "qj");
    assert_eq!(app.composer_text(), "qj");
    assert_eq!(app.focus, Focus::Composer);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::Messages);
}

#[test]
fn the_sidebar_chooses_views_queues_and_numbers_skipping_tenant_headings() {
    use crate::protocol::views::QueueSelection;
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Tab);
    // All open, Mine, Unassigned, Snoozed, Closed, Demo Shop (heading), Sales, +1555…, …
    let list = |effects: &[Effect]| match requests(effects).as_slice() {
        [
            Request::ListConversations {
                before: None,
                phone_number_id,
                queue,
                ..
            },
        ] => (phone_number_id.clone(), *queue),
        other => panic!("expected one list request, got {other:?}"),
    };
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (None, Some(QueueSelection::Mine))
    );
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (None, Some(QueueSelection::Unassigned))
    );
    press(&mut app, KeyCode::Char('j')); // Snoozed
    press(&mut app, KeyCode::Char('j')); // Closed
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (None, Some(QueueSelection::Queue(1))),
        "the tenant heading is skipped"
    );
    assert_eq!(app.sidebar.selected, 6);
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (Some("106540352242922".into()), None)
    );
    press(&mut app, KeyCode::Char('k'));
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(app.sidebar.selected, 4, "back up past the heading");
}

#[test]
fn numbers_without_a_queue_are_listed_under_no_queue_for_admins() {
    use crate::protocol::views::QueueSelection;
    let mut app = fixtures::inbox("en");
    let mut numbers = app.sidebar.numbers.clone();
    numbers[1].queue = None;
    app.on_reply(Tag::Numbers, Ok(Response::Numbers(numbers)));
    let items = app.sidebar.items();
    let at = items
        .iter()
        .position(|i| matches!(i, super::app::SidebarItem::NoQueue(_)))
        .expect("a no-queue entry");
    assert!(matches!(&items[at + 1], super::app::SidebarItem::Number(n) if n.queue.is_none()));
    press(&mut app, KeyCode::Tab);
    let mut effects = Vec::new();
    while app.sidebar.selected < at {
        effects = press(&mut app, KeyCode::Char('j'));
    }
    assert!(requests(&effects).iter().any(|r| matches!(
        r,
        Request::ListConversations {
            before: None,
            queue: Some(QueueSelection::NoQueue),
            ..
        }
    )));
}

#[test]
fn opening_a_conversation_focuses_it_loads_its_last_page_and_marks_it_read() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char('j')); // Priya, 1 unread
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&effects),
        [
            // First: pushes carry its messages from then on, so none falls between.
            &Request::Focus {
                conversation_id: Some(3)
            },
            &Request::ListMessages {
                conversation_id: 3,
                before: None,
                limit: Some(super::app::MESSAGE_PAGE),
            },
            &Request::ListEnrollments {
                conversation_id: Some(3),
                all: false,
            },
            &Request::MarkRead { conversation_id: 3 },
        ]
    );
}

#[test]
fn scrolling_to_the_oldest_message_loads_the_page_before_it() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    app.open.as_mut().unwrap().has_older = true;
    let effects = press(&mut app, KeyCode::Char('g'));
    assert_eq!(
        requests(&effects),
        [&Request::ListMessages {
            conversation_id: 1,
            before: Some(1),
            limit: Some(super::app::MESSAGE_PAGE),
        }]
    );
    let older: Vec<_> = (0..super::app::MESSAGE_PAGE as i64)
        .map(|i| fixtures::message(-100 + i, "in", "customer", "older", 5 * 86_400 - i).view)
        .collect();
    app.on_reply(
        Tag::Messages {
            conversation_id: 1,
            older: true,
        },
        Ok(Response::Messages(older)),
    );
    let open = app.open.as_ref().unwrap();
    assert_eq!(open.messages.len(), 9 + super::app::MESSAGE_PAGE);
    assert_eq!(
        open.selected,
        super::app::MESSAGE_PAGE - 1,
        "the cursor stays beside the message it was on"
    );
    assert!(open.has_older, "a full page: there may be more");
}

#[test]
fn answers_for_what_is_no_longer_on_screen_are_dropped() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    app.on_reply(
        Tag::Messages {
            conversation_id: 99,
            older: false,
        },
        Ok(Response::Messages(Vec::new())),
    );
    assert_eq!(app.open.as_ref().unwrap().messages.len(), 9);
    // A list asked for before the filter changed.
    let stale = app.list.generation;
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    chars(&mut app, "carl");
    app.on_reply(
        Tag::Conversations { generation: stale },
        Ok(Response::Conversations(Vec::new())),
    );
    assert_eq!(app.list.rows.len(), 4, "the stale answer changed nothing");
}

#[test]
fn the_filter_asks_the_engine_as_the_agent_types_and_esc_clears_it() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Char('c'));
    let before = app.list.generation;
    // Each key asks again; the answer to "c" will be dropped as stale.
    let effects = press(&mut app, KeyCode::Char('a'));
    assert!(app.list.generation > before);
    assert_eq!(
        requests(&effects),
        [&Request::ListConversations {
            before: None,
            phone_number_id: None,
            limit: Some(super::app::CONVERSATION_PAGE),
            filter: Some("ca".into()),
            queue: None,
            state: Some(crate::protocol::views::StateFilter::Open),
            queue_name: None,
        }]
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.list.filter.is_empty());
    assert!(!app.list.filter_editing);
}

#[test]
fn enter_sends_the_reply_and_a_refusal_gives_the_text_back() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, Vec::new());
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "It ships today");
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::Call(tag, request)] = effects.as_slice() else {
        panic!("expected one send, got {effects:?}");
    };
    assert_eq!(
        request,
        &Request::Send {
            conversation_id: 1,
            content: SendContent::Text {
                body: "It ships today".into()
            },
            reply_to: None,
        }
    );
    assert_eq!(
        app.composer_text(),
        "",
        "the composer is cleared once queued"
    );
    app.on_reply(
        tag.clone(),
        Err(ApiError::invalid("number has no access token")),
    );
    assert_eq!(
        app.composer_text(),
        "It ships today",
        "nothing typed is lost"
    );
    assert!(app.notice.as_ref().unwrap().error);
    // Without the engine, nothing leaves the composer to wait unseen for it.
    app.link = super::app::LinkState::Lost("engine unreachable".into());
    press(&mut app, KeyCode::Char('i'));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(requests(&effects).is_empty(), "{effects:?}");
    assert_eq!(app.composer_text(), "It ships today");
    let said = &app.notice.as_ref().unwrap().text;
    assert!(said.contains("cannot be reached"), "{said}");
}

#[test]
fn alt_enter_and_ctrl_j_make_new_lines() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, Vec::new());
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "a");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    chars(&mut app, "b");
    app.on_key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL));
    chars(&mut app, "c");
    assert_eq!(app.composer_text(), "a\nb\nc");
}

#[test]
fn a_closed_window_never_lets_free_text_go_and_offers_templates() {
    let mut app = fixtures::open(fixtures::inbox("en"), 3, Vec::new()); // Carlos
    app.focus = Focus::Composer;
    chars(&mut app, "Hola Carlos");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        !requests(&effects)
            .iter()
            .any(|r| matches!(r, Request::Send { .. })),
        "no doomed message goes out"
    );
    assert!(matches!(app.popup, Some(Popup::Templates(_))));
    assert_eq!(app.composer_text(), "Hola Carlos", "the draft is kept");
    // Choose a template and send it through the same request as the CLI.
    app.on_reply(
        Tag::Templates {
            waba_id: "waba-106540352242922".into(),
        },
        Ok(Response::Templates(fixtures::templates())),
    );
    chars(&mut app, "bienv");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter); // the review: the exact text, then Enter sends
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&effects),
        [&Request::Send {
            conversation_id: 4,
            content: SendContent::Template {
                name: "bienvenida".into(),
                language: "es".into(),
                params: vec!["customer_name=Carlos Mamani".into()],
                header: None,
            },
            reply_to: None,
        }]
    );
    assert!(app.popup.is_none());
}

#[test]
fn live_messages_appear_in_the_open_conversation_and_are_read_while_looked_at() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    // The push carries the message itself: nothing is asked for it.
    let effects = app.on_push(Push {
        messages: vec![fixtures::message(50, "in", "customer", "Thanks!", 0).view],
        ..Push::default()
    });
    let open = app.open.as_ref().unwrap();
    assert_eq!(open.messages.last().unwrap().view.text, "Thanks!");
    assert_eq!(open.selected, open.messages.len() - 1, "the cursor follows");
    assert_eq!(
        requests(&effects),
        [&Request::MarkRead { conversation_id: 1 }]
    );
    // A push for another conversation patches the list, and nothing is read again.
    let mut row = fixtures::conversations()[2].view.clone();
    row.unread = 3;
    row.last_activity = Some(NOW);
    let effects = app.on_push(Push {
        conversations: vec![row],
        ..Push::default()
    });
    assert!(effects.is_empty());
    assert_eq!(app.list.rows[0].view.id, 2, "newest first");
    assert!(requests(&app.flush()).is_empty());
}

#[test]
fn the_bell_rings_when_a_customer_writes_and_not_on_first_load() {
    let mut app = fixtures::inbox("en");
    app.bell = true;
    let list = |unread: i64| {
        let mut c = fixtures::conversations();
        c[0].view.unread = unread;
        c.into_iter().map(|c| c.view).collect::<Vec<_>>()
    };
    let g = app.list.generation;
    let first = app.on_reply(
        Tag::Conversations { generation: g },
        Ok(Response::Conversations(list(0))),
    );
    assert!(!first.contains(&Effect::Bell));
    let second = app.on_reply(
        Tag::Conversations { generation: g },
        Ok(Response::Conversations(list(1))),
    );
    assert!(second.contains(&Effect::Bell));
}

#[test]
fn a_canned_reply_fills_the_composer_to_be_read_before_sending() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, Vec::new());
    app.composer.canned.insert(
        "hours".into(),
        "We are open 9 to 18, Monday to Saturday.".into(),
    );
    press(&mut app, KeyCode::Char('i'));
    chars(&mut app, "/ho");
    assert_eq!(app.composer.canned_matches(), ["hours"]);
    chars(&mut app, "urs");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    assert_eq!(
        app.composer_text(),
        "We are open 9 to 18, Monday to Saturday."
    );
}

#[test]
fn retry_is_offered_only_for_failed_or_uncertain_messages() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    // The cursor is on the newest message (a customer's): nothing to retry.
    assert!(requests(&press(&mut app, KeyCode::Char('r'))).is_empty());
    assert!(app.notice.as_ref().unwrap().error);
    // Up to the uncertain one (index 5).
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('k'));
    }
    assert_eq!(
        requests(&press(&mut app, KeyCode::Char('r'))),
        [&Request::RetryMessage { message_id: 6 }]
    );
}

#[test]
fn the_countdown_redraws_when_the_minute_turns_not_every_second() {
    let mut app = fixtures::inbox("en");
    app.dirty = false;
    app.on_tick(NOW + 1);
    assert!(!app.dirty);
    app.on_tick(NOW + 60);
    assert!(app.dirty);
}

#[test]
fn the_command_line_runs_actions_by_name() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "open 4");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(4));
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "fly");
    press(&mut app, KeyCode::Enter);
    assert!(
        app.notice
            .as_ref()
            .unwrap()
            .text
            .contains("unknown command fly")
    );
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "quit");
    assert_eq!(press(&mut app, KeyCode::Enter), [Effect::Quit]);
}

#[test]
fn open_takes_a_number_and_opens_one_the_list_does_not_show() {
    let mut app = fixtures::inbox("en");
    let notice = |app: &mut App, line: &str| {
        press(app, KeyCode::Char(':'));
        chars(app, line);
        press(app, KeyCode::Enter);
        app.notice.as_ref().unwrap().text.clone()
    };
    assert!(notice(&mut app, "open twelve").contains(":open takes a conversation number"));
    // One the list does not show (another view, a filter) is asked of the engine and opened,
    // as a search result is; the engine says "not found" of one the user may not see.
    app.list.filter = "Ana".into();
    press(&mut app, KeyCode::Char(':'));
    chars(&mut app, "open 36");
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&effects),
        [&Request::GetConversation {
            conversation_id: 36
        }]
    );
    let mut view = fixtures::conversation(
        36,
        Some("Elena Smith"),
        Some("5491100"),
        Some(0),
        0,
        "hola",
        0,
    )
    .view;
    view.id = 36;
    app.on_reply(Tag::OpenById, Ok(Response::Conversation(Box::new(view))));
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(36));
}

#[test]
fn ctrl_c_quits_from_anywhere_even_a_popup() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.popup, Some(Popup::Help { .. })));
    assert_eq!(
        app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        [Effect::Quit]
    );
}

#[test]
fn a_search_result_opens_its_conversation_at_that_message_reading_back_as_needed() {
    let mut app = fixtures::inbox("en");
    // The contact panel was left open: the jump shows the messages in its place.
    app.contact.shown = true;
    app.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::CONTROL));
    chars(&mut app, "order");
    let generation = match &app.popup {
        Some(Popup::Search(s)) => s.generation,
        _ => panic!("no search popup"),
    };
    app.on_reply(
        Tag::Search { generation },
        Ok(Response::SearchResults(vec![
            crate::protocol::admin::SearchHit {
                message_id: 1,
                conversation_id: 1,
                contact: "Sheena Nelson".into(),
                direction: crate::protocol::Direction::In,
                at: NOW,
                snippet: "my [order]".into(),
            },
        ])),
    );
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        requests(&effects),
        [&Request::GetConversation { conversation_id: 1 }]
    );
    let view = fixtures::conversations()[0].view.clone();
    let effects = app.on_reply(
        Tag::Jump { message_id: 1 },
        Ok(Response::Conversation(Box::new(view))),
    );
    assert!(
        requests(&effects)
            .iter()
            .any(|r| matches!(r, Request::ListMessages { before: None, .. }))
    );
    // The last page does not hold message 1 and there are older ones: read back.
    let newest: Vec<_> = (0..super::app::MESSAGE_PAGE as i64)
        .map(|i| fixtures::message(100 + i, "in", "customer", "later", 1000 - i).view)
        .collect();
    let effects = app.on_reply(
        Tag::Messages {
            conversation_id: 1,
            older: false,
        },
        Ok(Response::Messages(newest)),
    );
    assert_eq!(
        requests(&effects),
        [&Request::ListMessages {
            conversation_id: 1,
            before: Some(100),
            limit: Some(super::app::MESSAGE_PAGE),
        }]
    );
    let older = fixtures::sheena_messages()
        .into_iter()
        .map(|m| m.view)
        .collect();
    app.on_reply(
        Tag::Messages {
            conversation_id: 1,
            older: true,
        },
        Ok(Response::Messages(older)),
    );
    let open = app.open.as_ref().unwrap();
    assert_eq!(open.selected_message().unwrap().view.id, 1);
    assert_eq!(open.seek, None);
    assert!(
        !app.contact.shown,
        "the message is on screen, not the contact"
    );
}

#[test]
fn notes_labels_close_and_snooze_go_to_the_engine_from_the_command_line() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, Vec::new());
    let mut run = |line: &str| {
        press(&mut app, KeyCode::Char(':'));
        chars(&mut app, line);
        press(&mut app, KeyCode::Enter)
    };
    assert_eq!(
        requests(&run("note calls after 6pm")),
        [&Request::AddNote {
            conversation_id: 1,
            text: "calls after 6pm".into()
        }]
    );
    assert_eq!(
        requests(&run("label vip")),
        [&Request::ChangeLabels {
            conversation_id: 1,
            add: vec!["vip".into()],
            remove: vec![]
        }]
    );
    assert_eq!(
        requests(&run("snooze 2h")),
        [&Request::SetConversationState {
            conversation_id: 1,
            state: crate::protocol::ConversationState::Snoozed,
            snoozed_until: Some(NOW + 7200),
        }]
    );
    assert!(requests(&run("snooze soon")).is_empty());
    // Or until a moment, in this machine's zone (whichever it is: within a day of UTC's).
    let until = match requests(&run("snooze 2030-01-01 09:00"))[..] {
        [
            &Request::SetConversationState {
                snoozed_until: Some(until),
                ..
            },
        ] => until,
        ref other => panic!("{other:?}"),
    };
    let utc = crate::domain::time::parse_rfc3339("2030-01-01T09:00:00Z").unwrap();
    assert!(
        (utc - 14 * 3_600..=utc + 12 * 3_600).contains(&until),
        "{until}"
    );
    assert_eq!(
        requests(&press(&mut app, KeyCode::Char('x'))),
        [&Request::SetConversationState {
            conversation_id: 1,
            state: crate::protocol::ConversationState::Closed,
            snoozed_until: None,
        }]
    );
}

#[test]
fn the_numbers_are_asked_again_once_after_a_directory_change_not_forever() {
    let mut app = fixtures::inbox("en");
    let numbers_requests = |effects: &[Effect]| {
        requests(effects)
            .iter()
            .filter(|r| matches!(r, Request::ListNumbers))
            .count()
    };
    app.on_push(Push {
        directory: true,
        ..Push::default()
    });
    assert_eq!(numbers_requests(&app.flush()), 1);
    let numbers = app.sidebar.numbers.clone();
    app.on_reply(Tag::Numbers, Ok(Response::Numbers(numbers)));
    // The engine answers from the store, never from a cache, and pushes the sidebar whenever
    // it changes: no second look (two hundred inboxes would each ask four more questions).
    for later in [NOW + 3, NOW + 10, NOW + 120] {
        app.on_tick(later);
        assert_eq!(numbers_requests(&app.flush()), 0, "quiet at {later}");
    }
}
