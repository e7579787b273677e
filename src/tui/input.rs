//! How the inbox answers keys: the popup on top first, then the filter line, then the focused
//! pane (its own actions), then the inbox's global keys, all through the keymap's actions.

use super::app::{
    App, ConversationRow, Effect, Focus, OpenConversation, Popup, SearchState, Tag,
    contact_requests, messages_request,
};
use super::cmdline::CmdTag;
use super::keymap::{Action, Scope};
use super::pane::{Pane, PaneEvent};
use super::picker::TemplatePicker;
use crate::i18n::fill;
use crate::protocol::views::MessageRef;
use crate::protocol::{ConversationState, MessageStatus};
use crate::protocol::{Request, SendContent};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod actions;
mod commands;

impl App {
    pub fn on_paste(&mut self, text: &str) {
        if self.wizard.is_some() {
            return self.wizard_paste(text);
        }
        if self.reaction_paste(text) {
            self.dirty = true;
            return;
        }
        if self.focus == Focus::Composer && self.popup.is_none() {
            self.composer.text.insert_str(text);
            self.dirty = true;
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.dirty = true;
        if self.wizard.is_some() {
            return self.wizard_key(key);
        }
        // Keys inside a popup are about the popup: the error behind it stays in view.
        if self.popup.is_none() {
            self.dismiss_error();
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return self.on_ctrl_c();
        }
        if self.popup.is_some() {
            return self.popup_key(key);
        }
        if self.list.filter_editing {
            return self.filter_key(key);
        }
        if self.focus == Focus::Composer {
            if self.composer.complete_key(&key) {
                return Vec::new();
            }
            return match self.keymap.action(Scope::Composer, &key) {
                Some(action) => self.pane_action(action),
                None => {
                    self.composer.type_key(key);
                    Vec::new()
                }
            };
        }
        match self.keymap.action(Scope::Lists, &key) {
            Some(action) => self.pane_action(action),
            None => Vec::new(),
        }
    }

    /// The focused pane takes its own actions first (moving its cursor, opening what is under
    /// it); the rest are the inbox's global keys.
    pub(super) fn pane_action(&mut self, action: Action) -> Vec<Effect> {
        let events = match self.focus {
            Focus::Sidebar => self.sidebar.on_action(action),
            Focus::Conversations => self.list.on_action(action),
            Focus::Messages => self.open.as_mut().and_then(|o| o.on_action(action)),
            // The messages pane's cursor moves under the composer too.
            Focus::Composer => self
                .composer
                .on_action(action)
                .or_else(|| self.open.as_mut().and_then(|o| o.on_action(action))),
        };
        match events {
            Some(events) => self.apply_pane(events),
            None => self.act(action),
        }
    }

    fn apply_pane(&mut self, events: Vec<PaneEvent>) -> Vec<Effect> {
        let mut out = Vec::new();
        for event in events {
            match event {
                PaneEvent::ViewChanged => {
                    self.restart_conversations();
                    out.extend(self.flush());
                }
                PaneEvent::Reload => out.extend(self.flush()),
                PaneEvent::Focus(focus) => self.focus = focus,
                PaneEvent::OpenSelected => out.extend(self.open_selected()),
                PaneEvent::Call(effect) => out.push(*effect),
            }
        }
        out
    }

    /// The filter line takes the keys while it is open; a changed filter reads the list again.
    fn filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.list.filter_key(&key, &self.keymap) {
            self.restart_conversations();
        }
        self.flush()
    }

    /// The inbox's own actions, by what they act on.
    pub(super) fn act(&mut self, action: Action) -> Vec<Effect> {
        use Action::*;
        match action {
            Retry | Reply | React | Unreact | SaveMedia | OpenMedia => self.act_on_message(action),
            Compose | Send | Newline | Templates | NextUnread | MarkUnread | ContactPanel
            | CloseConversation | Automation | Claim => self.act_on_conversation(action),
            _ => self.act_on_inbox(action),
        }
    }

    fn cycle(&self, step: isize) -> Focus {
        let mut panes = vec![Focus::Sidebar, Focus::Conversations];
        if self.open.is_some() {
            panes.extend([Focus::Messages, Focus::Composer]);
        }
        let at = panes.iter().position(|p| *p == self.focus).unwrap_or(0) as isize;
        panes[(at + step).rem_euclid(panes.len() as isize) as usize]
    }

    pub(super) fn focused_conversation_id(&self) -> Option<i64> {
        match self.focus {
            Focus::Conversations | Focus::Sidebar => self.list_target(),
            _ => self.open.as_ref().map(OpenConversation::id),
        }
    }

    fn open_selected(&mut self) -> Vec<Effect> {
        self.open_selected_then(Focus::Messages)
    }

    pub(super) fn open_selected_then(&mut self, focus: Focus) -> Vec<Effect> {
        // The list's target is the open conversation when the list does not hold it.
        let target = match (&self.open, self.list.outside_list) {
            (Some(open), true) => Some(open.row.clone()),
            _ => self.list.rows.get(self.list.selected).cloned(),
        };
        let Some(row) = target else {
            return Vec::new();
        };
        self.list.pinned = Some(row.view.id);
        self.open_conversation(row, focus, None)
    }

    /// Opens a conversation (from the list, or a search result with the message to show).
    pub(super) fn open_conversation(
        &mut self,
        row: ConversationRow,
        focus: Focus,
        seek: Option<i64>,
    ) -> Vec<Effect> {
        let id = row.view.id;
        let unread = row.view.unread;
        if self.open.as_ref().map(OpenConversation::id) != Some(id) {
            self.switch_draft(id);
            self.contact.forget();
            self.open = Some(OpenConversation {
                row,
                messages: Vec::new(),
                selected: 0,
                has_older: false,
                loading: true,
                seek,
                automation: Vec::new(),
            });
        } else if let Some(open) = &mut self.open {
            open.seek = seek;
        }
        self.focus = focus;
        let mut out = vec![
            super::app::focus_request(id),
            messages_request(id, None),
            super::app::enrollments_request(id),
        ];
        if self.contact.shown {
            out.extend(contact_requests(id));
        }
        if unread > 0 {
            out.push(Effect::Call(
                Tag::MarkRead,
                Request::MarkRead {
                    conversation_id: id,
                },
            ));
        }
        self.cursor_to_open();
        if focus == Focus::Composer {
            out.extend(self.guard_closed_window());
        }
        out
    }

    /// With the window closed the composer cannot send: say so and offer templates instead.
    pub(super) fn guard_closed_window(&mut self) -> Vec<Effect> {
        match self.open_window() {
            Some(w) if !w.is_open() => {
                let key = self.keymap.key_of(Scope::Composer, Action::Templates);
                self.error(fill(self.t.composer_closed, &[&key]));
                self.open_templates()
            }
            _ => Vec::new(),
        }
    }

    fn retry_selected(&mut self) -> Vec<Effect> {
        let target = self
            .open
            .as_ref()
            .and_then(|o| o.selected_message())
            .filter(|m| m.view.status.is_some_and(MessageStatus::needs_decision))
            .map(|m| m.view.id);
        match target {
            Some(message_id) => vec![Effect::Call(
                Tag::Retry,
                Request::RetryMessage { message_id },
            )],
            None => {
                self.error(self.t.nothing_to_retry.to_string());
                Vec::new()
            }
        }
    }

    fn open_templates(&mut self) -> Vec<Effect> {
        let Some(open) = &self.open else {
            return Vec::new();
        };
        let mut picker = TemplatePicker::new(
            open.id(),
            open.row.view.contact.name.clone(),
            &self.language,
        );
        let pnid = open.row.view.phone_number_id.clone();
        let waba = self
            .sidebar
            .numbers
            .iter()
            .find(|n| n.phone_number_id == pnid)
            .map(|n| n.waba_id.clone())
            .unwrap_or_default();
        let mut out = Vec::new();
        match self.templates.get(&waba) {
            Some(list) => picker.set_templates(list.clone()),
            None => out.push(Effect::Call(
                Tag::Templates { waba_id: waba },
                Request::ListTemplates {
                    phone_number_id: Some(pnid),
                },
            )),
        }
        self.popup = Some(Popup::Templates(Box::new(picker)));
        out
    }

    /// Who has the open conversation, when it is an agent other than this inbox's user.
    fn someone_elses(&self, conversation_id: i64) -> Option<String> {
        let open = self.open.as_ref().filter(|o| o.id() == conversation_id)?;
        let owner = open.row.view.assignee.as_ref()?;
        (self.user.as_ref() != Some(owner)).then(|| owner.clone())
    }

    /// Two agents answering one customer at once is how a customer gets two answers: the first
    /// answer in another agent's conversation (typed, a template, a file) is not sent but says
    /// whose it is (`said`, with the name for `{}`), and returns true; once told, this inbox's
    /// answers there go.
    pub(super) fn tell_whose_first(&mut self, conversation_id: i64, said: &str) -> bool {
        let Some(owner) = self.someone_elses(conversation_id) else {
            return false;
        };
        if self.composer.theirs_told == Some(conversation_id) {
            return false;
        }
        self.composer.theirs_told = Some(conversation_id);
        self.error(fill(said, &[&crate::domain::text::visible(&owner)]));
        true
    }

    fn send_composer(&mut self) -> Vec<Effect> {
        let text = self.composer_text();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Vec::new();
        }
        // `/name` is a canned reply: it fills the composer to be read and sent.
        if let Some(name) = trimmed.strip_prefix('/')
            && let Some(canned) = self.composer.canned.get(name)
        {
            let canned = canned.clone();
            self.set_composer_text(&canned);
            return Vec::new();
        }
        let Some(open) = &self.open else {
            return Vec::new();
        };
        let conversation_id = open.id();
        if self.open_window().is_some_and(|w| !w.is_open()) {
            return self.guard_closed_window();
        }
        // Without the engine the text would leave the composer for a call that waits, unseen,
        // to go minutes later (or never, if the inbox is quit first): it stays here instead.
        if !matches!(self.link, super::app::LinkState::Connected) {
            self.error(self.t.send_while_unreachable.to_string());
            return Vec::new();
        }
        if self.tell_whose_first(conversation_id, self.t.composer_theirs) {
            return Vec::new();
        }
        let body = trimmed.to_string();
        self.composer.clear();
        self.after_send();
        let reply = self.take_reply(conversation_id);
        vec![Effect::Call(
            Tag::Send {
                conversation_id,
                text: Some(body.clone()),
                reply: reply.clone().map(Box::new),
            },
            Request::Send {
                conversation_id,
                content: SendContent::Text { body },
                reply_to: reply.map(|d| MessageRef::Id(d.message_id)),
            },
        )]
    }
}

pub(super) fn state_request(
    conversation_id: i64,
    state: ConversationState,
    snoozed_until: Option<i64>,
) -> Effect {
    Effect::Call(
        Tag::ConversationState,
        Request::SetConversationState {
            conversation_id,
            state,
            snoozed_until,
        },
    )
}
