//! Pushes patch what the inbox shows: rows in their place, the sidebar replaced, and a full
//! read only after a resync.

use super::app::{Effect, Focus};
use super::fixtures::{self, NOW};
use crate::protocol::Request;
use crate::protocol::directory::ConversationCounts;
use crate::protocol::push::{Attention, Push, Sidebar};
use crate::protocol::views::ConversationView;

fn requests(effects: &[Effect]) -> Vec<&Request> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(_, r) => Some(r),
            _ => None,
        })
        .collect()
}

fn row(index: usize) -> ConversationView {
    fixtures::conversations()[index].view.clone()
}

fn ids(app: &super::app::App) -> Vec<i64> {
    app.list.rows.iter().map(|c| c.view.id).collect()
}

#[test]
fn a_new_conversation_goes_to_the_top_and_the_cursor_stays_on_its_row() {
    let mut app = fixtures::inbox("en");
    app.focus = Focus::Conversations;
    app.list.selected = 2;
    app.list.pinned = Some(app.list.rows[2].view.id);
    let mut new = row(0);
    new.id = 9;
    new.last_activity = Some(NOW + 5);
    let effects = app.on_push(Push {
        conversations: vec![new],
        ..Push::default()
    });
    assert!(requests(&effects).is_empty(), "nothing is read again");
    assert_eq!(ids(&app), [9, 1, 3, 2, 4]);
    assert_eq!(app.list.selected, 3, "still on conversation 2");
}

#[test]
fn a_closed_conversation_leaves_the_open_list_and_one_handed_away_is_dropped() {
    let mut app = fixtures::inbox("en");
    let mut closed = row(1);
    closed.state = crate::protocol::ConversationState::Closed;
    app.on_push(Push {
        conversations: vec![closed],
        gone: vec![4],
        ..Push::default()
    });
    assert_eq!(ids(&app), [1, 2]);
}

#[test]
fn a_conversation_of_another_queue_is_not_shown_in_this_queues_list() {
    let mut app = fixtures::inbox("en");
    // The sidebar's "Sales" queue (id 1) chosen: a row of queue 2 is not for it.
    let sales = app
        .sidebar
        .items()
        .iter()
        .position(|i| matches!(i, super::app::SidebarItem::Queue(q) if q.id == 1))
        .expect("Sales in the sidebar");
    app.sidebar.selected = sales;
    let mut elsewhere = row(0);
    elsewhere.id = 9;
    elsewhere.queue_id = Some(2);
    elsewhere.last_activity = Some(NOW + 5);
    app.on_push(Push {
        conversations: vec![elsewhere.clone()],
        ..Push::default()
    });
    assert!(!ids(&app).contains(&9));
    elsewhere.queue_id = Some(1);
    app.on_push(Push {
        conversations: vec![elsewhere],
        ..Push::default()
    });
    assert_eq!(ids(&app)[0], 9);
}

#[test]
fn mine_is_the_subscribed_users_and_unknown_whose_it_is_the_list_is_read_again() {
    let mut app = fixtures::inbox("en");
    let mine = app
        .sidebar
        .items()
        .iter()
        .position(|i| matches!(i, super::app::SidebarItem::Mine))
        .expect("Mine in the sidebar");
    app.sidebar.selected = mine;
    let _ = app.flush();
    let mut theirs = row(0);
    theirs.assignee = Some("ana".into());
    app.on_push(Push {
        conversations: vec![theirs.clone()],
        ..Push::default()
    });
    assert!(
        requests(&app.flush())
            .iter()
            .any(|r| matches!(r, Request::ListConversations { .. })),
        "without knowing whose inbox it is, only the engine can tell"
    );
    app.list.loading = false;
    app.user = Some("ana".into());
    app.list.rows.clear();
    app.on_push(Push {
        conversations: vec![theirs],
        ..Push::default()
    });
    assert_eq!(ids(&app), [1]);
}

#[test]
fn the_sidebar_is_replaced_from_a_push_without_asking() {
    let mut app = fixtures::inbox("en");
    let counts = ConversationCounts {
        open: 7,
        mine: 2,
        unassigned: 5,
        snoozed: 1,
        closed: 40,
    };
    let effects = app.on_push(Push {
        sidebar: Some(Box::new(Sidebar {
            numbers: app.sidebar.numbers.clone(),
            queues: app.sidebar.queues.clone(),
            counts,
            attention: Some(Attention {
                unrouted: 3,
                invalid: 1,
            }),
        })),
        ..Push::default()
    });
    assert!(requests(&effects).is_empty());
    assert!(requests(&app.flush()).is_empty());
    assert_eq!(app.sidebar.counts, Some(counts));
    assert_eq!((app.sidebar.unrouted, app.sidebar.invalid), (3, 1));
}

#[test]
fn a_resync_reads_the_lists_and_the_open_conversation_again_once() {
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    let mut asked = requests(&app.on_push(Push {
        resync: true,
        ..Push::default()
    }))
    .into_iter()
    .cloned()
    .collect::<Vec<_>>();
    asked.extend(requests(&app.flush()).into_iter().cloned());
    let count = |f: fn(&Request) -> bool| asked.iter().filter(|r| f(r)).count();
    assert_eq!(count(|r| matches!(r, Request::ListNumbers)), 1);
    assert_eq!(count(|r| matches!(r, Request::ListConversations { .. })), 1);
    assert_eq!(count(|r| matches!(r, Request::ListMessages { .. })), 1);
    // After a reconnect the connection is new: it is told again which conversation is shown.
    assert_eq!(
        count(|r| matches!(
            r,
            Request::Focus {
                conversation_id: Some(1)
            }
        )),
        1
    );
    assert!(requests(&app.flush()).is_empty(), "once");
}

#[test]
fn a_connection_taken_up_where_it_was_reads_nothing_again() {
    use super::link::LinkEvent;
    let connected = |resumed| LinkEvent::Connected {
        user: Some("ana".into()),
        resumed,
    };
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    app.on_disconnected("the link went".into());
    let effects = super::on_link_event(&mut app, connected(true));
    assert!(
        matches!(requests(&effects)[..], [Request::Hello]),
        "{effects:?}"
    );
    assert!(
        !app.list.stale && !app.sidebar.stale,
        "nothing to read again"
    );
    assert!(!app.open.as_ref().unwrap().loading);

    // Not taken up (another engine, or too much was missed): what is shown is read again.
    app.on_disconnected("the link went".into());
    let effects = super::on_link_event(&mut app, connected(false));
    let asked = requests(&effects);
    assert!(
        asked.iter().any(|r| matches!(r, Request::Focus { .. }))
            && asked
                .iter()
                .any(|r| matches!(r, Request::ListMessages { .. })),
        "{asked:?}"
    );
    assert!(app.list.stale && app.sidebar.stale);
}

#[test]
fn the_open_conversation_leaving_the_users_sight_closes_with_a_word_and_keeps_the_draft() {
    let app = fixtures::inbox("en");
    let mut app = fixtures::open(app, 0, fixtures::sheena_messages());
    let open = app.open.as_ref().unwrap().id();
    let who = app.open.as_ref().unwrap().row.title();
    app.focus = Focus::Composer;
    app.set_composer_text("after transfer");
    app.on_push(Push {
        gone: vec![open],
        ..Push::default()
    });
    assert!(
        app.open.is_none(),
        "no composer left to send into a refusal"
    );
    assert_eq!(app.focus, Focus::Conversations);
    assert!(!ids(&app).contains(&open));
    let said = app.notice.as_ref().unwrap().text.clone();
    assert!(
        said.contains(&who) && said.contains("no longer in your queues"),
        "{said}"
    );
    assert_eq!(app.drafts.get(open), Some("after transfer"));
    // Another conversation leaving changes nothing of the open one.
    let mut app = fixtures::open(fixtures::inbox("en"), 0, fixtures::sheena_messages());
    let open = app.open.as_ref().unwrap().id();
    app.on_push(Push {
        gone: vec![open + 1000],
        ..Push::default()
    });
    assert!(app.open.is_some());
}
