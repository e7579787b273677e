//! The conversation list: the rows of the sidebar's chosen view, the cursor that stays on its
//! conversation as they reorder, the filter, and the paging. Rows the engine pushes are patched
//! in here, as the engine would list them.

use super::{LIST_COMMANDS, Pane, PaneEvent, movement, step};
use crate::protocol::Request;
use crate::protocol::listing::{ListCriteria, comes_before};
use crate::protocol::views::ConversationView;
use crate::protocol::views::{QueueSelection, StateFilter};
use crate::tui::app::{CONVERSATION_PAGE, ConversationRow, Effect, Tag};
use crate::tui::keymap::{Action, Keymap, PopupAction, PopupKind, Scope};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ConversationList {
    pub rows: Vec<ConversationRow>,
    pub selected: usize,
    /// The conversation the agent put the cursor on; it stays under the cursor as the list
    /// reorders. Until the agent moves, the cursor stays at the top (the newest).
    pub pinned: Option<i64>,
    pub limit: usize,
    /// The open conversation is not in the list (a search result from elsewhere): the list's
    /// actions act on it, not on a row, until the agent moves the cursor.
    pub outside_list: bool,
    /// Answers for an earlier list (another view, another filter) are dropped.
    pub generation: u64,
    pub filter: String,
    pub filter_editing: bool,
    pub(in crate::tui) stale: bool,
    pub(in crate::tui) loading: bool,
    /// The unread count each conversation had, so only a rise rings the bell.
    pub(in crate::tui) seen_unread: HashMap<i64, i64>,
}

impl Default for ConversationList {
    fn default() -> Self {
        ConversationList {
            rows: Vec::new(),
            selected: 0,
            pinned: None,
            limit: CONVERSATION_PAGE,
            outside_list: false,
            generation: 0,
            filter: String::new(),
            filter_editing: false,
            stale: true,
            loading: false,
            seen_unread: HashMap::new(),
        }
    }
}

impl ConversationList {
    /// Asked for again, from the top (a new view, a new filter).
    pub fn restart(&mut self) {
        self.generation += 1;
        self.limit = CONVERSATION_PAGE;
        self.selected = 0;
        self.pinned = None;
        self.stale = true;
        self.loading = false;
    }

    /// The list's request, when stale and none is running, for the sidebar's chosen view.
    pub fn request(
        &mut self,
        (phone_number_id, queue, state): (Option<String>, Option<QueueSelection>, StateFilter),
    ) -> Option<Effect> {
        if !self.stale || self.loading {
            return None;
        }
        self.stale = false;
        self.loading = true;
        Some(Effect::Call(
            Tag::Conversations {
                generation: self.generation,
            },
            Request::ListConversations {
                before: None,
                phone_number_id,
                limit: Some(self.limit),
                filter: Some(self.filter.clone()).filter(|f| !f.is_empty()),
                queue,
                state: Some(state),
                queue_name: None,
            },
        ))
    }

    /// Notes the unread counts; true if one rose (the bell).
    pub fn rang(&mut self, rows: &[ConversationView]) -> bool {
        let mut rang = false;
        for c in rows {
            let before = self.seen_unread.insert(c.id, c.unread);
            rang |= before.is_some_and(|b| c.unread > b);
        }
        rang
    }

    /// The engine's answer replaces the rows; the cursor stays on its conversation.
    pub fn replace(&mut self, list: Vec<ConversationView>) {
        self.loading = false;
        self.rows = list.into_iter().map(ConversationRow::new).collect();
        self.keep_cursor();
    }

    /// A pushed row where the engine would list it now, or out of the list. Where only the
    /// engine can tell, the list is asked for again.
    pub fn patch(&mut self, row: ConversationView, criteria: &ListCriteria, user: Option<&str>) {
        let at = self.rows.iter().position(|c| c.view.id == row.id);
        match criteria.holds(&row, user) {
            None => self.stale = true,
            Some(false) => {
                if let Some(i) = at {
                    self.rows.remove(i);
                }
            }
            Some(true) => {
                if let Some(i) = at {
                    self.rows.remove(i);
                }
                let i = self
                    .rows
                    .iter()
                    .position(|c| comes_before(&row, &c.view))
                    .unwrap_or(self.rows.len());
                // A full page ends where the engine's would: a row below it is not shown.
                if i < self.limit {
                    self.rows.insert(i, ConversationRow::new(row));
                    self.rows.truncate(self.limit);
                }
            }
        }
    }

    pub fn remove(&mut self, gone: &[i64]) {
        self.rows.retain(|c| !gone.contains(&c.view.id));
    }

    /// The cursor stays on the conversation it was on as the list reorders, and from now on
    /// follows it: a conversation arriving above must not slide another under the next key.
    pub fn keep_cursor(&mut self) {
        if let Some(id) = self.pinned
            && let Some(i) = self.rows.iter().position(|c| c.view.id == id)
        {
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.pinned = self.rows.get(self.selected).map(|c| c.view.id);
    }

    /// A key while the filter line is open: `[keys.filter]`'s actions, else the filter's text.
    /// True when the filter changed.
    pub fn filter_key(&mut self, key: &KeyEvent, keymap: &Keymap) -> bool {
        match keymap.popup_action(PopupKind::Filter, key) {
            Some(PopupAction::Choose) => {
                self.filter_editing = false;
                false
            }
            Some(PopupAction::Close) => {
                self.filter_editing = false;
                self.filter.clear();
                true
            }
            Some(_) => false,
            None => match key.code {
                KeyCode::Backspace => {
                    self.filter.pop();
                    true
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.filter.push(c);
                    true
                }
                _ => false,
            },
        }
    }

    pub fn selected_row(&self) -> Option<&ConversationRow> {
        self.rows.get(self.selected)
    }

    /// Moves the cursor; near the end of what is loaded, with more maybe there, the next page
    /// is wanted (true).
    fn move_by(&mut self, delta: isize) -> bool {
        // The agent takes the cursor back from an open conversation outside the list.
        self.outside_list = false;
        self.selected = step(self.selected, self.rows.len(), delta);
        self.pinned = self.rows.get(self.selected).map(|c| c.view.id);
        if self.selected + 20 >= self.rows.len() && self.rows.len() >= self.limit {
            self.limit += CONVERSATION_PAGE;
            self.stale = true;
            return true;
        }
        false
    }
}

impl Pane for ConversationList {
    fn on_action(&mut self, action: Action) -> Option<Vec<PaneEvent>> {
        if let Some(delta) = movement(action) {
            return Some(if self.move_by(delta) {
                vec![PaneEvent::Reload]
            } else {
                Vec::new()
            });
        }
        match action {
            Action::Open => Some(vec![PaneEvent::OpenSelected]),
            _ => None,
        }
    }

    fn commands(&self) -> (Scope, &'static [Action]) {
        (Scope::Lists, LIST_COMMANDS)
    }
}
