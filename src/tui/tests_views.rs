//! The inbox's lists and what their keys act on (issue 15): after a search jump the cursor and
//! the open conversation agree, `n` takes the newest unread, the sidebar's state views, and `s`
//! asking where to save.

use super::app::{App, Effect, Focus, Popup, Tag};
use super::fixtures::{self, NOW};
use super::tests::requests;
use crate::protocol::views::{QueueSelection, StateFilter};
use crate::protocol::{MediaFile, Request, Response};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn chars(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn command(app: &mut App, line: &str) -> Vec<Effect> {
    press(app, KeyCode::Char(':'));
    chars(app, line);
    press(app, KeyCode::Enter)
}

/// Ctrl+F, a result in conversation `view`, Enter, and the engine's answer.
fn jump(app: &mut App, view: crate::protocol::views::ConversationView) {
    ctrl(app, 'f');
    chars(app, "hola");
    let generation = match &app.popup {
        Some(Popup::Search(s)) => s.generation,
        other => panic!("no search popup: {other:?}"),
    };
    app.on_reply(
        Tag::Search { generation },
        Ok(Response::SearchResults(vec![
            crate::protocol::admin::SearchHit {
                message_id: 40,
                conversation_id: view.id,
                contact: "Carlos".into(),
                direction: crate::protocol::Direction::In,
                at: NOW,
                snippet: "[hola]".into(),
            },
        ])),
    );
    press(app, KeyCode::Enter);
    app.on_reply(
        Tag::Jump { message_id: 40 },
        Ok(Response::Conversation(Box::new(view))),
    );
}

/// The conversation each of the list's actions goes to, pressed as an agent would.
fn targets_of_every_action(app: &mut App) -> Vec<(&'static str, i64)> {
    let focus = app.focus;
    let mut seen = Vec::new();
    let mut record = |app: &mut App, name: &'static str, effects: Vec<Effect>| {
        for r in requests(&effects) {
            let id = match r {
                Request::SetConversationState {
                    conversation_id, ..
                }
                | Request::Transfer {
                    conversation_id, ..
                }
                | Request::ChangeLabels {
                    conversation_id, ..
                }
                | Request::AddNote {
                    conversation_id, ..
                }
                | Request::Claim { conversation_id }
                | Request::MarkUnread { conversation_id } => *conversation_id,
                _ => continue,
            };
            seen.push((name, id));
        }
        app.focus = focus;
    };
    // `z` opens the command line at "snooze ".
    press(app, KeyCode::Char('z'));
    chars(app, "2h");
    let e = press(app, KeyCode::Enter);
    record(app, "snooze", e);
    let e = press(app, KeyCode::Char('x'));
    record(app, "close", e);
    let e = command(app, "reopen");
    record(app, "reopen", e);
    let e = command(app, "assign bob");
    record(app, "assign", e);
    let e = command(app, "transfer Support");
    record(app, "transfer", e);
    let e = command(app, "label vip");
    record(app, "label", e);
    let e = command(app, "note calls after 6pm");
    record(app, "note", e);
    let e = press(app, KeyCode::Char('a'));
    record(app, "claim", e);
    let e = press(app, KeyCode::Char('u'));
    record(app, "mark unread", e);
    seen
}

fn every_action_on(id: i64) -> Vec<(&'static str, i64)> {
    [
        "snooze",
        "close",
        "reopen",
        "assign",
        "transfer",
        "label",
        "note",
        "claim",
        "mark unread",
    ]
    .into_iter()
    .map(|name| (name, id))
    .collect()
}

#[test]
fn after_a_search_jump_the_cursor_moves_onto_the_opened_conversation() {
    let mut app = fixtures::inbox("en");
    assert_eq!(app.list.selected, 0, "the cursor on Sheena");
    let carlos = fixtures::conversations()[3].view.clone();
    jump(&mut app, carlos);
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(4));
    assert_eq!(app.list.selected, 3, "the cursor followed the jump");
    assert!(!app.list.outside_list);
    // Reading it, and back in the list: every action goes to Carlos, never to Sheena.
    assert_eq!(app.focus, Focus::Messages);
    assert_eq!(targets_of_every_action(&mut app), every_action_on(4));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::Conversations);
    assert_eq!(targets_of_every_action(&mut app), every_action_on(4));
    // The list reorders (Carlos wrote again): the cursor stays on him.
    let mut list: Vec<_> = fixtures::conversations()
        .into_iter()
        .map(|c| c.view)
        .collect();
    list.rotate_right(1);
    app.on_reply(
        Tag::Conversations {
            generation: app.list.generation,
        },
        Ok(Response::Conversations(list)),
    );
    assert_eq!(app.list.selected, 0);
    assert_eq!(app.targets_for_test(), Some(4));
}

#[test]
fn after_a_jump_outside_the_list_actions_act_on_the_open_conversation_until_the_cursor_moves() {
    let mut app = fixtures::inbox("en");
    // Closed, so not in the open list the agent is looking at.
    let mut elsewhere = fixtures::conversation(
        99,
        Some("Marta"),
        Some("59170099999"),
        Some(600),
        0,
        "gracias",
        600,
    )
    .view;
    elsewhere.state = crate::protocol::ConversationState::Closed;
    jump(&mut app, elsewhere.clone());
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(99));
    assert!(app.list.outside_list);
    assert_eq!(targets_of_every_action(&mut app), every_action_on(99));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::Conversations);
    assert_eq!(targets_of_every_action(&mut app), every_action_on(99));
    // `x` on it reopens it, since it is closed.
    assert!(matches!(
        requests(&press(&mut app, KeyCode::Char('x')))[..],
        [Request::SetConversationState { conversation_id: 99, state, .. }] if *state == crate::protocol::ConversationState::Open
    ));
    // Enter and `i` stay with it rather than opening the row under the hidden cursor.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(99));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(app.focus, Focus::Composer);
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(99));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    // The agent moves the cursor: the rows are theirs again.
    press(&mut app, KeyCode::Char('j'));
    assert!(!app.list.outside_list);
    assert_eq!(app.targets_for_test(), Some(3));
    // Reopened, it comes into the list: the cursor goes onto it only while it was the target.
    press(&mut app, KeyCode::Char('k'));
    let mut list: Vec<_> = fixtures::conversations()
        .into_iter()
        .map(|c| c.view)
        .collect();
    elsewhere.state = crate::protocol::ConversationState::Open;
    list.push(elsewhere);
    app.on_reply(
        Tag::Conversations {
            generation: app.list.generation,
        },
        Ok(Response::Conversations(list.clone())),
    );
    assert_eq!(app.list.selected, 0, "the agent's own choice stays");
    app.list.outside_list = true;
    app.on_reply(
        Tag::Conversations {
            generation: app.list.generation,
        },
        Ok(Response::Conversations(list)),
    );
    assert_eq!(app.list.selected, 4);
    assert!(!app.list.outside_list);
}

#[test]
fn n_opens_the_newest_unread_conversation_wherever_the_cursor_is() {
    let mut app = fixtures::inbox("en");
    // The cursor on the third row (2 unread); Carlos below it is unread too, but older.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.list.selected, 2);
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(
        app.open.as_ref().map(|o| o.id()),
        Some(3),
        "Priya, the newest"
    );
    assert_eq!(app.list.selected, 1, "the cursor went with it");
    // Priya is being read: the next `n` takes the newest of the others.
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(2));
}

#[test]
fn n_with_nothing_unread_says_so() {
    let mut app = fixtures::inbox("en");
    for c in &mut app.list.rows {
        c.view.unread = 0;
    }
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.open.is_none());
    let notice = app.notice.as_ref().map(|n| n.text.as_str());
    assert_eq!(notice, Some("no unread conversations here"));
}

#[test]
fn the_contact_panel_follows_n_to_the_new_conversation() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    press(&mut app, KeyCode::Char('p'));
    assert!(app.contact.shown);
    let sheena = crate::protocol::admin::ContactDetails {
        contact_id: 1,
        name: Some("Sheena Nelson".into()),
        wa_id: Some("16505551234".into()),
        user_id: None,
        username: None,
        tenant: "Demo Shop".into(),
        labels: vec!["vip".into()],
        notes: Vec::new(),
        opted_out: None,
    };
    app.on_reply(
        Tag::Contact { conversation_id: 1 },
        Ok(Response::Contact(Box::new(sheena.clone()))),
    );
    assert!(app.contact.details.is_some());
    let effects = press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.open.as_ref().map(|o| o.id()), Some(3));
    assert!(
        requests(&effects).contains(&&Request::GetContact { conversation_id: 3 }),
        "{effects:?}"
    );
    assert!(
        app.contact.details.is_none(),
        "Sheena's details are not shown for Priya"
    );
    // Sheena's late answer is dropped; Priya's is shown.
    app.on_reply(
        Tag::Contact { conversation_id: 1 },
        Ok(Response::Contact(Box::new(sheena.clone()))),
    );
    assert!(app.contact.details.is_none());
    let priya = crate::protocol::admin::ContactDetails {
        contact_id: 3,
        name: Some("Priya".into()),
        ..sheena
    };
    app.on_reply(
        Tag::Contact { conversation_id: 3 },
        Ok(Response::Contact(Box::new(priya))),
    );
    assert_eq!(
        app.contact.details.as_ref().and_then(|c| c.name.as_deref()),
        Some("Priya")
    );
}

#[test]
fn the_sidebar_lists_open_conversations_and_has_views_for_snoozed_and_closed() {
    let mut app = fixtures::inbox("en");
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Sidebar);
    let list = |effects: &[Effect]| match requests(effects).as_slice() {
        [Request::ListConversations { queue, state, .. }] => (*queue, *state),
        other => panic!("expected one list request, got {other:?}"),
    };
    let open = Some(StateFilter::Open);
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (Some(QueueSelection::Mine), open)
    );
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (Some(QueueSelection::Unassigned), open)
    );
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (None, Some(StateFilter::Snoozed))
    );
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (None, Some(StateFilter::Closed))
    );
    assert_eq!(
        list(&press(&mut app, KeyCode::Char('j'))),
        (Some(QueueSelection::Queue(1)), open),
        "a queue lists its open conversations"
    );
    // The counts are asked for with the numbers, and kept.
    app.on_connected(false);
    let effects = app.flush();
    assert!(requests(&effects).contains(&&Request::ConversationCounts));
    let counts = crate::protocol::directory::ConversationCounts {
        open: 12,
        mine: 3,
        unassigned: 4,
        snoozed: 2,
        closed: 40,
    };
    app.on_reply(Tag::Counts, Ok(Response::ConversationCounts(counts)));
    assert_eq!(app.sidebar.counts, Some(counts));
}

/// A photo message selected in Sheena's conversation.
fn photo_selected() -> App {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    if let Some(open) = &mut app.open {
        open.selected = 1; // the photo
    }
    app
}

#[test]
fn s_asks_where_to_save_starting_in_the_download_dir_and_saves_only_there() {
    let mut app = photo_selected();
    assert!(
        press(&mut app, KeyCode::Char('s')).is_empty(),
        "nothing yet"
    );
    let prompt = match &app.popup {
        Some(Popup::SaveAs(p)) => p.clone(),
        other => panic!("no save prompt: {other:?}"),
    };
    assert_eq!(prompt.message_id, 2);
    let default = super::save::free_path(&super::save::default_dir(), 2, Some("image/jpeg"));
    assert_eq!(prompt.path, default.display().to_string());
    // Esc: nothing is saved.
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.popup.is_none());

    let dir = tempfile::tempdir().unwrap();
    press(&mut app, KeyCode::Char('s'));
    ctrl(&mut app, 'u');
    let chosen = dir.path().join("box.jpg");
    chars(&mut app, &chosen.display().to_string());
    let effects = press(&mut app, KeyCode::Enter);
    assert!(app.popup.is_none());
    let [Effect::Call(tag, request)] = effects.as_slice() else {
        panic!("expected one request, got {effects:?}");
    };
    assert_eq!(
        *tag,
        Tag::SaveAs {
            path: chosen.clone()
        }
    );
    assert!(matches!(request, Request::GetMedia { message_id: 2, .. }));
    let file = MediaFile {
        message_id: 2,
        mime_type: Some("image/jpeg".into()),
        bytes: 3,
        offset: 0,
        data_base64: "YWJj".into(),
    };
    let effects = app.on_reply(tag.clone(), Ok(Response::Media(file.clone())));
    assert_eq!(
        effects,
        [Effect::SaveFileAs {
            file,
            path: chosen.clone()
        }]
    );

    // A name already taken: said, and the prompt stays to change it.
    std::fs::write(&chosen, b"mine").unwrap();
    press(&mut app, KeyCode::Char('s'));
    ctrl(&mut app, 'u');
    chars(&mut app, &chosen.display().to_string());
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(app.popup, Some(Popup::SaveAs(_))));
    let notice = app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("already exists"), "{notice}");
    // A directory: the file goes in it under its own name.
    ctrl(&mut app, 'u');
    chars(&mut app, &dir.path().display().to_string());
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Call(Tag::SaveAs { path }, _)] if *path == dir.path().join("wabox-2.jpg")
    ));
}

#[test]
fn s_on_a_message_without_a_file_says_so() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    assert!(press(&mut app, KeyCode::Char('s')).is_empty());
    assert!(app.popup.is_none());
    assert!(app.notice.as_ref().is_some_and(|n| n.error));
}

impl App {
    /// What the list's keys would act on now.
    fn targets_for_test(&self) -> Option<i64> {
        self.list_target()
    }
}
