//! The panes alone, without the inbox around them: what a key does to their own state and
//! what they ask of the inbox.

use super::list::ConversationList;
use super::{Pane, PaneEvent};
use crate::protocol::listing::ListCriteria;
use crate::protocol::views::StateFilter;
use crate::tui::app::{Focus, SidebarItem};
use crate::tui::fixtures;
use crate::tui::keymap::{Action, Keymap};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[test]
fn the_sidebar_skips_a_tenants_heading_and_asks_for_the_new_view() {
    let mut sidebar = fixtures::inbox("en").sidebar;
    let closed = sidebar
        .items()
        .iter()
        .position(|i| *i == SidebarItem::Closed)
        .expect("the closed view");
    sidebar.selected = closed;
    assert!(sidebar.items()[closed + 1].is_heading());
    assert_eq!(
        sidebar.on_action(Action::Down),
        Some(vec![PaneEvent::ViewChanged])
    );
    assert_eq!(sidebar.selected, closed + 2);
    // At the top nothing moves and nothing is asked.
    sidebar.selected = 0;
    assert_eq!(sidebar.on_action(Action::Up), Some(Vec::new()));
    assert_eq!(
        sidebar.on_action(Action::Open),
        Some(vec![PaneEvent::Focus(Focus::Conversations)])
    );
    // Not a sidebar action: the inbox's global keys answer it.
    assert_eq!(sidebar.on_action(Action::Search), None);
}

#[test]
fn a_pushed_row_above_the_cursor_does_not_move_it_off_its_conversation() {
    let mut list: ConversationList = fixtures::inbox("en").list;
    assert!(list.rows.len() >= 2);
    list.on_action(Action::Down);
    let under = list.selected_row().map(|r| r.view.id);
    let newest = fixtures::conversation(99, Some("New"), Some("1999"), Some(0), 1, "hi", 0);
    let criteria = ListCriteria {
        phone_number_id: None,
        queue: None,
        state: StateFilter::Open,
        text: None,
    };
    list.patch(newest.view, &criteria, None);
    list.keep_cursor();
    assert_eq!(list.rows[0].view.id, 99);
    assert_eq!(list.selected_row().map(|r| r.view.id), under);
}

#[test]
fn the_filter_line_types_until_its_keys_end_it() {
    let mut list = ConversationList::default();
    let keymap = Keymap::defaults();
    let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
    list.filter_editing = true;
    assert!(list.filter_key(&key(KeyCode::Char('a')), &keymap));
    assert!(list.filter_key(&key(KeyCode::Char('n')), &keymap));
    assert_eq!(list.filter, "an");
    // Enter keeps the filter and leaves the line: nothing to read again.
    assert!(!list.filter_key(&key(KeyCode::Enter), &keymap));
    assert!(!list.filter_editing);
    assert_eq!(list.filter, "an");
    list.filter_editing = true;
    assert!(list.filter_key(&key(KeyCode::Esc), &keymap));
    assert_eq!(list.filter, "");
}
