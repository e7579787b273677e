//! Where the list's keys land (issue 15, defect 9): on the row under the cursor, or on the open
//! conversation when the list does not hold it (a search result from another view). Opening a
//! conversation puts the cursor on its row, so the two never disagree unseen: when there is no
//! row, the list shows the open conversation above its rows as "not in this view".

use super::app::{App, Effect, OpenConversation};

impl App {
    /// The conversation the list's actions act on.
    pub(super) fn list_target(&self) -> Option<i64> {
        if self.list.outside_list {
            return self.open.as_ref().map(OpenConversation::id);
        }
        self.list.rows.get(self.list.selected).map(|c| c.view.id)
    }

    /// After opening a conversation: the cursor goes onto its row; without one, the list's
    /// actions act on the open conversation until the agent moves the cursor.
    pub(super) fn cursor_to_open(&mut self) {
        let Some(id) = self.open.as_ref().map(OpenConversation::id) else {
            self.list.outside_list = false;
            return;
        };
        match self.list.rows.iter().position(|c| c.view.id == id) {
            Some(i) => {
                self.list.selected = i;
                self.list.pinned = Some(id);
                self.list.outside_list = false;
            }
            None => self.list.outside_list = true,
        }
    }

    /// A new list: when the open conversation the actions were on comes into it, the cursor
    /// goes onto its row.
    pub(super) fn follow_open_into_list(&mut self) {
        if self.list.outside_list {
            self.cursor_to_open();
        }
    }

    /// `n`: the newest conversation with unread messages in the list, wherever the cursor is
    /// (the open one aside: it is being read).
    pub(super) fn newest_unread(&mut self) -> Vec<Effect> {
        let open = self.open.as_ref().map(OpenConversation::id);
        let found = self
            .list
            .rows
            .iter()
            .enumerate()
            .filter(|(_, c)| c.view.unread > 0 && Some(c.view.id) != open)
            .max_by_key(|(i, c)| (c.last_at, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match found {
            Some(i) => {
                self.list.outside_list = false;
                self.list.selected = i;
                self.open_selected_then(super::app::Focus::Messages)
            }
            None => {
                let v = crate::i18n::views::for_lang(self.t.lang);
                self.info(v.no_unread);
                Vec::new()
            }
        }
    }
}
