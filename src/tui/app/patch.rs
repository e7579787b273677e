//! What the engine pushes, applied to what the inbox shows: rows patched in place, the sidebar
//! replaced, and a full read again only after a `resync` or a directory change.

use super::*;
use crate::protocol::listing::{ListCriteria, comes_before};
use crate::protocol::push::{Push, Sidebar};

impl App {
    pub fn on_push(&mut self, push: Push) -> Vec<Effect> {
        let mut out = Vec::new();
        self.dirty = true;
        if push.resync || push.directory {
            self.numbers_stale = true;
            self.conversations_stale = true;
        }
        if push.resync {
            out.extend(self.reload_open());
        }
        if let Some(offset) = push.clock_offset_seconds {
            self.clock_moved(offset);
        }
        for waba in &push.templates {
            self.templates.remove(waba);
        }
        if let Some(sidebar) = push.sidebar {
            self.take_sidebar(*sidebar);
        }
        if !push.conversations.is_empty() || !push.gone.is_empty() {
            out.extend(self.patch_conversations(push.conversations, &push.gone));
        }
        for m in push.messages {
            if self.open.as_ref().map(OpenConversation::id) == Some(m.conversation_id) {
                let tag = Tag::Message {
                    conversation_id: m.conversation_id,
                };
                out.extend(self.on_reply(tag, Ok(Response::Message(Box::new(m)))));
            }
        }
        out
    }

    fn take_sidebar(&mut self, sidebar: Sidebar) {
        self.numbers = sidebar.numbers;
        self.queues = sidebar.queues;
        self.counts = Some(sidebar.counts);
        if let Some(a) = sidebar.attention {
            self.unrouted = a.unrouted;
            self.invalid = a.invalid;
        }
        let len = self.sidebar_items().len();
        self.sidebar_selected = self.sidebar_selected.min(len.saturating_sub(1));
    }

    /// The list as the engine would answer it now, from the rows that changed.
    fn patch_conversations(&mut self, rows: Vec<ConversationView>, gone: &[i64]) -> Vec<Effect> {
        let mut out = Vec::new();
        let (phone_number_id, queue, state) = self.chosen_view();
        let criteria = ListCriteria {
            phone_number_id,
            queue,
            state,
            text: Some(self.filter.clone()),
        };
        let mut rang = false;
        for row in rows {
            let before = self.seen_unread.insert(row.id, row.unread);
            rang |= before.is_some_and(|b| row.unread > b);
            out.extend(self.follow_open_row(&row));
            let at = self.conversations.iter().position(|c| c.view.id == row.id);
            match criteria.holds(&row, self.user.as_deref()) {
                // Only the engine can tell: ask it, as before pushes carried rows.
                None => self.conversations_stale = true,
                Some(false) => {
                    if let Some(i) = at {
                        self.conversations.remove(i);
                    }
                }
                Some(true) => {
                    if let Some(i) = at {
                        self.conversations.remove(i);
                    }
                    let i = self
                        .conversations
                        .iter()
                        .position(|c| comes_before(&row, &c.view))
                        .unwrap_or(self.conversations.len());
                    // A full page ends where the engine's would: a row below it is not shown.
                    if i < self.conversation_limit {
                        self.conversations.insert(i, ConversationRow::new(row));
                        self.conversations.truncate(self.conversation_limit);
                    }
                }
            }
        }
        self.conversations.retain(|c| !gone.contains(&c.view.id));
        // The cursor stays on the conversation it was on as the list reorders.
        if let Some(id) = self.conversation_pinned
            && let Some(i) = self.conversations.iter().position(|c| c.view.id == id)
        {
            self.conversation_selected = i;
        }
        self.conversation_selected = self
            .conversation_selected
            .min(self.conversations.len().saturating_sub(1));
        self.conversation_pinned = self
            .conversations
            .get(self.conversation_selected)
            .map(|c| c.view.id);
        self.follow_open_into_list();
        if rang && self.bell {
            out.push(Effect::Bell);
        }
        out
    }

    /// The open conversation's header follows its row; when it was claimed, moved, snoozed or
    /// closed, its automation and contact panel are read again.
    fn follow_open_row(&mut self, row: &ConversationView) -> Vec<Effect> {
        let Some(open) = self.open.as_mut().filter(|o| o.id() == row.id) else {
            return Vec::new();
        };
        let was = &open.row.view;
        let moved = was.state != row.state
            || was.assignee != row.assignee
            || was.queue_id != row.queue_id
            || was.snoozed_until != row.snoozed_until;
        open.row = ConversationRow::new(row.clone());
        let mut out = Vec::new();
        if moved {
            out.push(enrollments_request(row.id));
            if self.contact_panel {
                out.extend(contact_requests(row.id));
            }
        }
        out
    }
}
