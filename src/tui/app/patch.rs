//! What the engine pushes, applied to what the inbox shows: rows patched in place, the sidebar
//! replaced, and a full read again only after a `resync` or a directory change.

use super::*;
use crate::protocol::listing::ListCriteria;
use crate::protocol::push::{Push, Sidebar};

impl App {
    pub fn on_push(&mut self, push: Push) -> Vec<Effect> {
        let mut out = Vec::new();
        self.dirty = true;
        if push.resync || push.directory {
            self.sidebar.stale = true;
            self.list.stale = true;
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
        self.sidebar.numbers = sidebar.numbers;
        self.sidebar.queues = sidebar.queues;
        self.sidebar.counts = Some(sidebar.counts);
        if let Some(a) = sidebar.attention {
            self.sidebar.unrouted = a.unrouted;
            self.sidebar.invalid = a.invalid;
        }
        self.sidebar.clamp();
    }

    /// The list as the engine would answer it now, from the rows that changed.
    fn patch_conversations(&mut self, rows: Vec<ConversationView>, gone: &[i64]) -> Vec<Effect> {
        let mut out = Vec::new();
        let (phone_number_id, queue, state) = self.sidebar.chosen_view();
        let criteria = ListCriteria {
            phone_number_id,
            queue,
            state,
            text: Some(self.list.filter.clone()),
        };
        let rang = self.list.rang(&rows);
        for row in rows {
            out.extend(self.follow_open_row(&row));
            self.list.patch(row, &criteria, self.user.as_deref());
        }
        self.leave_if_gone(gone);
        self.list.remove(gone);
        self.list.keep_cursor();
        self.follow_open_into_list();
        if rang && self.bell {
            out.push(Effect::Bell);
        }
        out
    }

    /// The open conversation left this user's sight (they transferred it to a queue they do
    /// not serve, an admin moved it): it is closed with a word, its draft kept, rather than
    /// left open with a composer whose send the engine refuses as "no conversation".
    fn leave_if_gone(&mut self, gone: &[i64]) {
        let Some(open) = self.open.as_ref().filter(|o| gone.contains(&o.id())) else {
            return;
        };
        let who = super::super::view::text::shown(&open.row.title());
        self.keep_draft();
        self.composer.clear();
        self.open = None;
        self.contact.shown = false;
        if matches!(self.focus, Focus::Messages | Focus::Composer) {
            self.focus = Focus::Conversations;
        }
        self.info(&self.t.conversation_gone.replace("{}", &who));
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
            if self.contact.shown {
                out.extend(contact_requests(row.id));
            }
        }
        out
    }
}
